import { Type, type Static } from '@sinclair/typebox';
import { JsonValue, ShortText, SubjectId, Timestamp } from '../primitives.js';

const CaseId = Type.String({ minLength: 1, maxLength: 128 });

export const ErasureRequestedV1 = Type.Object(
  {
    caseId: CaseId,
    subject: SubjectId,
    receivedAt: Timestamp,
    dueAt: Timestamp,
    legalGround: ShortText,
    requestRef: Type.Optional(Type.String({ maxLength: 512 })),
    canaryCommitment: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

export const ErasureTaskIssuedV1 = Type.Object(
  {
    caseId: CaseId,
    taskId: ShortText,
    system: ShortText,
    target: ShortText,
    executor: Type.Union([Type.Literal('builtin'), Type.Literal('external')]),
    reason: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: false },
);

export const ErasureTaskCompletedV1 = Type.Object(
  {
    caseId: CaseId,
    taskId: ShortText,
    outcome: Type.Union([
      Type.Literal('erased'),
      Type.Literal('nothing_found'),
      Type.Literal('exempted'),
      Type.Literal('failed'),
    ]),
    counts: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    evidence: Type.Optional(JsonValue),
  },
  { additionalProperties: false },
);

export const SubjectKeyDestroyedV1 = Type.Object(
  {
    subject: SubjectId,
    keyIds: Type.Array(Type.String({ minLength: 1 })),
    caseId: Type.Optional(CaseId),
  },
  { additionalProperties: false },
);

export const ErasureCertifiedV1 = Type.Object(
  {
    caseId: CaseId,
    certificateSha256: Type.String({ minLength: 43, maxLength: 64 }),
    certificate: JsonValue,
  },
  { additionalProperties: false },
);

/**
 * The exemptions of GDPR Art. 17(3), by letter: erasure does not apply to the extent processing is
 * necessary (a) for exercising the right of freedom of expression and information; (b) for
 * compliance with a legal obligation, or a task in the public interest or in the exercise of
 * official authority; (c) for reasons of public interest in the area of public health
 * (Art. 9(2)(h), (i) and 9(3)); (d) for archiving in the public interest, scientific or historical
 * research or statistical purposes (Art. 89(1)); (e) for the establishment, exercise or defence of
 * legal claims.
 */
export const ExemptionGrounds = {
  'freedom-of-expression': 'Art. 17(3)(a)',
  'legal-obligation': 'Art. 17(3)(b)',
  'public-health': 'Art. 17(3)(c)',
  'archiving-research-statistics': 'Art. 17(3)(d)',
  'legal-claims': 'Art. 17(3)(e)',
} as const;
export type ExemptionGround = keyof typeof ExemptionGrounds;
export const exemptionGroundNames = Object.keys(ExemptionGrounds) as ExemptionGround[];

/**
 * The response deadline was extended (GDPR Art. 12(3): by at most two further months in total,
 * with the reasons given to the subject). `months` is this extension's length (1 or 2).
 */
export const ErasureExtendedV1 = Type.Object(
  {
    caseId: CaseId,
    months: Type.Union([Type.Literal(1), Type.Literal(2)]),
    previousDueAt: Timestamp,
    dueAt: Timestamp,
    reason: Type.String({ minLength: 1, maxLength: 2048 }),
  },
  { additionalProperties: false },
);

/**
 * Some of the subject's data is kept under an Art. 17(3) exemption: `category` names the data kept
 * (e.g. `invoices`), `ground` the letter that allows it. With `taskId`, the exemption covers that
 * task, which is then completed as `exempted`.
 */
export const ErasureExemptionRecordedV1 = Type.Object(
  {
    caseId: CaseId,
    category: ShortText,
    ground: Type.Union(exemptionGroundNames.map((g) => Type.Literal(g))),
    note: Type.Optional(Type.String({ maxLength: 2048 })),
    taskId: Type.Optional(ShortText),
  },
  { additionalProperties: false },
);

export type ErasureRequestedData = Static<typeof ErasureRequestedV1>;
export type ErasureTaskIssuedData = Static<typeof ErasureTaskIssuedV1>;
export type ErasureTaskCompletedData = Static<typeof ErasureTaskCompletedV1>;
export type SubjectKeyDestroyedData = Static<typeof SubjectKeyDestroyedV1>;
export type ErasureCertifiedData = Static<typeof ErasureCertifiedV1>;
export type ErasureExtendedData = Static<typeof ErasureExtendedV1>;
export type ErasureExemptionRecordedData = Static<typeof ErasureExemptionRecordedV1>;
