import { createHash } from 'node:crypto';

/**
 * EventStoreDB wants a UUID per event; ours are producer-chosen strings. The UUID is derived from
 * our id (name-based, SHA-256, version 8 layout), so a retried append carries the same UUID and
 * EventStoreDB's own idempotency check applies too.
 */
export const esdbEventId = (id: string): string => {
  const h = createHash('sha256').update(`gouvernail:${id}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
};

/** Our stream names, prefixed so the log's events can be told apart in `$all`. */
export const esdbStream = (prefix: string, stream: string): string => `${prefix}${stream}`;
