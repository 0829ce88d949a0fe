import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The service's own Prometheus registry; every name starts with `gouvernail_`. */
export const createMetrics = () => {
  const registry = new Registry();
  const ingested = new Counter({
    name: 'gouvernail_ingest_events_total',
    help: 'Events received, by type, source and outcome (appended, duplicate, invalid)',
    labelNames: ['type', 'source', 'outcome'] as const,
    registers: [registry],
  });
  const appendSeconds = new Histogram({
    name: 'gouvernail_append_duration_seconds',
    help: 'Time to append one batch to the log (seal, encode, hash, integrate, commit)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const logSize = new Gauge({
    name: 'gouvernail_log_entries',
    help: 'Entries in the log (the Merkle tree size)',
    registers: [registry],
  });
  const checkpointSize = new Gauge({
    name: 'gouvernail_checkpoint_tree_size',
    help: 'Tree size of the latest signed checkpoint',
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: 'gouvernail_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  return { registry, ingested, appendSeconds, logSize, checkpointSize, httpRequests };
};

export type Metrics = ReturnType<typeof createMetrics>;
