import { json } from './respond.js';

/** What went wrong with the server's own storage, as a caller can act on it. */
export interface StorageFault {
  /** The SQLite result code or errno that says so, e.g. `SQLITE_FULL` or `ENOSPC`. */
  readonly code: string;
  readonly message: string;
  /** Seconds a client should wait before sending the same request again. */
  readonly retryAfterSeconds: number;
}

const full = /^(SQLITE_FULL|ENOSPC|EDQUOT)$/;
const busy = /^SQLITE_(BUSY|LOCKED)/;
const unwritable = /^(SQLITE_READONLY|SQLITE_IOERR|SQLITE_CANTOPEN|EROFS|EIO|EACCES|EPERM)/;

/** The SQLite result code or errno of `error` or of one of its causes, if any. */
const codeOf = (error: unknown): string | undefined => {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (full.test(code) || busy.test(code) || unwritable.test(code)))
      return code;
    e = e.cause;
  }
  return undefined;
};

/**
 * The storage fault behind a failed request, or undefined when the failure is something else. A full
 * disk, a locked database or an unwritable file is not the caller's fault and passes: the request may
 * be sent again with the same event ids, which makes the retry safe.
 */
export const storageFaultOf = (error: unknown): StorageFault | undefined => {
  const code = codeOf(error);
  if (code === undefined) return undefined;
  if (full.test(code))
    return { code, message: 'the server has no disk space left', retryAfterSeconds: 30 };
  if (busy.test(code)) return { code, message: 'the server storage is busy', retryAfterSeconds: 1 };
  return { code, message: 'the server cannot write its storage', retryAfterSeconds: 30 };
};

/** 503 `storage-unavailable` naming the fault, with `Retry-After`. */
export const storageProblem = (fault: StorageFault): Response =>
  json(
    {
      error: {
        code: 'storage-unavailable',
        message: `${fault.message} (${fault.code}); nothing of this request was stored, send it again later`,
      },
    },
    503,
    { 'retry-after': String(fault.retryAfterSeconds) },
  );
