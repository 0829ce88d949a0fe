/**
 * `text` made storable in a field of at most `max` UTF-16 units: lone surrogates become U+FFFD, and a
 * cut never splits a surrogate pair. For text gouvernail copies from elsewhere into its own events
 * (a token subject, query text, an OpenLineage producer URI): one that does not fit must not cost the
 * event.
 */
export const clipText = (text: string, max: number): string => {
  const whole = (text as string & { toWellFormed(): string }).toWellFormed();
  if (whole.length <= max) return whole;
  const code = whole.charCodeAt(max - 1);
  return whole.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
};
