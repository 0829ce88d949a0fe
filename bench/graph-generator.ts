/**
 * A deterministic generator of a data platform's lineage graph, shaped like a real one: business
 * domains, each a layered pipeline (raw topics → staging → intermediate → marts → aggregates →
 * reports → serving exports). A job of layer L reads 1–6 datasets, mostly of layer L−1, some of
 * lower layers, a few shared marts of other domains, with a skew towards a domain's popular
 * datasets (hot dimensions), and writes 1–2 datasets of layer L. Used by bench/lineage and
 * bench/projection.
 */

export interface GeneratedDataset {
  readonly namespace: string;
  readonly name: string;
  readonly domain: number;
  readonly layer: number;
}

export interface GeneratedJob {
  readonly namespace: string;
  readonly name: string;
  readonly domain: number;
  readonly layer: number;
  /** Dataset indexes. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

export interface GeneratedGraph {
  readonly datasets: readonly GeneratedDataset[];
  readonly jobs: readonly GeneratedJob[];
  /** One line describing the shape, for the bench output. */
  readonly shape: string;
}

export interface GraphOptions {
  readonly datasets: number;
  readonly jobs: number;
  readonly seed?: number;
  /** Datasets per domain (default 1000). */
  readonly domainSize?: number;
  /** Share of a job's inputs read from another domain's shared layers (default 0.03). */
  readonly crossDomain?: number;
}

interface Layer {
  readonly name: string;
  readonly prefix: string;
  readonly namespace: string;
  readonly jobNamespace: string;
  /** Share of a domain's datasets. */
  readonly share: number;
}

const layers: readonly Layer[] = [
  { name: 'raw', prefix: 'raw', namespace: 'kafka://prod-eu', jobNamespace: '', share: 0.25 },
  {
    name: 'staging',
    prefix: 'stg',
    namespace: 's3://lake',
    jobNamespace: 'flink://ingest',
    share: 0.25,
  },
  {
    name: 'intermediate',
    prefix: 'int',
    namespace: 's3://lake',
    jobNamespace: 'spark://analytics',
    share: 0.2,
  },
  {
    name: 'marts',
    prefix: 'mart',
    namespace: 'snowflake://prod',
    jobNamespace: 'dbt://warehouse',
    share: 0.15,
  },
  {
    name: 'aggregates',
    prefix: 'agg',
    namespace: 'snowflake://prod',
    jobNamespace: 'dbt://warehouse',
    share: 0.08,
  },
  {
    name: 'reports',
    prefix: 'rpt',
    namespace: 'snowflake://prod',
    jobNamespace: 'dbt://warehouse',
    share: 0.05,
  },
  {
    name: 'exports',
    prefix: 'exp',
    namespace: 'postgres://serving',
    jobNamespace: 'airflow://prod',
    share: 0.02,
  },
];
/** Layers whose jobs also read earlier datasets of their own layer, and how often. */
const chained = [2, 3, 4];
const sameLayer = 0.15;
/** Layers whose datasets other domains may read (intermediate and marts). */
const sharedLayers = [2, 3];
const areas = [
  'sales',
  'billing',
  'crm',
  'logistics',
  'marketing',
  'risk',
  'hr',
  'product',
  'support',
  'finance',
];
const entities = [
  'orders',
  'customers',
  'payments',
  'invoices',
  'shipments',
  'sessions',
  'events',
  'accounts',
  'products',
  'contracts',
];

/** mulberry32: a small seeded PRNG, so every run builds the same graph. */
export const rng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** How many inputs a job reads: 1 (30%), 2 (30%), 3 (20%), 4 (12%), 5–6 (8%). */
const inputCount = (r: number): number =>
  r < 0.3 ? 1 : r < 0.6 ? 2 : r < 0.8 ? 3 : r < 0.92 ? 4 : r < 0.96 ? 5 : 6;

const split = (total: number, shares: readonly number[]): number[] => {
  const sum = shares.reduce((a, b) => a + b, 0);
  const out = shares.map((s) => Math.floor((total * s) / sum));
  for (
    let i = 0, rest = total - out.reduce((a, b) => a + b, 0);
    rest > 0;
    i = (i + 1) % out.length, rest--
  )
    out[i]! += 1;
  return out;
};

export const generateLineageGraph = ({
  datasets: totalDatasets,
  jobs: totalJobs,
  seed = 42,
  domainSize = 1000,
  crossDomain = 0.03,
}: GraphOptions): GeneratedGraph => {
  const random = rng(seed);
  const domains = Math.max(1, Math.round(totalDatasets / domainSize));
  const datasetsPerDomain = split(
    totalDatasets,
    Array.from({ length: domains }, () => 1),
  );
  const jobsPerDomain = split(
    totalJobs,
    Array.from({ length: domains }, () => 1),
  );
  const datasets: GeneratedDataset[] = [];
  /** [domain][layer] → dataset indexes */
  const byLayer: number[][][] = [];
  for (let d = 0; d < domains; d++) {
    const area = `${areas[d % areas.length]!}${String(Math.floor(d / areas.length)).padStart(2, '0')}`;
    byLayer.push(
      split(
        datasetsPerDomain[d]!,
        layers.map((l) => l.share),
      ).map((n, l) => {
        const layer = layers[l]!;
        return Array.from({ length: n }, (_, i) => {
          datasets.push({
            namespace: layer.namespace,
            name: `${area}.${layer.prefix}_${entities[i % entities.length]!}_${String(i).padStart(4, '0')}`,
            domain: d,
            layer: l,
          });
          return datasets.length - 1;
        });
      }),
    );
  }
  /** A dataset of a layer, skewed towards the first ones: a few hot datasets, a long tail. */
  const pick = (d: number, l: number): number | undefined => {
    const list = byLayer[d]![l]!;
    return list.length === 0 ? undefined : list[Math.floor(list.length * random() ** 2)];
  };
  const jobs: GeneratedJob[] = [];
  const read = new Uint8Array(datasets.length);
  for (let d = 0; d < domains; d++) {
    const area = datasets[byLayer[d]![0]![0] ?? 0]!.name.split('.')[0]!;
    const jobsByLayer = [
      0,
      ...split(
        jobsPerDomain[d]!,
        layers.slice(1).map((l) => l.share),
      ),
    ];
    const firstJobOfDomain = jobs.length;
    for (let l = 1; l < layers.length; l++) {
      const outs = byLayer[d]![l]!;
      const n = jobsByLayer[l]!;
      for (let j = 0; j < n; j++) {
        const inputs = new Set<number>();
        const k = inputCount(random());
        for (let t = 0; t < k * 2 && inputs.size < k; t++) {
          const r = random();
          let picked: number | undefined;
          if (r < crossDomain && domains > 1) {
            const other = (d + 1 + Math.floor(random() * (domains - 1))) % domains;
            const shared = sharedLayers.filter((s) => s < l);
            if (shared.length > 0)
              picked = pick(other, shared[Math.floor(random() * shared.length)]!);
          } else if (r < crossDomain + sameLayer && chained.includes(l) && j > 0) {
            // a model built on an earlier model of the same layer (dbt-style chains)
            picked = outs[Math.floor(Math.min(j, outs.length) * random() ** 2)];
          } else if (r < 0.78 || l === 1) picked = pick(d, l - 1);
          else picked = pick(d, Math.floor(random() * (l - 1)));
          if (picked !== undefined) inputs.add(picked);
        }
        // every dataset of the layer has a writer: outputs are dealt round-robin over the layer's jobs
        const outputs: number[] = [];
        for (let o = j; o < outs.length; o += n) outputs.push(outs[o]!);
        jobs.push({
          namespace: layers[l]!.jobNamespace,
          name: `${area}.build_${layers[l]!.prefix}_${String(j).padStart(4, '0')}`,
          domain: d,
          layer: l,
          inputs: [...inputs],
          outputs,
        });
        for (const i of inputs) read[i] = 1;
      }
    }
    // a raw topic nobody reads is still consumed by one ingest job
    const ingest = jobs.slice(firstJobOfDomain).filter((j) => j.layer === 1) as unknown as {
      inputs: number[];
    }[];
    let next = 0;
    for (const raw of byLayer[d]![0]!) {
      if (read[raw] || ingest.length === 0) continue;
      ingest[next++ % ingest.length]!.inputs.push(raw);
      read[raw] = 1;
    }
  }
  const fanOut = new Uint32Array(datasets.length);
  for (const j of jobs) for (const i of j.inputs) fanOut[i]! += 1;
  const maxFanOut = fanOut.reduce((a, b) => Math.max(a, b), 0);
  const edges = jobs.reduce((s, j) => s + j.inputs.length + j.outputs.length, 0);
  const perLayer = split(
    domainSize,
    layers.map((l) => l.share),
  );
  const shape =
    `${domains} domains × ${layers.length}-layer pipelines (${layers.map((l, i) => `${l.name} ${perLayer[i]!}`).join(' → ')} datasets per domain); ` +
    `jobs of layer L read 1–6 inputs (mean ${(jobs.reduce((s, j) => s + j.inputs.length, 0) / jobs.length).toFixed(2)}): mostly from L−1, some from lower layers, ` +
    `${(sameLayer * 100).toFixed(0)}% from earlier models of the same layer (intermediate/marts/aggregates), ${(crossDomain * 100).toFixed(0)}% from another domain's intermediate/marts, ` +
    `skewed to hot datasets (max fan-out ${maxFanOut} jobs); 1–2 outputs each; ` +
    `${datasets.length.toLocaleString('en-US')} datasets, ${jobs.length.toLocaleString('en-US')} jobs, ${edges.toLocaleString('en-US')} dataset–job edges`;
  return { datasets, jobs, shape };
};

const producer = 'https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/spark';
const runSchema = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const facet = (name: string, version = '1-1-1') => ({
  _producer: producer,
  _schemaURL: `https://openlineage.io/spec/facets/${version}/${name}.json#/$defs/${name}`,
});

export const uuidOf = (n: number): string =>
  `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

const fieldsOf = (index: number) =>
  ['id', 'customer_id', 'amount', 'currency', 'updated_at', 'email', 'country']
    .slice(0, 4 + (index % 4))
    .map((name) => ({
      name,
      type: name === 'amount' ? 'decimal(18,2)' : name === 'updated_at' ? 'timestamp' : 'string',
    }));

/**
 * An OpenLineage RunEvent of one run of a generated job: inputs by reference, outputs with a schema
 * facet and, when `columns` is set, a columnLineage facet deriving each output column from the same
 * column of the first input.
 */
export const runEventOf = (
  graph: GeneratedGraph,
  jobIndex: number,
  o: {
    readonly run: number;
    readonly eventType: 'START' | 'COMPLETE' | 'FAIL';
    readonly at: string;
    readonly columns?: boolean;
  },
): Record<string, unknown> => {
  const job = graph.jobs[jobIndex]!;
  const ref = (i: number) => ({
    namespace: graph.datasets[i]!.namespace,
    name: graph.datasets[i]!.name,
  });
  const first = job.inputs[0];
  const complete = o.eventType !== 'START';
  return {
    eventType: o.eventType,
    eventTime: o.at,
    producer,
    schemaURL: runSchema,
    run: {
      runId: uuidOf(o.run),
      facets: {
        processing_engine: {
          ...facet('ProcessingEngineRunFacet'),
          version: '3.5.1',
          name: 'spark',
        },
      },
    },
    job: {
      namespace: job.namespace,
      name: job.name,
      facets: {
        jobType: {
          ...facet('JobTypeJobFacet', '2-0-3'),
          processingType: 'BATCH',
          integration: 'SPARK',
          jobType: 'JOB',
        },
      },
    },
    inputs: job.inputs.map(ref),
    outputs: job.outputs.map((i) => {
      if (!complete) return ref(i);
      const fields = fieldsOf(i);
      return {
        ...ref(i),
        facets: {
          schema: { ...facet('SchemaDatasetFacet'), fields },
          ...(o.columns && first !== undefined
            ? {
                columnLineage: {
                  ...facet('ColumnLineageDatasetFacet', '1-2-0'),
                  fields: Object.fromEntries(
                    fields.slice(0, 3).map((f) => [
                      f.name,
                      {
                        inputFields: [
                          {
                            ...ref(first),
                            field: f.name,
                            transformations: [{ type: 'DIRECT', subtype: 'IDENTITY' }],
                          },
                        ],
                      },
                    ]),
                  ),
                },
              }
            : {}),
        },
      };
    }),
  };
};
