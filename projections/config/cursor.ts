const prefix = 'c1:';

/** Opaque cursor over log positions (base64url of a versioned tag and the position). */
export const encodeConfigCursor = (position: number): string =>
  btoa(`${prefix}${position}`).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');

export const decodeConfigCursor = (cursor: string): number => {
  let text: string;
  try {
    text = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
  } catch {
    throw new RangeError('invalid cursor');
  }
  const m = /^c1:(\d{1,16})$/.exec(text);
  if (!m) throw new RangeError('invalid cursor');
  return Number(m[1]);
};
