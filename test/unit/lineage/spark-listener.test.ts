import { describe, expect, it } from 'vitest';
import { validateOpenLineage } from '../../../domain/openlineage.js';
import { lineageRunEvent } from '../../support/events.js';
import { fixture, storeWith } from './support.js';

/**
 * A COMPLETE RunEvent exactly as the OpenLineage Spark listener 1.53 sent it from a local PySpark job
 * (captured by scripts/services/smoke.sh, paths shortened): its dataSource facet carries
 * `uri: "file"`, which is not a URI, and must still be accepted.
 */
describe('events from the real OpenLineage Spark listener', () => {
  it('validates and projects the input and output Parquet datasets', async () => {
    const event = fixture('spark-listener-complete.json');
    const checked = validateOpenLineage(event);
    expect(checked.ok ? 'ok' : checked.error).toBe('ok');
    const store = await storeWith([lineageRunEvent(event)]);
    const graph = await store.lineage({
      node: { kind: 'dataset', namespace: 'file', name: '/lake/out/raw' },
      direction: 'DOWNSTREAM',
      depth: 1,
    });
    expect(graph.nodes.map((n) => `${n.kind}:${n.name}`).sort()).toEqual([
      'dataset:/lake/out/by_bucket',
      'dataset:/lake/out/raw',
      'job:gouvernail_lineage_smoke.adaptive_spark_plan.out_by_bucket',
    ]);
  });
});
