import { readdirSync, readlinkSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createService } from '../../src/service.js';
import { cli, removeDir, tempDir } from '../support/cli.js';
import {
  connectAdmin,
  serviceTopics,
  testBrokers,
  testKafka,
  testRun,
  topicSettings,
} from '../support/kafka.js';

/**
 * serve with Kafka on and topics that do not exist: it stops at start naming them (it never creates
 * a topic, even on a broker that would create them on first use), and the process exits.
 */
const prefix = `gv-missing-${testRun}`;
const topics = serviceTopics(prefix);
const env = {
  GOUVERNAIL_KAFKA_BROKERS: testBrokers.join(','),
  GOUVERNAIL_KAFKA_GROUP_ID: `${prefix}-group`,
  GOUVERNAIL_KAFKA_COLLECTOR_INTERVAL_MS: '0',
  ...topicSettings(topics),
};

const serve = (dir: string) =>
  cli(['serve', '--data-dir', dir, '--port', '0'], { env, timeoutMs: 45_000 });

/** The files under `dir` this process holds open (its threads' included). */
const openFilesUnder = (dir: string): string[] =>
  readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(`${dir}/`));

describe('serve with Kafka topics that do not exist', () => {
  let admin: Admin;
  const dirs: string[] = [];

  beforeAll(async () => {
    admin = await connectAdmin(testKafka());
  });
  afterAll(async () => {
    const left = (await admin.listTopics()).filter((n) => n.startsWith(prefix));
    if (left.length > 0) await admin.deleteTopics({ topics: left }).catch(() => undefined);
    await admin.disconnect();
    dirs.forEach(removeDir);
  });

  it('exits 1 naming the missing topics and the setting for each, and creates none', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const r = await serve(dir);
    expect(r.stdout).not.toMatch(/listening on/);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Kafka topics ${topics.access}, ${topics.config}, ${topics.lineage}, ${topics.events}, ${topics.dlq}, ${topics.checkpoints} do not exist`,
    );
    expect(r.stderr).toContain('the service does not create topics');
    expect(r.stderr).toContain('GOUVERNAIL_KAFKA_TOPIC_ACCESS');
    const existing = await admin.listTopics();
    expect(existing.filter((n) => n.startsWith(prefix))).toEqual([]);
  }, 60_000);

  it('names the one topic missing when the others exist', async () => {
    const present = [topics.access, topics.config, topics.events, topics.dlq, topics.checkpoints];
    await admin.createTopics({
      waitForLeaders: true,
      topics: present.map((topic) => ({ topic, numPartitions: 1 })),
    });
    const dir = tempDir();
    dirs.push(dir);
    const r = await serve(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Kafka topic ${topics.lineage} does not exist: create it (the service does not create topics), or set GOUVERNAIL_KAFKA_TOPIC_LINEAGE`,
    );
  }, 120_000);

  it('closes what it had opened before failing: no file of the data directory stays open', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const config = loadConfig({ ...env, GOUVERNAIL_DATA_DIR: dir });
    expect(config.lineageThread && config.sealWorkers > 0).toBe(true);
    await expect(createService(config, createLogger('silent'))).rejects.toThrow(/not exist/);
    expect(openFilesUnder(dir)).toEqual([]);
  });
});
