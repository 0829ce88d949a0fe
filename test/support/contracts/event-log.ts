import { commitmentOf } from '../../../src/crypto/seal.js';
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../../domain/canonical.js';
import type { RecordedEnvelope } from '../../../domain/envelope.js';
import type { EventLog, PreparedEvent, StoredEntry } from '../../../src/log/event-log.js';
import { leafHash } from '../../../src/merkle/hash.js';

/** A prepared AccessRecorded event on stream `resource:<resource>`. */
/** A prepared AccessRecorded; with `sealed`, it seals `blob` for `subject` (commitment included). */
export const preparedEvent = (
  id: string,
  resource = 'kafka://prod/orders',
  sealed?: { readonly subject: string; readonly blob: Uint8Array },
): PreparedEvent => {
  const event: RecordedEnvelope = {
    id,
    type: 'AccessRecorded',
    schemaVersion: 1,
    occurredAt: '2026-11-20T10:00:00.000Z',
    recordedAt: '2026-11-20T10:00:01.000Z',
    producer: 'contract',
    actor: { principal: 'User:etl', role: 'analyst' },
    subjects: sealed ? [sealed.subject] : [],
    ...(sealed
      ? {
          sealed: {
            [sealed.subject]: {
              keyId: 'dk_contract',
              fields: ['email'],
              commitment: commitmentOf(sealed.blob),
            },
          },
        }
      : {}),
    data: {
      principal: 'User:etl',
      resource,
      action: 'read',
      decision: 'allowed',
      mechanism: 'kafka-acl',
    },
  };
  const entry = canonicalBytes(event);
  return {
    id,
    type: event.type,
    event,
    entry,
    leafHash: leafHash(entry),
    stream: `resource:${resource}`,
    sealedBlobs: sealed ? [sealed] : [],
  };
};

const ids = (entries: readonly StoredEntry[]): string[] => entries.map((e) => e.event.id);

/**
 * The behaviour every EventLog adapter must have. `make` opens an empty log; `cleanup` closes and
 * removes it.
 */
export const eventLogContract = (
  name: string,
  make: () => Promise<{ log: EventLog; cleanup: () => Promise<void> }>,
): void => {
  const withLog = (fn: (log: EventLog) => Promise<void>) => async () => {
    const { log, cleanup } = await make();
    try {
      await fn(log);
    } finally {
      await cleanup();
    }
  };

  describe(`EventLog contract: ${name}`, () => {
    it(
      'assigns dense positions from 0 in append order and stores the exact entry bytes',
      withLog(async (log) => {
        // Non-ASCII text (two- to four-byte UTF-8) must come back as it went in.
        const batch = [
          preparedEvent('a'),
          preparedEvent('b', 's3://lake/Zoë/données ✓/𝄞'),
          preparedEvent('c'),
        ];
        expect(await log.append(batch)).toEqual([
          { id: 'a', position: 0, status: 'appended' },
          { id: 'b', position: 1, status: 'appended' },
          { id: 'c', position: 2, status: 'appended' },
        ]);
        expect(await log.append([preparedEvent('d')])).toEqual([
          { id: 'd', position: 3, status: 'appended' },
        ]);
        expect(await log.size()).toBe(4);
        const stored = await log.read(0, 10);
        expect(stored.map((e) => e.position)).toEqual([0, 1, 2, 3]);
        expect(Buffer.from(stored[1]!.entry).equals(Buffer.from(batch[1]!.entry))).toBe(true);
        expect(stored[1]!.event).toEqual(batch[1]!.event);
      }),
    );

    it(
      'absorbs duplicates within a batch and across batches, answering the original position',
      withLog(async (log) => {
        await log.append([preparedEvent('a'), preparedEvent('b')]);
        expect(
          await log.append([preparedEvent('b'), preparedEvent('c'), preparedEvent('c')]),
        ).toEqual([
          { id: 'b', position: 1, status: 'duplicate' },
          { id: 'c', position: 2, status: 'appended' },
          { id: 'c', position: 2, status: 'duplicate' },
        ]);
        expect(ids(await log.read(0, 10))).toEqual(['a', 'b', 'c']);
        expect(await log.positionOf('c')).toBe(2);
        expect(await log.positionOf('zz')).toBeNull();
      }),
    );

    it(
      'finds duplicates anywhere in a large batch, new and old ids interleaved',
      withLog(async (log) => {
        await log.append(Array.from({ length: 300 }, (_, i) => preparedEvent(`old${i}`)));
        const mixed = Array.from({ length: 600 }, (_, i) =>
          preparedEvent(i % 2 === 0 ? `old${299 - i / 2}` : `new${(i - 1) / 2}`),
        );
        const outcomes = await log.append(mixed);
        expect(outcomes.filter((o) => o.status === 'duplicate')).toHaveLength(300);
        expect(outcomes[0]).toEqual({ id: 'old299', position: 299, status: 'duplicate' });
        expect(outcomes[598]).toEqual({ id: 'old0', position: 0, status: 'duplicate' });
        expect(outcomes[599]).toEqual({ id: 'new299', position: 599, status: 'appended' });
        expect(await log.size()).toBe(600);
      }),
    );

    it(
      'reads forward from any position with a limit, and nothing past the end',
      withLog(async (log) => {
        await log.append(Array.from({ length: 25 }, (_, i) => preparedEvent(`e${i}`)));
        expect(ids(await log.read(10, 5))).toEqual(['e10', 'e11', 'e12', 'e13', 'e14']);
        expect(ids(await log.read(23, 10))).toEqual(['e23', 'e24']);
        expect(await log.read(25, 10)).toEqual([]);
      }),
    );

    it(
      'reads one stream in log order',
      withLog(async (log) => {
        await log.append([
          preparedEvent('x1', 'kafka://a'),
          preparedEvent('y1', 'kafka://b'),
          preparedEvent('x2', 'kafka://a'),
        ]);
        expect(ids(await log.readStream('resource:kafka://a'))).toEqual(['x1', 'x2']);
        expect(ids(await log.readStream('resource:kafka://a', 1))).toEqual(['x2']);
        expect(await log.readStream('resource:kafka://none')).toEqual([]);
      }),
    );

    it(
      'delivers a batch again when its handler failed, after reporting the failure',
      withLog(async (log) => {
        await log.append([preparedEvent('a'), preparedEvent('b')]);
        const seen: string[] = [];
        const errors: unknown[] = [];
        let failOnce = true;
        const sub = log.subscribe(
          0,
          (batch) => {
            if (failOnce) {
              failOnce = false;
              return Promise.reject(new Error('read model unavailable'));
            }
            seen.push(...ids(batch));
            return Promise.resolve();
          },
          (e) => errors.push(e),
        );
        for (let waited = 0; seen.length < 2 && waited < 5000; waited += 20)
          await new Promise((r) => setTimeout(r, 20));
        await sub.close();
        expect(seen).toEqual(['a', 'b']);
        expect(errors).toHaveLength(1);
        expect((errors[0] as Error).message).toBe('read model unavailable');
      }),
    );

    it(
      'subscribes: catches up from a position, then follows new appends, until closed',
      withLog(async (log) => {
        await log.append([preparedEvent('a'), preparedEvent('b'), preparedEvent('c')]);
        const seen: string[] = [];
        let wake: () => void = () => undefined;
        const sub = log.subscribe(1, (batch) => {
          seen.push(...ids(batch));
          wake();
          return Promise.resolve();
        });
        const until = async (n: number) => {
          while (seen.length < n) await new Promise<void>((r) => ((wake = r), setTimeout(r, 50)));
        };
        await until(2);
        await log.append([preparedEvent('d'), preparedEvent('a')]);
        await until(3);
        await sub.close();
        await log.append([preparedEvent('e')]);
        await new Promise((r) => setTimeout(r, 100));
        expect(seen).toEqual(['b', 'c', 'd']);
      }),
    );
  });
};
