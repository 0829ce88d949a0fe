/** JSON response; errors always have the shape `{ error: { code, message, details? } }`. */
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

export const problem = (
  status: number,
  code: string,
  message: string,
  details?: unknown,
): Response =>
  json({ error: { code, message, ...(details === undefined ? {} : { details }) } }, status);

export const text = (
  body: string,
  status = 200,
  contentType = 'text/plain; charset=utf-8',
): Response => new Response(body, { status, headers: { 'content-type': contentType } });
