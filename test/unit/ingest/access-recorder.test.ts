import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clipText } from '../../../domain/text.js';
import { createAccessRecorder, type RecordedAccess } from '../../../src/query-recorder.js';
import { embeddedIngestor, type EmbeddedIngestor } from '../../support/embedded-ingestor.js';

const access = (over: Partial<RecordedAccess>): RecordedAccess => ({
  principal: 'alice',
  role: 'auditor',
  resource: 'gouvernail://graphql',
  action: 'query',
  decision: 'allowed',
  ...over,
});

describe('access recorder (the auditors are audited)', () => {
  let embedded: EmbeddedIngestor;
  let recorder: ReturnType<typeof createAccessRecorder>;
  beforeEach(() => {
    embedded = embeddedIngestor();
    recorder = createAccessRecorder({
      ingestor: embedded.ingestor,
      log: pino({ level: 'silent' }),
      intervalMs: 60_000,
    });
  });
  afterEach(async () => {
    await recorder.stop();
    await embedded.close();
  });

  const stored = async () =>
    (await embedded.log.read(0, 100)).map((e) => e.event.data as Record<string, unknown>);

  it('records what callers send even when it does not fit: long, cut in a pair, lone surrogates', async () => {
    const emoji = '😀';
    recorder.record(access({ operation: `${'q'.repeat(511)}${emoji}tail` }));
    recorder.record(access({ reason: `${'r'.repeat(2047)}${emoji}`, decision: 'denied' }));
    recorder.record(access({ clientAddress: 'A'.repeat(200), principal: 'p\ud800' }));
    recorder.record(access({ principal: 's'.repeat(400) }));
    await recorder.flush();
    const rows = await stored();
    expect(rows).toHaveLength(4);
    expect(rows[0]!.operation).toBe('q'.repeat(511));
    expect(rows[1]!.reason).toBe('r'.repeat(2047));
    expect(rows[2]!.clientAddress).toBe('A'.repeat(128));
    expect(rows[2]!.principal).toBe('p\ufffd');
    // A long token subject: the envelope's actor holds 256 characters, the access's principal 512.
    expect(rows[3]!.principal).toBe('s'.repeat(400));
  });

  it('still appends the good records of a batch when one is refused', async () => {
    recorder.record(access({ principal: 'first' }));
    recorder.record(access({ principal: 'bad', subjects: ['not-a-pseudonym'] }));
    recorder.record(access({ principal: 'third' }));
    await recorder.flush();
    expect((await stored()).map((d) => d.principal)).toEqual(['first', 'third']);
  });

  it('keeps trying at shutdown while the log refuses, and stores what it then takes', async () => {
    let refusals = 2;
    const flaky = createAccessRecorder({
      ingestor: {
        ...embedded.ingestor,
        ingest: (inputs, source) =>
          refusals-- > 0
            ? Promise.reject(new Error('database or disk is full'))
            : embedded.ingestor.ingest(inputs, source),
      },
      log: pino({ level: 'silent' }),
      intervalMs: 60_000,
    });
    flaky.record(access({ principal: 'during-full-disk' }));
    await flaky.stop();
    expect((await stored()).map((d) => d.principal)).toEqual(['during-full-disk']);
  });

  it('fails the shutdown, and writes the records to the service log, when the log never takes them', async () => {
    const lines: string[] = [];
    const refusing = createAccessRecorder({
      ingestor: {
        ...embedded.ingestor,
        ingest: () => Promise.reject(new Error('database or disk is full')),
      },
      log: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
      intervalMs: 60_000,
    });
    refusing.record(access({ principal: 'never-stored', operation: 'query { accessHistory }' }));
    await expect(refusing.stop()).rejects.toThrow(
      '1 self-audit records could not be appended to the log; they are in the service log',
    );
    const fatal = lines
      .map((l) => JSON.parse(l) as { level: number; records?: { data: { principal: string } }[] })
      .find((l) => l.level === 60);
    expect(fatal?.records?.map((r) => r.data.principal)).toEqual(['never-stored']);
    expect(await stored()).toEqual([]);
  });

  it('appends a record waited for at once, sharing appends between concurrent callers', async () => {
    let appends = 0;
    const counting = createAccessRecorder({
      ingestor: {
        ...embedded.ingestor,
        ingest: (inputs, source) => {
          appends++;
          return embedded.ingestor.ingest(inputs, source);
        },
      },
      log: pino({ level: 'silent' }),
      intervalMs: 60_000, // the timer never fires in this test
    });
    counting.record(access({ principal: 'queued-before' }));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => counting.recordDurably(access({ principal: `w${i}` }))),
    );
    const principals = (await stored()).map((d) => d.principal);
    expect(principals).toHaveLength(21);
    expect(principals).toContain('queued-before');
    expect(appends).toBeLessThanOrEqual(3);
    await counting.stop();
  });

  it('fails the callers waiting on an append the log refused, and retries only the queued records', async () => {
    let full = true;
    const flaky = createAccessRecorder({
      ingestor: {
        ...embedded.ingestor,
        ingest: (inputs, source) =>
          full
            ? Promise.reject(new Error('database or disk is full'))
            : embedded.ingestor.ingest(inputs, source),
      },
      log: pino({ level: 'silent' }),
      intervalMs: 60_000,
    });
    flaky.record(access({ principal: 'queued' }));
    await expect(flaky.recordDurably(access({ principal: 'waited-for' }))).rejects.toThrow(
      'database or disk is full',
    );
    full = false;
    await flaky.flush();
    expect((await stored()).map((d) => d.principal)).toEqual(['queued']);
    await flaky.stop();
  });

  it('cuts text on whole characters', () => {
    expect(clipText('ab😀', 3)).toBe('ab');
    expect(clipText('ab😀', 4)).toBe('ab😀');
    expect(clipText('\udc00x', 5)).toBe('\ufffdx');
  });
});
