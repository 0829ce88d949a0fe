/**
 * Whether a request failed because its client went away mid-request (closed the connection while
 * its body was uploading): nobody waits for the answer, and the service did nothing wrong.
 */
export const isClientAbort = (req: Request, e: unknown): boolean => {
  if (req.signal.aborted) return true;
  const err = e as { name?: unknown; code?: unknown } | null;
  return (
    err?.name === 'AbortError' ||
    err?.code === 'ECONNRESET' ||
    err?.code === 'ERR_STREAM_PREMATURE_CLOSE'
  );
};

/** The status counted for such a request (nginx's "client closed request"). */
export const CLIENT_CLOSED_REQUEST = 499;
