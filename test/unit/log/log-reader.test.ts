import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventTypes, upcast } from '../../../domain/catalogue.js';
import type { RecordedEnvelope } from '../../../domain/envelope.js';
import { lineageEventTypes, lineageGraphChanges } from '../../../projections/lineage/evolve.js';
import { createSqliteEventLog } from '../../../src/log/sqlite/event-log.js';
import { entryTypeOf } from '../../../src/log/sqlite/bundle-reader.js';
import { openSqliteLogReader, SKIPPED_TYPE } from '../../../src/log/sqlite/log-reader.js';
import { preparedEvent } from '../../support/contracts/event-log.js';
import { lineageRunEvent } from '../../support/events.js';
import { removeDir, tempDir } from '../../support/cli.js';
import { runEvent } from '../lineage/support.js';
import { canonicalBytes } from '../../../domain/canonical.js';
import { leafHash } from '../../../src/merkle/hash.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

const valid = JSON.parse(
  readFileSync(new URL('../../fixtures/events/valid.json', import.meta.url), 'utf8'),
) as RecordedEnvelope[];

describe('the read-only log reader of the lineage thread', () => {
  it('parses the entries of the types asked for and stands in for the others, at every position', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'log.sqlite');
    const log = createSqliteEventLog({ file });
    const lineage = lineageRunEvent(runEvent({ run: 1, job: 'j', at: '2026-01-01T00:00:00Z' }));
    const entry = canonicalBytes(lineage);
    await log.append([
      preparedEvent('a'),
      {
        id: lineage.id,
        type: lineage.type,
        event: lineage,
        entry,
        leafHash: leafHash(entry),
        stream: 'job:j',
        sealedBlobs: [],
      },
      preparedEvent('b'),
    ]);
    const reader = openSqliteLogReader(file, { types: ['LineageRunEvent'] });
    expect(await reader.size()).toBe(3);
    const read = await reader.read(0, 10);
    expect(read.map((e) => [e.position, e.event.type])).toEqual([
      [0, SKIPPED_TYPE],
      [1, 'LineageRunEvent'],
      [2, SKIPPED_TYPE],
    ]);
    expect(read[1]!.event).toEqual(lineage);
    await log.append([preparedEvent('c')]);
    expect(await reader.size()).toBe(4);
    await reader.close();
    await log.close();
  });

  it('reads the type of every kind of entry from its last bytes, as parsing it would', () => {
    for (const e of valid) {
      const entry = Buffer.from(canonicalBytes(e));
      expect(entryTypeOf(entry), e.type).toBe(e.type);
    }
    expect(entryTypeOf(Buffer.from('{"type":"AccessRecorded","z":1}'))).toBeUndefined();
  });

  it('skips only event types the lineage graph ignores', () => {
    const ignored = valid.filter((e) => !lineageEventTypes.includes(e.type));
    expect(new Set(valid.map((e) => e.type))).toEqual(new Set(eventTypes));
    for (const e of ignored) expect(lineageGraphChanges(upcast(e)), e.type).toEqual([]);
    for (const type of lineageEventTypes) expect(eventTypes).toContain(type);
  });
});
