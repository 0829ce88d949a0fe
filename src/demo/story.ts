import { sparkRun, type DemoDataset } from './openlineage.js';

const KAFKA = 'kafka://kafka-prod-eu:9092';
const MONGO = 'mongodb://mongo-prod:27017';
const CASSANDRA = 'cassandra://cassandra-prod:9042';

const ds = (namespace: string, name: string, fields: [string, string][]): DemoDataset => ({
  namespace,
  name,
  fields: fields.map(([n, t]) => ({ name: n, type: t })),
});

export const ordersRaw = ds(KAFKA, 'orders.raw', [
  ['order_id', 'string'],
  ['customer_email', 'string'],
  ['customer_name', 'string'],
  ['amount', 'decimal'],
  ['ts', 'timestamp'],
]);
export const clicksRaw = ds(KAFKA, 'clickstream.raw', [
  ['session_id', 'string'],
  ['customer_email', 'string'],
  ['url', 'string'],
  ['ip_address', 'string'],
  ['ts', 'timestamp'],
]);
export const ordersClean = ds(MONGO, 'analytics.orders_clean', [
  ['order_id', 'string'],
  ['customer_email', 'string'],
  ['amount', 'decimal'],
  ['ts', 'timestamp'],
]);
export const sessions = ds(CASSANDRA, 'analytics.sessions_by_customer', [
  ['customer_email', 'string'],
  ['session_id', 'string'],
  ['page_views', 'int'],
  ['revenue', 'decimal'],
]);
export const revenueDaily = ds(CASSANDRA, 'analytics.revenue_daily', [
  ['day', 'date'],
  ['revenue', 'decimal'],
]);

/** Pseudonymous ids of the two customers the story follows. */
export const demoSubjects = {
  camille: 'subj_demoCamille0000000001',
  yusuf: 'subj_demoYusuf00000000002',
} as const;

const direct = (dataset: DemoDataset, field: string) => ({
  dataset,
  field,
  type: 'DIRECT' as const,
  subtype: 'IDENTITY',
});
const aggregated = (dataset: DemoDataset, field: string) => ({
  dataset,
  field,
  type: 'DIRECT' as const,
  subtype: 'AGGREGATION',
});
const filtered = (dataset: DemoDataset, field: string) => ({
  dataset,
  field,
  type: 'INDIRECT' as const,
  subtype: 'FILTER',
});

/** OpenLineage events of the platform's Spark jobs, in the order they ran. */
export const lineageStory = (day: Date): object[] => [
  ...sparkRun('dedupe_clean_orders', day, [ordersRaw], ordersClean, [
    { field: 'order_id', from: [direct(ordersRaw, 'order_id')] },
    { field: 'customer_email', from: [direct(ordersRaw, 'customer_email')] },
    { field: 'amount', from: [direct(ordersRaw, 'amount'), filtered(ordersRaw, 'order_id')] },
    { field: 'ts', from: [direct(ordersRaw, 'ts')] },
  ]),
  ...sparkRun(
    'enrich_sessions',
    new Date(day.getTime() + 600_000),
    [clicksRaw, ordersClean],
    sessions,
    [
      { field: 'customer_email', from: [direct(clicksRaw, 'customer_email')] },
      { field: 'session_id', from: [direct(clicksRaw, 'session_id')] },
      { field: 'page_views', from: [aggregated(clicksRaw, 'url')] },
      {
        field: 'revenue',
        from: [aggregated(ordersClean, 'amount'), filtered(ordersClean, 'customer_email')],
      },
    ],
  ),
  ...sparkRun('daily_revenue', new Date(day.getTime() + 1_200_000), [ordersClean], revenueDaily, [
    { field: 'day', from: [aggregated(ordersClean, 'ts')] },
    { field: 'revenue', from: [aggregated(ordersClean, 'amount')] },
  ]),
];

const at = (day: Date, minutes: number): string =>
  new Date(day.getTime() + minutes * 60_000).toISOString();
const envelope = (
  id: string,
  type: string,
  occurredAt: string,
  actor: { principal: string; role: string },
  data: object,
  extra: object = {},
) => ({
  id: `demo:${id}`,
  type,
  schemaVersion: 1,
  occurredAt,
  producer: 'gouvernail-demo',
  actor,
  data,
  ...extra,
});

const access = (
  id: string,
  occurredAt: string,
  principal: string,
  resource: string,
  action: string,
  decision: string,
  mechanism: string,
  extra: object = {},
) =>
  envelope(
    id,
    'AccessRecorded',
    occurredAt,
    { principal, role: principal.includes('dpo') ? 'dpo' : 'analyst' },
    { principal, resource, action, decision, mechanism, clientAddress: '10.20.0.14' },
    extra,
  );

/** Classifications, accesses and configuration changes around the lineage. */
export const auditStory = (day: Date): object[] => {
  const { camille, yusuf } = demoSubjects;
  const dpo = { principal: 'dpo@example.org', role: 'dpo' };
  const ops = { principal: 'ops@example.org', role: 'admin' };
  return [
    envelope('retention-access', 'RetentionPolicySet', at(day, -60), ops, {
      resource: '*',
      scope: 'access-history',
      retentionDays: 400,
    }),
    envelope('classify-orders-email', 'DatasetClassified', at(day, -30), dpo, {
      dataset: { namespace: ordersRaw.namespace, name: ordersRaw.name },
      field: 'customer_email',
      tags: ['pii.email'],
    }),
    envelope('classify-orders-name', 'DatasetClassified', at(day, -30), dpo, {
      dataset: { namespace: ordersRaw.namespace, name: ordersRaw.name },
      field: 'customer_name',
      tags: ['pii.name'],
    }),
    envelope('classify-clicks-email', 'DatasetClassified', at(day, -29), dpo, {
      dataset: { namespace: clicksRaw.namespace, name: clicksRaw.name },
      field: 'customer_email',
      tags: ['pii.email'],
    }),
    envelope('classify-clicks-ip', 'DatasetClassified', at(day, -29), dpo, {
      dataset: { namespace: clicksRaw.namespace, name: clicksRaw.name },
      field: 'ip_address',
      tags: ['pii.ip'],
    }),
    access(
      'spark-reads-orders',
      at(day, 1),
      'User:spark-analytics',
      'kafka://kafka-prod-eu/orders.raw',
      'read',
      'allowed',
      'kafka-acl',
      {
        subjects: [camille, yusuf],
        personal: {
          [camille]: { email: 'camille.martin@example.org' },
          [yusuf]: { email: 'yusuf.demir@example.org' },
        },
      },
    ),
    access(
      'spark-writes-orders-clean',
      at(day, 2),
      'User:spark-analytics',
      'mongodb://analytics/orders_clean',
      'write',
      'allowed',
      'mongo-role',
      { subjects: [camille, yusuf] },
    ),
    access(
      'analyst-dashboard',
      at(day, 45),
      'lea.analyst',
      'streamlit://revenue/overview',
      'read',
      'allowed',
      'jwt',
    ),
    access(
      'analyst-raw-denied',
      at(day, 47),
      'lea.analyst',
      'kafka://kafka-prod-eu/orders.raw',
      'read',
      'denied',
      'kafka-acl',
    ),
    access(
      'support-lookup',
      at(day, 50),
      'User:support-app',
      'cassandra://analytics/sessions_by_customer',
      'read',
      'allowed',
      'cassandra-role',
      {
        subjects: [camille],
        personal: { [camille]: { email: 'camille.martin@example.org', reason: 'ticket SUP-3381' } },
      },
    ),
    envelope('retention-orders', 'ConfigChanged', at(day, 70), ops, {
      component: 'kafka',
      target: 'topic/orders.raw',
      kind: 'retention',
      before: { 'retention.ms': '604800000' },
      after: { 'retention.ms': '259200000' },
      changeRef: 'MR-1423',
    }),
    envelope('acl-clicks', 'ConfigChanged', at(day, 75), ops, {
      component: 'kafka',
      target: 'acl/topic/clickstream.raw',
      kind: 'acl',
      before: null,
      after: { principal: 'User:spark-analytics', operation: 'READ', permission: 'ALLOW' },
      changeRef: 'MR-1427',
    }),
    envelope('mongo-role', 'ConfigChanged', at(day, 80), ops, {
      component: 'mongodb',
      target: 'role/analytics-reader',
      kind: 'acl',
      before: { privileges: ['find'] },
      after: { privileges: ['find', 'listCollections'] },
      changeRef: 'MR-1431',
    }),
  ];
};
