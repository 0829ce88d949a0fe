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

export type ErasureRequestedData = Static<typeof ErasureRequestedV1>;
export type ErasureTaskIssuedData = Static<typeof ErasureTaskIssuedV1>;
export type ErasureTaskCompletedData = Static<typeof ErasureTaskCompletedV1>;
export type SubjectKeyDestroyedData = Static<typeof SubjectKeyDestroyedV1>;
export type ErasureCertifiedData = Static<typeof ErasureCertifiedV1>;
