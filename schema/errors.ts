import { builder } from './builder.js';

/** A failure clients are expected to handle: returned as a typed member of the field's result union. */
export abstract class ExpectedError extends Error {
  abstract readonly code: string;
}

/** No inclusion proof yet: the event is unknown, or no published checkpoint covers it. */
export class ProofUnavailableError extends ExpectedError {
  override readonly name = 'ProofUnavailableError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The subject was erased: its data key is destroyed, so its personal fields cannot be read any more. */
export class SubjectErasedError extends ExpectedError {
  override readonly name = 'SubjectErasedError';
  readonly code = 'SUBJECT_ERASED';
  constructor(readonly subject: string) {
    super(
      `subject ${subject} was erased: its data key is destroyed and its personal fields can no longer be read`,
    );
  }
}

/** The key vault has no record of the subject's data key: an integrity fault, not an erasure. */
export class DataKeyMissingError extends ExpectedError {
  override readonly name = 'DataKeyMissingError';
  readonly code = 'DATA_KEY_MISSING';
  constructor(
    readonly subject: string,
    message: string,
  ) {
    super(message);
  }
}

/** The event holds no sealed personal fields of that subject. */
export class PersonalFieldsNotFoundError extends ExpectedError {
  override readonly name = 'PersonalFieldsNotFoundError';
  readonly code = 'PERSONAL_FIELDS_NOT_FOUND';
  constructor(
    readonly subject: string,
    eventId: string,
  ) {
    super(`event ${eventId} holds no personal fields of subject ${subject}`);
  }
}

export const ErrorInterface = builder.interfaceRef<ExpectedError>('Error').implement({
  description: 'An expected failure, returned as data: `code` is stable, `message` is for people.',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
  }),
});

builder.objectType(ProofUnavailableError, {
  name: 'ProofUnavailableError',
  description:
    'No proof yet. code: NOT_FOUND (unknown event) or NO_CHECKPOINT (no published checkpoint covers it yet).',
  interfaces: [ErrorInterface],
  isTypeOf: (v) => v instanceof ProofUnavailableError,
});

builder.objectType(SubjectErasedError, {
  name: 'SubjectErasedError',
  interfaces: [ErrorInterface],
  isTypeOf: (v) => v instanceof SubjectErasedError,
  fields: (t) => ({ subject: t.exposeString('subject') }),
});

builder.objectType(DataKeyMissingError, {
  name: 'DataKeyMissingError',
  description:
    'The key vault holds no record of the data key these fields were sealed under (the vault was lost, replaced or rolled back); the subject was not erased.',
  interfaces: [ErrorInterface],
  isTypeOf: (v) => v instanceof DataKeyMissingError,
  fields: (t) => ({ subject: t.exposeString('subject') }),
});

builder.objectType(PersonalFieldsNotFoundError, {
  name: 'PersonalFieldsNotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (v) => v instanceof PersonalFieldsNotFoundError,
  fields: (t) => ({ subject: t.exposeString('subject') }),
});
