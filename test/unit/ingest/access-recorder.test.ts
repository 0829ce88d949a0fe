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

  it('cuts text on whole characters', () => {
    expect(clipText('ab😀', 3)).toBe('ab');
    expect(clipText('ab😀', 4)).toBe('ab😀');
    expect(clipText('\udc00x', 5)).toBe('\ufffdx');
  });
});
