import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The service's own Prometheus registry; every name starts with `gouvernail_`. */
export const createMetrics = () => {
  const registry = new Registry();
  const ingested = new Counter({
    name: 'gouvernail_ingest_events_total',
    help: 'Events received, by type, source and outcome (appended, duplicate, conflict, invalid)',
    labelNames: ['type', 'source', 'outcome'] as const,
    registers: [registry],
  });
  const appendSeconds = new Histogram({
    name: 'gouvernail_append_duration_seconds',
    help: 'Time to append one batch to the log (seal, encode, hash, integrate, commit)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  let sizeSource: (() => number) | undefined;
  const logSize = new Gauge({
    name: 'gouvernail_log_entries',
    help: 'Entries in the log (the Merkle tree size)',
    registers: [registry],
    collect() {
      if (sizeSource) this.set(sizeSource());
    },
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
  const graphqlSeconds = new Histogram({
    name: 'gouvernail_graphql_duration_seconds',
    help: 'GraphQL operation latency by first top-level field (invalid when the document does not validate) and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  let lagSource: (() => Promise<readonly ProjectionLagSample[]>) | undefined;
  const lagSamples = async (): Promise<readonly ProjectionLagSample[]> =>
    lagSource ? lagSource() : [];
  new Gauge({
    name: 'gouvernail_projection_lag_events',
    help: 'Events in the log that a projection has not applied yet',
    labelNames: ['projection'] as const,
    registers: [registry],
    async collect() {
      for (const l of await lagSamples()) this.set({ projection: l.name }, l.behind);
    },
  });
  new Gauge({
    name: 'gouvernail_projection_lag_seconds',
    help: 'Age of the oldest event a projection has not applied yet (0 when caught up)',
    labelNames: ['projection'] as const,
    registers: [registry],
    async collect() {
      for (const l of await lagSamples()) this.set({ projection: l.name }, l.seconds);
    },
  });
  return {
    registry,
    ingested,
    appendSeconds,
    logSize,
    checkpointSize,
    httpRequests,
    graphqlSeconds,
    /** Where the log size gauge reads from at scrape time. */
    setLogSizeSource: (source: () => number): void => {
      sizeSource = source;
    },
    /** Where the projection lag gauges read from at scrape time. */
    setProjectionLagSource: (source: () => Promise<readonly ProjectionLagSample[]>): void => {
      lagSource = source;
    },
  };
};

export interface ProjectionLagSample {
  readonly name: string;
  readonly behind: number;
  readonly seconds: number;
}

export type Metrics = ReturnType<typeof createMetrics>;
