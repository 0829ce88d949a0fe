const encoder = new TextEncoder();
const decoder = new TextDecoder();

const toBase64Url = (s: string): string =>
  btoa(String.fromCharCode(...encoder.encode(s)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

const fromBase64Url = (s: string): string =>
  decoder.decode(
    Uint8Array.from(atob(s.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0)),
  );

/** A position in newest-first access order. */
export interface AccessCursor {
  readonly timeMs: number;
  readonly position: number;
}

export const encodeAccessCursor = (c: AccessCursor): string =>
  toBase64Url(`a1:${c.timeMs}:${c.position}`);

export const decodeAccessCursor = (cursor: string): AccessCursor => {
  let text: string;
  try {
    text = fromBase64Url(cursor);
  } catch {
    throw new RangeError('invalid cursor');
  }
  const m = /^a1:(-?\d{1,16}):(\d{1,16})$/.exec(text);
  if (!m) throw new RangeError('invalid cursor');
  return { timeMs: Number(m[1]), position: Number(m[2]) };
};
