import type { Admin, DescribeAclResponse, DescribeConfigResponse } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { NewEventEnvelope } from '../../../domain/envelope.js';
import { validateNewEvent } from '../../../domain/validation.js';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
} from '../../../src/kafka/client.js';
import { BASELINE_REF, createKafkaCollector } from '../../../src/kafka/collector.js';

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

const setup = (
  state: { topics: Configs; acls: DescribeAclResponse['resources'] | 'disabled' },
  at = '2026-11-20T10:00:00.000Z',
) => {
  const events: NewEventEnvelope[] = [];
  let fail = false;
  let clock = Date.parse(at);
  const { admin, calls } = fakeAdmin(state);
  const collector = createKafkaCollector({
    admin,
    ingest: (batch) => {
      if (fail) return Promise.reject(new Error('log unavailable'));
      for (const e of batch) {
        const v = validateNewEvent(e);
        if (!v.ok) throw new Error(JSON.stringify(v.error));
      }
      events.push(...batch);
      return Promise.resolve();
    },
    intervalMs: 60_000,
    now: () => new Date(clock),
    log,
  });
  return {
    collector,
    admin,
    events,
    calls,
    failIngest: (v: boolean) => (fail = v),
    tick: (ms: number) => (clock += ms),
  };
};

const data = (e: NewEventEnvelope) =>
  e.data as { target: string; kind: string; before: unknown; after: unknown; changeRef?: string };

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

  it('gives the same change the same id in two collectors polling within one time bucket', async () => {
    const state = { topics: { orders: {} } as Configs, acls: [] };
    const a = setup(state, '2026-11-20T10:00:10.000Z');
    const b = setup(state, '2026-11-20T10:00:40.000Z');
    await a.collector.poll();
    await b.collector.poll();
    expect(b.events[0]!.id).toBe(a.events[0]!.id);
    state.topics.orders = { 'retention.ms': '1' };
    a.tick(60_000);
    b.tick(60_000);
    await a.collector.poll();
    await b.collector.poll();
    expect(b.events[1]!.id).toBe(a.events[1]!.id);
    expect(a.events[1]!.occurredAt).toBe('2026-11-20T10:01:10.000Z');
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
        return Promise.resolve();
      },
      intervalMs: 60_000,
      log,
      recorded: () =>
        Promise.resolve(
          new Map<string, unknown>([
            [
              'topic/orders',
              { 'cleanup.policy': 'delete', 'retention.bytes': '-1', 'retention.ms': '4' },
            ],
            ['topic/gone', { 'cleanup.policy': 'compact' }],
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
});
