import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../../src/checkpoint/keys.js';
import { createCheckpointPublisher } from '../../../src/checkpoint/publisher.js';
import { createSqliteCheckpointStore } from '../../../src/checkpoint/store.js';
import { createSqliteEventLog } from '../../../src/log/sqlite/event-log.js';
import { createMetrics } from '../../../src/metrics.js';
import { preparedEvent } from '../../support/contracts/event-log.js';

const checkpointGauge = async (metrics: ReturnType<typeof createMetrics>): Promise<number> =>
  (await metrics.checkpointSize.get()).values[0]?.value ?? NaN;

describe('checkpoint publisher', () => {
  it('reports the latest stored checkpoint size from the start, as after a restart', async () => {
    const log = createSqliteEventLog({ file: ':memory:' });
    await log.append([preparedEvent('a'), preparedEvent('b'), preparedEvent('c')]);
    const store = createSqliteCheckpointStore(log.db);
    const { signer } = generateSigningKey('test/log');
    const options = { tree: () => log.tree, store, signer, origin: 'test/log', intervalMs: 60_000 };
    createCheckpointPublisher(options).publish();

    const restarted = createMetrics();
    createCheckpointPublisher({ ...options, metrics: restarted });
    expect(await checkpointGauge(restarted)).toBe(3);
    await log.close();
  });
});
