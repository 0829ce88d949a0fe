import type { Admin, DescribeAclResponse, DescribeConfigResponse } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { NewEventEnvelope } from '../../../domain/envelope.js';
import { validateNewEvent } from '../../../domain/validation.js';
import { createMemoryKeyVault } from '../../../src/crypto/memory-key-vault.js';
import { createIngestor } from '../../../src/ingest/ingest.js';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
} from '../../../src/kafka/client.js';
import {
  ABBREVIATION_MARKER,
  aclTarget,
  BASELINE_REF,
  createKafkaCollector,
  ingestThrough,
  type RecordedSetting,
  type Refusal,
} from '../../../src/kafka/collector.js';
import { createSqliteEventLog } from '../../../src/log/sqlite/event-log.js';
import { createMetrics } from '../../../src/metrics.js';

type Configs = Record<string, Record<string, string>>;
const defaults: Record<string, string> = {
  'retention.ms': '604800000',
  'cleanup.policy': 'delete',
  'retention.bytes': '-1',
  'segment.ms': '604800000',
};

/** A broker stand-in: topics with explicit configs over the defaults, and ACLs or no authorizer. */
const fakeAdmin = (state: {
  topics: Configs;
  acls: DescribeAclResponse['resources'] | 'disabled';
}) => {
  const calls = { describeAcls: 0 };
  const admin: Pick<Admin, 'listTopics' | 'describeConfigs' | 'describeAcls'> = {
    listTopics: () => Promise.resolve(['__consumer_offsets', ...Object.keys(state.topics)]),
    describeConfigs: ({ resources }) =>
      Promise.resolve({
        throttleTime: 0,
        resources: resources.map((r) => ({
          errorCode: 0,
          errorMessage: '',
          resourceName: r.name,
          configEntries: Object.entries({ ...defaults, ...state.topics[r.name] }).map(
            ([configName, configValue]) => ({
              configName,
              configValue,
              isDefault: !(configName in (state.topics[r.name] ?? {})),
              isSensitive: false,
              readOnly: false,
              configSynonyms: [],
            }),
          ),
        })),
      } as unknown as DescribeConfigResponse),
    describeAcls: () => {
      calls.describeAcls += 1;
      if (state.acls === 'disabled')
        return Promise.reject(
          Object.assign(new Error('Security features are disabled'), { type: 'SECURITY_DISABLED' }),
        );
      return Promise.resolve({ throttleTime: 0, errorCode: 0, resources: state.acls });
    },
  };
  return { admin, calls };
};

const logLines: string[] = [];
const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });

/**
 * A log stand-in that behaves like the ingestor: a batch with an invalid event (or one `refuse`
 * names) is refused whole, naming each; an event whose id is stored already is a duplicate.
 */
const fakeLog = () => {
  const events: NewEventEnvelope[] = [];
  const ids = new Set<string>();
  const state = {
    fail: false,
    refuse: ((): string | undefined => undefined) as (e: NewEventEnvelope) => string | undefined,
  };
  const ingest = (batch: readonly NewEventEnvelope[]): Promise<Refusal[]> => {
    if (state.fail) return Promise.reject(new Error('log unavailable'));
    const refused = batch.flatMap((e, index) => {
      const v = validateNewEvent(e);
      const reason = v.ok ? state.refuse(e) : JSON.stringify(v.error);
      return reason === undefined ? [] : [{ index, reason }];
    });
    if (refused.length > 0) return Promise.resolve(refused);
    for (const e of batch) {
      if (ids.has(e.id)) continue;
      ids.add(e.id);
      events.push(e);
    }
    return Promise.resolve([]);
  };
  return { events, ingest, state };
};

type Recorded = ReadonlyMap<string, RecordedSetting>;

const setup = (
  state: { topics: Configs; acls: DescribeAclResponse['resources'] | 'disabled' },
  at = '2026-11-20T10:00:00.000Z',
  {
    sink = fakeLog(),
    recorded,
    lastEventId,
  }: {
    sink?: ReturnType<typeof fakeLog>;
    recorded?: Recorded;
    lastEventId?: (target: string) => Promise<string | null>;
  } = {},
) => {
  let clock = Date.parse(at);
  const { admin, calls } = fakeAdmin(state);
  const collector = createKafkaCollector({
    admin,
    ingest: sink.ingest,
    intervalMs: 60_000,
    now: () => new Date(clock),
    log,
    ...(recorded ? { recorded: () => Promise.resolve(recorded) } : {}),
    ...(lastEventId ? { lastEventId } : {}),
  });
  return {
    collector,
    admin,
    events: sink.events,
    sink,
    calls,
    failIngest: (v: boolean) => (sink.state.fail = v),
    tick: (ms: number) => (clock += ms),
  };
};

const data = (e: NewEventEnvelope) =>
  e.data as { target: string; kind: string; before: unknown; after: unknown; changeRef?: string };

/** What the configuration-history read model says after these events: each target's latest. */
const readModel = (events: readonly NewEventEnvelope[]): Map<string, RecordedSetting> => {
  const current = new Map<string, RecordedSetting>();
  for (const e of events) {
    const { target, after } = data(e);
    if (after === null) current.delete(target);
    else current.set(target, { value: after, eventId: e.id });
  }
  return current;
};

/** The latest event id of each target, removals included (the read model's history). */
const lastIds = (events: readonly NewEventEnvelope[]) => (target: string) =>
  Promise.resolve(events.findLast((e) => data(e).target === target)?.id ?? null);

const retentionOf = (e: NewEventEnvelope): string | undefined =>
  (data(e).after as Record<string, string> | null)?.['retention.ms'];

type AclResource = DescribeAclResponse['resources'][number];

const acl = (
  resourceName: string,
  principal: string,
  operation: AclResource['acls'][number]['operation'] = AclOperationTypes.READ,
  resourceType: AclResource['resourceType'] = AclResourceTypes.TOPIC,
): AclResource => ({
  resourceType,
  resourceName,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  acls: [{ principal, host: '*', operation, permissionType: AclPermissionTypes.ALLOW }],
});

describe('createKafkaCollector', () => {
  it('records the first state once as a baseline: non-default settings plus retention and cleanup policy', async () => {
    const s = setup({
      topics: { orders: { 'retention.ms': '3600000', 'max.message.bytes': '2097152' } },
      acls: [],
    });
    expect(await s.collector.poll()).toBe(1);
    expect(data(s.events[0]!)).toEqual({
      component: 'kafka',
      target: 'topic/orders',
      kind: 'setting',
      before: null,
      after: {
        'cleanup.policy': 'delete',
        'max.message.bytes': '2097152',
        'retention.bytes': '-1',
        'retention.ms': '3600000',
      },
      changeRef: BASELINE_REF,
    });
    expect(s.events[0]!.actor).toEqual({ principal: 'gouvernail-collector', role: 'system' });
    expect(await s.collector.poll()).toBe(0);
  });

  it('splits a change of retention and another setting into one event per kind, each after the other', async () => {
    const state = { topics: { orders: { 'retention.ms': '3600000' } } as Configs, acls: [] };
    const s = setup(state);
    await s.collector.poll();
    state.topics.orders = { 'retention.ms': '7200000', 'segment.ms': '1000' };
    expect(await s.collector.poll()).toBe(2);
    const [retention, setting] = s.events.slice(1).map(data);
    expect(retention).toMatchObject({
      kind: 'retention',
      before: { 'retention.ms': '3600000' },
      after: { 'retention.ms': '7200000' },
    });
    expect(retention!.after).not.toHaveProperty('segment.ms');
    expect(setting).toMatchObject({
      kind: 'setting',
      before: retention!.after,
      after: { 'retention.ms': '7200000', 'segment.ms': '1000' },
    });
  });

  it('records the deletion of a topic still listed but gone when its configuration is asked for', async () => {
    const state = { topics: { orders: {}, audit: {} } as Configs, acls: [] };
    const s = setup(state);
    await s.collector.poll();
    // The broker still lists `orders` but no longer hosts it: describing it fails for the request.
    const { describeConfigs } = s.admin;
    s.admin.describeConfigs = (req) =>
      req.resources.some((r) => r.name === 'orders')
        ? Promise.reject(
            Object.assign(new Error('This server does not host this topic-partition'), {
              type: 'UNKNOWN_TOPIC_OR_PARTITION',
            }),
          )
        : describeConfigs(req);
    expect(await s.collector.poll()).toBe(1);
    expect(data(s.events.at(-1)!)).toMatchObject({ target: 'topic/orders', after: null });
    expect(await s.collector.poll()).toBe(0);
  });

  it('shows a setting set back to its default with its default value', async () => {
    const state = { topics: { orders: { 'segment.ms': '1000' } } as Configs, acls: [] };
    const s = setup(state);
    await s.collector.poll();
    state.topics.orders = {};
    await s.collector.poll();
    expect(data(s.events[1]!)).toMatchObject({
      kind: 'setting',
      before: { 'segment.ms': '1000' },
      after: { 'segment.ms': '604800000' },
    });
  });

  it('keeps a change that could not be recorded and records it at the next poll', async () => {
    const state = { topics: { orders: {} } as Configs, acls: [] };
    const s = setup(state);
    await s.collector.poll();
    state.topics.orders = { 'retention.ms': '1' };
    s.failIngest(true);
    await expect(s.collector.poll()).rejects.toThrow('log unavailable');
    s.failIngest(false);
    expect(await s.collector.poll()).toBe(1);
    expect(data(s.events[1]!)).toMatchObject({ kind: 'retention', after: { 'retention.ms': '1' } });
  });

  it('records no ACLs and says so once when the broker has no authorizer', async () => {
    logLines.length = 0;
    const s = setup({ topics: {}, acls: 'disabled' });
    expect(await s.collector.poll()).toBe(0);
    expect(await s.collector.poll()).toBe(0);
    expect(s.calls.describeAcls).toBe(2);
    expect(logLines.filter((l) => l.includes('SECURITY_DISABLED'))).toHaveLength(1);
  });

  it('records ACL bindings per resource, and their removal', async () => {
    const state: { topics: Configs; acls: DescribeAclResponse['resources'] } = {
      topics: {},
      acls: [],
    };
    const s = setup(state);
    await s.collector.poll();
    state.acls = [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'orders',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        acls: [
          {
            principal: 'User:bob',
            host: '*',
            operation: AclOperationTypes.WRITE,
            permissionType: AclPermissionTypes.ALLOW,
          },
          {
            principal: 'User:alice',
            host: '*',
            operation: AclOperationTypes.READ,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      },
    ];
    await s.collector.poll();
    expect(data(s.events[0]!)).toMatchObject({
      target: 'acl/topic/literal:orders',
      kind: 'acl',
      before: null,
      after: ['ALLOW User:alice READ from *', 'ALLOW User:bob WRITE from *'],
    });
    state.acls = [];
    await s.collector.poll();
    expect(data(s.events[1]!)).toMatchObject({
      target: 'acl/topic/literal:orders',
      kind: 'acl',
      after: null,
    });
  });

  it('seeded with what was recorded, records only what changed since, and a deletion', async () => {
    const events: NewEventEnvelope[] = [];
    const { admin } = fakeAdmin({ topics: { orders: { 'retention.ms': '5' } }, acls: [] });
    const c = createKafkaCollector({
      admin,
      ingest: (batch) => {
        events.push(...batch);
        return Promise.resolve([]);
      },
      intervalMs: 60_000,
      log,
      recorded: () =>
        Promise.resolve(
          new Map<string, RecordedSetting>([
            [
              'topic/orders',
              {
                value: { 'cleanup.policy': 'delete', 'retention.bytes': '-1', 'retention.ms': '4' },
                eventId: 'kafka-config:orders-4',
              },
            ],
            [
              'topic/gone',
              { value: { 'cleanup.policy': 'compact' }, eventId: 'kafka-config:gone' },
            ],
          ]),
        ),
    });
    expect(await c.poll()).toBe(2);
    expect(events.map(data)).toEqual([
      expect.objectContaining({
        target: 'topic/orders',
        kind: 'retention',
        before: expect.objectContaining({ 'retention.ms': '4' }),
        after: expect.objectContaining({ 'retention.ms': '5' }),
      }),
      expect.objectContaining({ target: 'topic/gone', after: null }),
    ]);
  });

  it('gives an ACL on a resource with a long name a target of at most 512 characters, and keeps recording', async () => {
    const state: { topics: Configs; acls: DescribeAclResponse['resources'] } = {
      topics: { orders: { 'retention.ms': '86400000' } },
      acls: [acl('orders', 'User:alice')],
    };
    const s = setup(state);
    expect(await s.collector.poll()).toBe(2);
    const long = 'g'.repeat(600);
    state.acls.push(acl(long, 'User:bob', AclOperationTypes.READ, AclResourceTypes.GROUP));
    s.tick(60_000);
    expect(await s.collector.poll()).toBe(1);
    const target = data(s.events.at(-1)!).target;
    expect(target.length).toBeLessThanOrEqual(512);
    expect(target).toMatch(new RegExp(`^acl/group/literal:g+${ABBREVIATION_MARKER}[\\w-]{43}$`));

    state.topics.orders = { 'retention.ms': '604800000' };
    state.acls[0]!.acls.push({
      principal: 'User:mallory',
      host: '*',
      operation: AclOperationTypes.ALL,
      permissionType: AclPermissionTypes.ALLOW,
    });
    s.tick(60_000);
    expect(await s.collector.poll()).toBe(2);
    expect(s.events.slice(-2).map(data)).toEqual([
      expect.objectContaining({ target: 'topic/orders', kind: 'retention' }),
      expect.objectContaining({
        target: 'acl/topic/literal:orders',
        after: ['ALLOW User:alice READ from *', 'ALLOW User:mallory ALL from *'],
      }),
    ]);
    expect(await s.collector.poll()).toBe(0);
  });

  it('abbreviates names deterministically and never gives two names one target', () => {
    const target = (resourceName: string) =>
      aclTarget({
        resourceType: AclResourceTypes.GROUP,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        resourceName,
      });
    const a = 'x'.repeat(700);
    const b = `${'x'.repeat(699)}y`;
    expect(target(a)).toBe(target(a));
    expect(target(a)).not.toBe(target(b));
    expect(target(a)).toHaveLength(512);
    // A short name written to look like an abbreviated one is abbreviated in turn.
    expect(target(target(a).slice('acl/group/literal:'.length))).not.toBe(target(a));
    expect(target('orders')).toBe('acl/group/literal:orders');
    // A cut never leaves half a surrogate pair.
    const emoji = target('😀'.repeat(300));
    expect(emoji.length).toBeLessThanOrEqual(512);
    expect(() => encodeURIComponent(emoji)).not.toThrow();
  });

  it('records through the ingestor the changes it accepts when it refuses another', async () => {
    const eventLog = createSqliteEventLog({ file: ':memory:' });
    const ingestor = createIngestor({
      log: eventLog,
      vault: createMemoryKeyVault(),
      origin: 'test/log',
      metrics: createMetrics(),
    });
    // A topic name longer than Kafka allows makes a target the ingestor refuses.
    const state: { topics: Configs; acls: DescribeAclResponse['resources'] } = {
      topics: { orders: { 'retention.ms': '86400000' }, ['t'.repeat(600)]: {} },
      acls: [acl('orders', 'User:alice')],
    };
    const c = createKafkaCollector({
      admin: fakeAdmin(state).admin,
      ingest: ingestThrough(ingestor),
      intervalMs: 60_000,
      log,
    });
    expect(await c.poll()).toBe(2);
    state.acls.push(
      acl('g'.repeat(600), 'User:bob', AclOperationTypes.READ, AclResourceTypes.GROUP),
    );
    state.topics.orders = { 'retention.ms': '604800000' };
    expect(await c.poll()).toBe(2);
    expect(await c.poll()).toBe(0);
    const stored = (await eventLog.read(0, 100)).map((e) => e.event.data as { target: string });
    expect(stored.map((d) => d.target)).toEqual([
      'topic/orders',
      'acl/topic/literal:orders',
      'topic/orders',
      expect.stringMatching(/^acl\/group\/literal:g+…#/),
    ]);
    await eventLog.close();
  });

  it('records the changes the log accepts, logs a refused one, and retries it at each poll', async () => {
    const state = { topics: { orders: {}, audit: {} } as Configs, acls: [] };
    const s = setup(state);
    await s.collector.poll();
    s.sink.state.refuse = (e) =>
      data(e).target === 'topic/audit' && data(e).kind === 'retention'
        ? 'audit is not accepted today'
        : undefined;
    state.topics.orders = { 'retention.ms': '1' };
    state.topics.audit = { 'retention.ms': '2', 'segment.ms': '3' };
    logLines.length = 0;
    s.tick(60_000);
    expect(await s.collector.poll()).toBe(1);
    expect(data(s.events.at(-1)!)).toMatchObject({ target: 'topic/orders', kind: 'retention' });
    const refusals = () =>
      logLines
        .map((l) => JSON.parse(l) as { level: number; target?: string; reason?: string })
        .filter((l) => l.level === 50);
    // The retention change is refused; the setting change that follows it waits for it.
    expect(refusals()).toEqual([
      expect.objectContaining({ target: 'topic/audit', reason: 'audit is not accepted today' }),
      expect.objectContaining({
        target: 'topic/audit',
        reason: 'an earlier change of its target was refused',
      }),
    ]);

    logLines.length = 0;
    s.tick(60_000);
    expect(await s.collector.poll()).toBe(0);
    expect(refusals()).toHaveLength(2);

    s.sink.state.refuse = () => undefined;
    s.tick(60_000);
    expect(await s.collector.poll()).toBe(2);
    expect(s.events.slice(-2).map(data)).toEqual([
      expect.objectContaining({
        target: 'topic/audit',
        kind: 'retention',
        before: {
          'cleanup.policy': 'delete',
          'retention.bytes': '-1',
          'retention.ms': '604800000',
        },
      }),
      expect.objectContaining({ target: 'topic/audit', kind: 'setting' }),
    ]);
    expect(await s.collector.poll()).toBe(0);
  });

  it('records a change made, undone and made again within five minutes, three times', async () => {
    const state = { topics: { orders: { 'retention.ms': '86400000' } } as Configs, acls: [] };
    const s = setup(state, '2026-11-20T10:00:30.000Z');
    await s.collector.poll();
    for (const ms of ['604800000', '86400000', '604800000']) {
      state.topics.orders = { 'retention.ms': ms };
      s.tick(60_000);
      expect(await s.collector.poll()).toBe(1);
    }
    expect(s.events.map(retentionOf)).toEqual(['86400000', '604800000', '86400000', '604800000']);
    expect(new Set(s.events.map((e) => e.id)).size).toBe(4);
  });

  it('records a topic deleted and created again with the same settings, after a restart too', async () => {
    const state = { topics: { orders: {} } as Configs, acls: [] };
    const s = setup(state);
    await s.collector.poll();
    for (const topics of [{}, { orders: {} }, {}] as Configs[]) {
      state.topics = topics;
      s.tick(60_000);
      expect(await s.collector.poll()).toBe(1);
    }
    // Restarted with no topic left in the read model: not a baseline, which would repeat the first.
    state.topics = { orders: {} };
    const options = () => ({
      sink: s.sink,
      recorded: readModel(s.events),
      lastEventId: lastIds(s.events),
    });
    const r1 = setup(state, '2026-11-20T11:00:00.000Z', options());
    expect(await r1.collector.poll()).toBe(1);
    state.topics = { audit: {} };
    r1.tick(60_000);
    expect(await r1.collector.poll()).toBe(2);
    // Restarted with another topic in the read model.
    state.topics = { audit: {}, orders: {} };
    const r2 = setup(state, '2026-11-20T12:00:00.000Z', options());
    expect(await r2.collector.poll()).toBe(1);
    const orders = s.events.filter((e) => data(e).target === 'topic/orders');
    expect(orders.map((e) => data(e).after === null)).toEqual([
      false,
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(orders.map((e) => data(e).changeRef)).toEqual([
      BASELINE_REF,
      ...Array(6).fill(undefined),
    ]);
  });

  it('records once a change that two collectors see minutes apart, across the old 5-minute bucket', async () => {
    const state = { topics: { orders: { 'retention.ms': '86400000' } } as Configs, acls: [] };
    const a = setup(state, '2026-11-20T10:00:00.000Z');
    const b = setup(state, '2026-11-20T10:00:30.000Z', { sink: a.sink });
    await a.collector.poll();
    await b.collector.poll();
    const recorded = readModel(a.events);
    state.topics.orders = { 'retention.ms': '604800000' };
    a.tick(290_000);
    b.tick(280_000);
    expect(await a.collector.poll()).toBe(1);
    await b.collector.poll();
    // A third one, started later from the read model, sees it from the same recorded state.
    const c = setup(state, '2026-11-20T10:17:00.000Z', { sink: a.sink, recorded });
    await c.collector.poll();
    expect(a.events.map(retentionOf)).toEqual(['86400000', '604800000']);
  });

  it('once restarted and seeded with what was recorded, records nothing again, even from a lagging read model', async () => {
    const state = { topics: { orders: { 'retention.ms': '1' } } as Configs, acls: [] };
    const s = setup(state);
    await s.collector.poll();
    for (const ms of ['2', '1', '2']) {
      state.topics.orders = { 'retention.ms': ms };
      s.tick(60_000);
      await s.collector.poll();
    }
    expect(s.events).toHaveLength(4);
    const caughtUp = setup(state, '2026-11-20T12:00:00.000Z', {
      sink: s.sink,
      recorded: readModel(s.events),
    });
    expect(await caughtUp.collector.poll()).toBe(0);
    // Seeded with the state before the last change, a restart finds that change again.
    const behind = setup(state, '2026-11-20T13:00:00.000Z', {
      sink: s.sink,
      recorded: readModel(s.events.slice(0, 3)),
    });
    expect(await behind.collector.poll()).toBe(1);
    expect(s.events.map(retentionOf)).toEqual(['1', '2', '1', '2']);
  });
});
