import type { RecordedEnvelope } from '../domain/envelope.js';
import { SealError } from '../src/crypto/seal.js';
import type { StoredCheckpoint } from '../src/checkpoint/store.js';
import type { InclusionProofDocument } from '../src/proofs.js';
import { allow, builder } from './builder.js';
import { Actor } from './common.js';
import {
  DataKeyMissingError,
  PersonalFieldsNotFoundError,
  ProofUnavailableError,
  SubjectErasedError,
} from './errors.js';

interface LoggedEventShape {
  readonly position: number;
  readonly event: RecordedEnvelope;
}

const InclusionProof = builder.objectRef<InclusionProofDocument>('InclusionProof').implement({
  description:
    'An RFC 9162 inclusion proof: the exact leaf bytes, the audit path and the signed checkpoint it leads to. ' +
    'Verify offline with `gouvernail verify`.',
  isTypeOf: (v) =>
    typeof v === 'object' &&
    v !== null &&
    (v as { format?: unknown }).format === 'gouvernail-proof/v1',
  fields: (t) => ({
    format: t.exposeString('format'),
    origin: t.exposeString('origin'),
    eventId: t.exposeID('eventId'),
    entry: t.exposeString('entry', { description: 'The log entry (leaf) bytes, base64.' }),
    leafIndex: t.exposeInt('leafIndex'),
    treeSize: t.exposeInt('treeSize'),
    inclusion: t.exposeStringList('inclusion', {
      description: 'Audit path hashes, base64, leaf to root.',
    }),
    checkpoint: t.exposeString('checkpoint', {
      description: 'The C2SP signed note of the covering checkpoint.',
    }),
  }),
});

const PersonalFields = builder
  .objectRef<{ subject: string; fields: Record<string, unknown> }>('PersonalFields')
  .implement({
    isTypeOf: (v) =>
      typeof v === 'object' &&
      v !== null &&
      'fields' in v &&
      'subject' in v &&
      !(v instanceof Error),
    fields: (t) => ({
      subject: t.exposeString('subject'),
      fields: t.field({ type: 'JSON', resolve: (p) => p.fields }),
    }),
  });

const SealedFields = builder
  .objectRef<{ subject: string; fields: readonly string[] }>('SealedFields')
  .implement({
    description: 'Which personal fields of a subject the event holds sealed (names only).',
    fields: (t) => ({ subject: t.exposeString('subject'), fields: t.exposeStringList('fields') }),
  });

const Event = builder.objectRef<LoggedEventShape>('Event').implement({
  description: 'An event as recorded in the log, never changed once written.',
  fields: (t) => ({
    id: t.id({ resolve: (e) => e.event.id }),
    type: t.string({ resolve: (e) => e.event.type }),
    schemaVersion: t.int({ resolve: (e) => e.event.schemaVersion }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.event.occurredAt }),
    recordedAt: t.field({ type: 'DateTime', resolve: (e) => e.event.recordedAt }),
    producer: t.string({ resolve: (e) => e.event.producer }),
    actor: t.field({ type: Actor, resolve: (e) => e.event.actor }),
    subjects: t.stringList({ resolve: (e) => e.event.subjects }),
    data: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.event.data }),
    position: t.int({
      description: 'Place in the log, from 0; also the Merkle leaf index.',
      resolve: (e) => e.position,
    }),
    sealed: t.field({
      type: [SealedFields],
      description: 'Subjects whose personal fields this event holds encrypted.',
      resolve: (e) =>
        Object.entries(e.event.sealed ?? {}).map(([subject, ref]) => ({
          subject,
          fields: ref.fields,
        })),
    }),
    inclusionProof: t.field({
      type: InclusionProof,
      nullable: true,
      errors: { types: [ProofUnavailableError] },
      description:
        'Proof that this event is in the log, up to the first checkpoint that covers it.',
      resolve: async (e, _args, ctx) => {
        const proof = await ctx.events.inclusionProof(e.event.id);
        if ('format' in proof) return proof;
        throw new ProofUnavailableError(
          proof.code.toUpperCase().replaceAll('-', '_'),
          proof.message,
        );
      },
    }),
    personal: t.field({
      type: PersonalFields,
      nullable: true,
      errors: { types: [SubjectErasedError, DataKeyMissingError, PersonalFieldsNotFoundError] },
      description:
        "A subject's personal fields, decrypted. dpo only; every read is itself recorded in the audit log.",
      args: { subject: t.arg.string({ required: true }) },
      authScopes: allow('dpo'),
      resolve: async (e, { subject }, ctx) => {
        // Own keys only: `constructor` or `__proto__` are not subjects of any event.
        if (!e.event.sealed || !Object.hasOwn(e.event.sealed, subject))
          throw new PersonalFieldsNotFoundError(subject, e.event.id);
        try {
          return { subject, fields: await ctx.events.readPersonal(e.event.id, subject) };
        } catch (err) {
          if (err instanceof SealError && err.reason === 'key-destroyed')
            throw new SubjectErasedError(subject);
          if (err instanceof SealError && err.reason === 'key-missing')
            throw new DataKeyMissingError(subject, err.message);
          throw err;
        }
      },
    }),
  }),
});

const Checkpoint = builder.objectRef<StoredCheckpoint>('Checkpoint').implement({
  description: 'A signed checkpoint (C2SP signed note) of the log: its size and Merkle root.',
  fields: (t) => ({
    note: t.exposeString('note'),
    size: t.exposeInt('size'),
    root: t.string({
      description: 'Merkle root hash, base64.',
      resolve: (c) => Buffer.from(c.root).toString('base64'),
    }),
    publishedAt: t.field({ type: 'DateTime', resolve: (c) => c.publishedAt }),
  }),
});

builder.queryFields((t) => ({
  event: t.field({
    type: Event,
    nullable: true,
    description: 'One event of the log by id; null when unknown.',
    args: { id: t.arg.id({ required: true }) },
    authScopes: allow('auditor', 'dpo'),
    resolve: (_parent, { id }, ctx) => ctx.events.byId(id),
  }),
  checkpoint: t.field({
    type: Checkpoint,
    nullable: true,
    description: 'The latest published checkpoint; null before the first.',
    authScopes: allow('auditor'),
    resolve: (_parent, _args, ctx) => ctx.events.latestCheckpoint(),
  }),
}));
