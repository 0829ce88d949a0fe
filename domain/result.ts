/** A value or the reasons it could not be produced. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

export const assertNever = (x: never): never => {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
};
