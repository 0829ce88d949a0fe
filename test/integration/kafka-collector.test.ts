/**
 * The Kafka configuration collector against a real broker (GOUVERNAIL_TEST_KAFKA_BROKERS, default
 * 127.0.0.1:9092). Fails, never skips, when no broker answers. The ACL case needs the broker's
 * StandardAuthorizer (scripts/services/conf/kafka/server.properties enables it); without one the
 * collector must record no ACLs and keep working, which the test then checks instead.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAdmin, testKafka, testLogger, testRun } from '../support/kafka.js';
import type { ConfigChangedData } from '../../domain/events/config.js';
import { configHistory } from '../../projections/config/evolve.js';
import { createSqliteConfigStore } from '../../projections/config/sqlite/store.js';
import { createProjectionRunner } from '../../projections/runner.js';
import { loadOrCreateKek } from '../../src/crypto/kek.js';
import { createSqliteKeyVault } from '../../src/crypto/sqlite-key-vault.js';
import { createIngestor } from '../../src/ingest/ingest.js';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  ResourcePatternTypes,
} from '../../src/kafka/client.js';
import {
  BASELINE_REF,
  createKafkaCollector,
  ingestThrough,
  type RecordedSetting,
} from '../../src/kafka/collector.js';
import { collectorHistory } from '../../src/kafka/collector-history.js';
import { createSqliteEventLog, type SqliteEventLog } from '../../src/log/sqlite/event-log.js';
import { createMetrics } from '../../src/metrics.js';

const run = testRun;
const log = testLogger;
const kafka: Kafka = testKafka();

let admin: Admin;
let dir: string;
let eventLog: SqliteEventLog;
let ingest: ReturnType<typeof ingestThrough>;
let clock = Date.parse('2026-11-20T10:00:00.000Z');
const now = (): Date => new Date(clock);

interface Recorded {
  readonly id: string;
  readonly changeRef: string | undefined;
  readonly data: ConfigChangedData;
}

const recorded = async (): Promise<Recorded[]> =>
  (await eventLog.read(0, 100_000))
    .filter((e) => e.event.type === 'ConfigChanged')
    .map((e) => {
      const data = e.event.data as ConfigChangedData;
      return { id: e.event.id, changeRef: data.changeRef, data };
    });

const forTarget = async (target: string): Promise<ConfigChangedData[]> =>
  (await recorded()).filter((r) => r.data.target === target).map((r) => r.data);

const collector = (
  extra: { recorded?: () => Promise<ReadonlyMap<string, RecordedSetting>> } = {},
) => createKafkaCollector({ admin, ingest, intervalMs: 60_000, now, log, ...extra });

const setRetention = async (topic: string, ms: string): Promise<void> => {
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configEntries: [{ name: 'retention.ms', value: ms }],
      },
    ],
  });
  // alterConfigs replaces the topic's dynamic configs: wait until the broker serves the new value.
  for (let i = 0; i < 50; i++) {
    const r = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
    });
    if (r.resources[0]?.configEntries[0]?.configValue === ms) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`retention.ms of ${topic} did not become ${ms}`);
};

const authorizerEnabled = async (): Promise<boolean> => {
  try {
    await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    return true;
  } catch (e) {
    if ((e as { type?: string }).type === 'SECURITY_DISABLED') return false;
    throw e;
  }
};

/** A log of its own in `into`, and the collector's `ingest` through it. */
const openLog = (into: string) => {
  const l = createSqliteEventLog({ file: join(into, 'log.sqlite') });
  const vault = createSqliteKeyVault({
    file: join(into, 'keys.sqlite'),
    kek: loadOrCreateKek({ dataDir: into }),
  });
  const ingestor = createIngestor({
    log: l,
    vault,
    origin: 'test.gouvernail/collector',
    metrics: createMetrics(),
  });
  return { log: l, ingest: ingestThrough(ingestor), close: () => vault.close() };
};

beforeAll(async () => {
  admin = await connectAdmin(kafka);
  dir = mkdtempSync(join(tmpdir(), 'gv-kafka-collector-'));
  ({ log: eventLog, ingest } = openLog(dir));
});

afterAll(async () => {
  await eventLog?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await admin?.disconnect();
});

describe('Kafka configuration collector', () => {
  it('records the state once, then a retention change with before and after, and nothing again after a restart', async () => {
    const topic = `gv-${run}-orders`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
      ],
    });
    const first = collector();
    expect(await first.poll()).toBeGreaterThan(0);
    const [baseline] = await forTarget(`topic/${topic}`);
    expect(baseline).toMatchObject({
      component: 'kafka',
      kind: 'setting',
      before: null,
      changeRef: BASELINE_REF,
    });
    expect(baseline!.after).toMatchObject({
      'retention.ms': '3600000',
      'cleanup.policy': 'delete',
    });

    expect(await first.poll()).toBe(0);

    await setRetention(topic, '7200000');
    clock += 60_000;
    expect(await first.poll()).toBeGreaterThanOrEqual(1);
    const changes = await forTarget(`topic/${topic}`);
    expect(changes).toHaveLength(2);
    expect(changes[1]).toMatchObject({ component: 'kafka', kind: 'retention' });
    expect((changes[1]!.before as Record<string, string>)['retention.ms']).toBe('3600000');
    expect((changes[1]!.after as Record<string, string>)['retention.ms']).toBe('7200000');
    const change = (await recorded()).find(
      (r) =>
        r.data === changes[1] ||
        (r.data.target === `topic/${topic}` && r.data.kind === 'retention'),
    )!;
    expect(change.id).toMatch(/^kafka-config:/);

    // A second collector (a restart, or a replica) seeded from what was recorded finds nothing new.
    const current = new Map<string, RecordedSetting>();
    for (const r of await recorded())
      current.set(r.data.target, { value: r.data.after, eventId: r.id });
    const restarted = collector({ recorded: () => Promise.resolve(current) });
    const before = (await recorded()).length;
    await restarted.poll();
    expect(await forTarget(`topic/${topic}`)).toHaveLength(2);

    // A change made while no collector ran is recorded as a change from the recorded value.
    await setRetention(topic, '600000');
    const current2 = new Map<string, RecordedSetting>();
    for (const r of await recorded())
      current2.set(r.data.target, { value: r.data.after, eventId: r.id });
    const later = collector({ recorded: () => Promise.resolve(current2) });
    expect(await later.poll()).toBeGreaterThanOrEqual(1);
    const all = await forTarget(`topic/${topic}`);
    expect(all).toHaveLength(3);
    expect(all[2]).toMatchObject({
      kind: 'retention',
      before: { 'retention.ms': '7200000' },
      after: { 'retention.ms': '600000' },
    });
    expect((await recorded()).length).toBeGreaterThan(before);
  });

  it('records a topic deletion and a non-retention setting as kind setting', async () => {
    const topic = `gv-${run}-settings`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    const c = collector();
    await c.poll();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: [{ name: 'max.message.bytes', value: '2097152' }],
        },
      ],
    });
    clock += 60_000;
    await waitForChange(c, `topic/${topic}`, 2);
    const [, setting] = await forTarget(`topic/${topic}`);
    expect(setting).toMatchObject({ kind: 'setting', after: { 'max.message.bytes': '2097152' } });
    expect(setting!.before).not.toHaveProperty('max.message.bytes');

    await admin.deleteTopics({ topics: [topic] });
    clock += 60_000;
    await waitForChange(c, `topic/${topic}`, 3);
    const [, , removed] = await forTarget(`topic/${topic}`);
    expect(removed).toMatchObject({ kind: 'setting', after: null });
    expect(removed!.before).toMatchObject({ 'max.message.bytes': '2097152' });
  });

  it('records ACL changes when the broker has an authorizer', async () => {
    const topic = `gv-${run}-secured`;
    const c = collector();
    await c.poll();
    if (!(await authorizerEnabled())) {
      // Without an authorizer ACLs cannot be listed: the collector records none and keeps polling.
      expect((await recorded()).some((r) => r.data.target.startsWith('acl/'))).toBe(false);
      expect(await c.poll()).toBe(0);
      throw new Error(
        'the broker has no authorizer: enable StandardAuthorizer in scripts/services/conf/kafka/server.properties to test ACL changes',
      );
    }
    const acl = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:alice',
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    };
    await admin.createAcls({ acl: [acl] });
    clock += 60_000;
    const target = `acl/topic/literal:${topic}`;
    await waitForChange(c, target, 1);
    expect(await forTarget(target)).toEqual([
      expect.objectContaining({
        component: 'kafka',
        kind: 'acl',
        before: null,
        after: ['ALLOW User:alice READ from *'],
      }),
    ]);

    await admin.deleteAcls({ filters: [acl] });
    clock += 60_000;
    await waitForChange(c, target, 2);
    expect((await forTarget(target))[1]).toMatchObject({
      kind: 'acl',
      before: ['ALLOW User:alice READ from *'],
      after: null,
    });
  });

  it('records an ACL added while it was down as a change, when the ACLs it had recorded were all removed', async () => {
    if (!(await authorizerEnabled())) throw new Error('the broker has no authorizer');
    const topic = `gv-${run}-down`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    // The broker is shared: this collector sees this topic and its ACLs only, as if alone.
    const scoped: Parameters<typeof createKafkaCollector>[0]['admin'] = {
      listTopics: () => Promise.resolve([topic]),
      describeConfigs: (r) => admin.describeConfigs(r),
      describeAcls: async (f) => {
        const all = await admin.describeAcls(f);
        return { ...all, resources: all.resources.filter((r) => r.resourceName === topic) };
      },
    };
    const own = mkdtempSync(join(tmpdir(), 'gv-kafka-collector-down-'));
    const service = openLog(own);
    /** A restart: the configuration-history read model caught up with the log, then a collector. */
    const start = async () => {
      const config = createSqliteConfigStore({ db: new Database(':memory:') });
      const runner = createProjectionRunner({
        log: service.log,
        batchSize: 100,
        projections: [{ projection: configHistory, store: config }],
      });
      await runner.start();
      await runner.stop();
      return createKafkaCollector({
        admin: scoped,
        ingest: service.ingest,
        intervalMs: 60_000,
        now,
        log,
        ...collectorHistory(config),
      });
    };
    const changes = async (target: string) =>
      (await service.log.read(0, 1000))
        .map((e) => e.event.data as ConfigChangedData)
        .filter((d) => d.target === target);
    const recordedAfterPolls = async (
      c: Awaited<ReturnType<typeof start>>,
      target: string,
      n: number,
    ) => {
      for (let i = 0; i < 50 && (await changes(target)).length < n; i++) {
        clock += 60_000;
        await c.poll();
        await new Promise((r) => setTimeout(r, 200));
      }
      return changes(target);
    };
    const acl = (pattern: (typeof ResourcePatternTypes)[keyof typeof ResourcePatternTypes]) => ({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: pattern,
      principal: 'User:alice',
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    });
    const literal = acl(ResourcePatternTypes.LITERAL);
    const prefixed = acl(ResourcePatternTypes.PREFIXED);
    try {
      const first = await start();
      await first.poll();
      await admin.createAcls({ acl: [literal] });
      await recordedAfterPolls(first, `acl/topic/literal:${topic}`, 1);
      await admin.deleteAcls({ filters: [literal] });
      expect(await recordedAfterPolls(first, `acl/topic/literal:${topic}`, 2)).toMatchObject([
        { after: ['ALLOW User:alice READ from *'] },
        { after: null },
      ]);

      // While no collector runs, an ACL is added to another resource.
      await admin.createAcls({ acl: [prefixed] });
      const restarted = await start();
      const [added] = await recordedAfterPolls(restarted, `acl/topic/prefixed:${topic}`, 1);
      expect(added).toMatchObject({
        kind: 'acl',
        before: null,
        after: ['ALLOW User:alice READ from *'],
      });
      expect(added!.changeRef).toBeUndefined();
    } finally {
      await admin.deleteAcls({ filters: [literal, prefixed] });
      await service.close();
      await service.log.close();
      rmSync(own, { recursive: true, force: true });
    }
  });
});

const waitForChange = async (
  c: ReturnType<typeof collector>,
  target: string,
  count: number,
): Promise<void> => {
  for (let i = 0; i < 50; i++) {
    await c.poll();
    if ((await forTarget(target)).length >= count) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `no change number ${count} recorded for ${target}: ${JSON.stringify(await forTarget(target))}`,
  );
};
