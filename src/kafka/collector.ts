import { createHash } from 'node:crypto';
import type { Admin, ConfigEntries, DescribeAclResource } from 'kafkajs';
import { canonicalize } from '../../domain/canonical.js';
import type { NewEventEnvelope } from '../../domain/envelope.js';
import type { ConfigKinds } from '../../domain/events/config.js';
import type { Ingestor } from '../ingest/ingest.js';
import type { Logger } from '../logger.js';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  ResourcePatternTypes,
} from './client.js';

type ConfigKind = (typeof ConfigKinds)[number];
type TopicConfig = ReadonlyMap<
  string,
  { readonly value: string | null; readonly isDefault: boolean }
>;
/** A topic's recorded settings: key to value (null when sensitive or gone). */
type Settings = Readonly<Record<string, string | null>>;

/**
 * What was last recorded: every topic's settings and every ACL'd resource's bindings. Null while
 * nothing is known (first poll without records, or no authorizer): the next listing is a baseline.
 */
interface Snapshot {
  readonly topics: ReadonlyMap<string, Settings> | null;
  readonly acls: ReadonlyMap<string, readonly string[]> | null;
}

export interface KafkaCollector {
  /** Polls once; resolves to the number of ConfigChanged events recorded (baseline included). */
  poll(): Promise<number>;
  /** Polls now, then every `intervalMs`, one poll at a time. */
  start(): void;
  /** Stops polling and waits for the poll in flight. */
  stop(): Promise<void>;
}

export interface KafkaCollectorDeps {
  readonly admin: Pick<Admin, 'listTopics' | 'describeConfigs' | 'describeAcls'>;
  /** Appends the events; must reject when they are not durably recorded, so the change is retried. */
  readonly ingest: (events: readonly NewEventEnvelope[]) => Promise<void>;
  readonly intervalMs: number;
  readonly now?: () => Date;
  readonly log: Logger;
  /**
   * The value last recorded for each target of this component (`after` of its latest
   * ConfigChanged, e.g. from the configuration-history read model's `currentConfig`). Read once,
   * before the first poll, which then records what changed since instead of a baseline.
   */
  readonly recorded?: () => Promise<ReadonlyMap<string, unknown>>;
  /** Width of the detection-time bucket in change ids (default 5 minutes). */
  readonly bucketMs?: number;
  /** `component` of the events (default `kafka`); name the cluster when several are collected. */
  readonly component?: string;
  /** Called with the number of changes of each kind recorded by a poll. */
  readonly onChanges?: (counts: ReadonlyMap<ConfigKind, number>) => void;
}

/** Recorded for every topic even at their default value. */
const alwaysRecorded = ['retention.ms', 'retention.bytes', 'cleanup.policy'];
const ACTOR = { principal: 'gouvernail-collector', role: 'system' } as const;
const PRODUCER = 'gouvernail-kafka-collector';
/** `changeRef` of the events that record the state found by the collector's first poll. */
export const BASELINE_REF = 'gouvernail-collector:baseline';

const kindOfKey = (key: string): ConfigKind =>
  key.startsWith('retention.') ? 'retention' : 'setting';

const nameOf = (e: Record<string, string | number>, v: number): string => {
  const name = Object.entries(e).find(([, x]) => x === v)?.[0];
  return name ?? String(v);
};

/** `acl/<resource type>/<pattern type>:<name>`, e.g. `acl/topic/literal:orders`. */
export const aclTarget = (
  r: Pick<DescribeAclResource, 'resourceType' | 'resourcePatternType' | 'resourceName'>,
): string =>
  `acl/${nameOf(AclResourceTypes, r.resourceType).toLowerCase()}/${nameOf(ResourcePatternTypes, r.resourcePatternType).toLowerCase()}:${r.resourceName}`;

/** One ACL binding as text, e.g. `ALLOW User:alice READ from *`. */
const bindingText = (a: DescribeAclResource['acls'][number]): string =>
  `${nameOf(AclPermissionTypes, a.permissionType)} ${a.principal} ${nameOf(AclOperationTypes, a.operation)} from ${a.host}`;

const sortedKeys = (o: Settings): Settings =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The settings recorded for a topic: its non-default ones, the always-recorded ones, and every key
 * recorded before (so a setting set back to its default shows its default value, not a removal).
 */
const settingsOf = (config: TopicConfig, before: Settings = {}): Settings => {
  const out: Record<string, string | null> = {};
  for (const k of Object.keys(before)) out[k] = config.get(k)?.value ?? null;
  for (const [k, e] of config) if (!e.isDefault || alwaysRecorded.includes(k)) out[k] = e.value;
  return sortedKeys(out);
};

const digest = (value: unknown): string =>
  createHash('sha256').update(canonicalize(value)).digest('base64url');

const isSecurityDisabled = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && ('type' in e ? e.type === 'SECURITY_DISABLED' : false);

/** A topic listed a moment ago and deleted since (or not yet known to the broker answering). */
const isUnknownTopic = (e: unknown): boolean =>
  typeof e === 'object' &&
  e !== null &&
  ('type' in e ? e.type === 'UNKNOWN_TOPIC_OR_PARTITION' : false);
const unknownTopicCode = 3;

const isSettings = (v: unknown): v is Settings =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => x === null || typeof x === 'string');
const isBindings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The snapshot the records describe; a part with no records at all stays unknown (baseline). */
const seed = (records: ReadonlyMap<string, unknown>): Snapshot => {
  const topics = new Map<string, Settings>();
  const acls = new Map<string, readonly string[]>();
  for (const [target, value] of records) {
    if (target.startsWith('topic/') && isSettings(value))
      topics.set(target.slice('topic/'.length), value);
    else if (target.startsWith('acl/') && isBindings(value)) acls.set(target, value);
  }
  return { topics: topics.size > 0 ? topics : null, acls: acls.size > 0 ? acls : null };
};

interface Change {
  readonly target: string;
  readonly kind: ConfigKind;
  readonly before: unknown;
  readonly after: unknown;
  readonly baseline: boolean;
}

const topicChanges = (
  known: Snapshot['topics'],
  next: ReadonlyMap<string, TopicConfig>,
): [Change[], Map<string, Settings>] => {
  const baseline = known === null;
  const prev = known ?? new Map<string, Settings>();
  const changes: Change[] = [];
  const settings = new Map<string, Settings>();
  for (const [topic, config] of next) {
    const target = `topic/${topic}`;
    const old = prev.get(topic);
    const now = settingsOf(config, old);
    settings.set(topic, now);
    if (!old) {
      changes.push({ target, kind: 'setting', before: null, after: now, baseline });
      continue;
    }
    const changed = Object.keys(now).filter((k) => !Object.hasOwn(old, k) || old[k] !== now[k]);
    // One event per kind, applied in turn, so each event's `after` is the topic's real state then.
    let state: Settings = old;
    for (const kind of ['retention', 'setting'] as const) {
      const mine = changed.filter((k) => kindOfKey(k) === kind);
      if (mine.length === 0) continue;
      const after = sortedKeys({
        ...state,
        ...Object.fromEntries(mine.map((k) => [k, now[k] ?? null])),
      });
      changes.push({ target, kind, before: state, after, baseline: false });
      state = after;
    }
  }
  for (const [topic, old] of prev) {
    if (!next.has(topic))
      changes.push({
        target: `topic/${topic}`,
        kind: 'setting',
        before: old,
        after: null,
        baseline: false,
      });
  }
  return [changes, settings];
};

const aclChanges = (prev: Snapshot['acls'], next: Snapshot['acls']): Change[] => {
  if (next === null) return [];
  const baseline = prev === null;
  const old = prev ?? new Map<string, readonly string[]>();
  const changes: Change[] = [];
  for (const [target, bindings] of next) {
    const before = old.get(target) ?? null;
    if (before === null || canonicalize(before) !== canonicalize(bindings))
      changes.push({ target, kind: 'acl', before, after: bindings, baseline });
  }
  for (const [target, bindings] of old) {
    if (!next.has(target))
      changes.push({ target, kind: 'acl', before: bindings, after: null, baseline: false });
  }
  return changes;
};

/**
 * Watches a Kafka cluster's topic configurations and ACLs and records every change as a
 * `ConfigChanged` event (component `kafka`, target `topic/<name>` or `acl/<type>/<pattern>:<name>`,
 * kind `retention` for retention.* settings, `acl` for ACLs, else `setting`), with the before and
 * after values: for a topic, its non-default settings plus retention.ms, retention.bytes,
 * cleanup.policy and whatever changed; for an ACL'd resource, its sorted bindings.
 *
 * Changes are found against what was last recorded. With `recorded` (the configuration-history read
 * model, caught up), the first poll records only what changed since, including changes made while no
 * collector ran. Without it, or for a part (topics, ACLs) with nothing recorded yet, the first poll
 * records the state it finds, once: one event per topic and per ACL'd resource, `before: null`,
 * `changeRef` {@link BASELINE_REF}, with an id from the target and state only, so a restart finding
 * the same state records nothing new. Change ids come from the target, kind, before, after and the
 * detection-time bucket, so collectors side by side, or a restart within the bucket, do not record a
 * change twice. Values Kafka marks sensitive are recorded as null.
 *
 * Without an authorizer on the broker, listing ACLs fails with SECURITY_DISABLED: the collector
 * then records no ACLs, says so once in the log, and keeps trying at each poll.
 */
export const createKafkaCollector = ({
  admin,
  ingest,
  intervalMs,
  now = () => new Date(),
  log,
  bucketMs = 300_000,
  component = 'kafka',
  onChanges,
  recorded,
}: KafkaCollectorDeps): KafkaCollector => {
  let snapshot: Snapshot | null = null;
  let aclsDisabledLogged = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let inFlight: Promise<unknown> = Promise.resolve();

  const readTopics = async (): Promise<Map<string, TopicConfig>> => {
    const names = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    const topics = new Map<string, TopicConfig>();
    if (names.length === 0) return topics;
    const describe = (resources: readonly string[]) =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: resources.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      });
    let resources: Awaited<ReturnType<typeof describe>>['resources'];
    try {
      resources = (await describe(names)).resources;
    } catch (e) {
      if (!isUnknownTopic(e)) throw e;
      // A listed topic was deleted before it could be described: describe one by one and leave
      // the deleted ones out, so the poll records their deletion instead of failing.
      resources = [];
      for (const name of names) {
        try {
          resources.push(...(await describe([name])).resources);
        } catch (one) {
          if (!isUnknownTopic(one)) throw one;
        }
      }
    }
    for (const r of resources) {
      if (r.errorCode === unknownTopicCode) continue;
      if (r.errorCode !== 0)
        throw new Error(
          `describeConfigs ${r.resourceName}: error ${r.errorCode} ${r.errorMessage}`,
        );
      topics.set(
        r.resourceName,
        new Map(
          r.configEntries.map((e: ConfigEntries) => [
            e.configName,
            { value: e.isSensitive ? null : e.configValue, isDefault: e.isDefault },
          ]),
        ),
      );
    }
    return topics;
  };

  const readAcls = async (): Promise<Map<string, readonly string[]> | null> => {
    try {
      const res = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      const acls = new Map<string, readonly string[]>();
      for (const r of res.resources) {
        const target = aclTarget(r);
        acls.set(target, [...(acls.get(target) ?? []), ...r.acls.map(bindingText)].sort());
      }
      if (aclsDisabledLogged) log.info('ACLs can be listed again; recording ACL changes');
      aclsDisabledLogged = false;
      return acls;
    } catch (e) {
      if (!isSecurityDisabled(e)) throw e;
      if (!aclsDisabledLogged) {
        log.warn(
          'the Kafka broker has no authorizer (SECURITY_DISABLED): ACL changes are not recorded',
        );
        aclsDisabledLogged = true;
      }
      return null;
    }
  };

  const toEvent = (c: Change, at: Date): NewEventEnvelope => {
    const id = c.baseline
      ? digest({ target: c.target, baseline: true, after: c.after })
      : digest({
          target: c.target,
          kind: c.kind,
          before: c.before,
          after: c.after,
          bucket: Math.floor(at.getTime() / bucketMs),
        });
    return {
      id: `kafka-config:${id}`,
      type: 'ConfigChanged',
      schemaVersion: 1,
      occurredAt: at.toISOString(),
      producer: PRODUCER,
      actor: ACTOR,
      subjects: [],
      data: {
        component,
        target: c.target,
        kind: c.kind,
        before: c.before,
        after: c.after,
        ...(c.baseline ? { changeRef: BASELINE_REF } : {}),
      },
    };
  };

  const poll = async (): Promise<number> => {
    const [topics, acls] = await Promise.all([readTopics(), readAcls()]);
    const at = now();
    const prev: Snapshot =
      snapshot ?? (recorded ? seed(await recorded()) : { topics: null, acls: null });
    const [forTopics, settings] = topicChanges(prev.topics, topics);
    const changes = [...forTopics, ...aclChanges(prev.acls, acls)];
    if (changes.length > 0) await ingest(changes.map((c) => toEvent(c, at)));
    // Only once recorded: a failed ingest leaves the old snapshot, so the change is found again.
    snapshot = { topics: settings, acls: acls ?? prev.acls };
    if (changes.length > 0) {
      const counts = new Map<ConfigKind, number>();
      for (const c of changes) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
      onChanges?.(counts);
      log.info(
        {
          changes: changes.length,
          targets: [...new Set(changes.map((c) => c.target))].slice(0, 20),
        },
        'Kafka configuration changes recorded',
      );
    }
    return changes.length;
  };

  const loop = (): void => {
    if (!running) return;
    const p = poll()
      .catch((e: unknown) => {
        log.error({ err: e }, 'Kafka configuration poll failed');
      })
      .finally(() => {
        if (running) {
          timer = setTimeout(loop, intervalMs);
          timer.unref();
        }
      });
    inFlight = p;
  };

  return {
    poll: () => {
      const p = poll();
      inFlight = p.catch(() => undefined);
      return p;
    },
    start: () => {
      if (running) return;
      running = true;
      loop();
    },
    stop: async () => {
      running = false;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
};

/** The collector's `ingest`: appends through the ingestor and rejects if any event is refused. */
export const ingestThrough =
  (ingestor: Ingestor, source = 'kafka-collector') =>
  async (events: readonly NewEventEnvelope[]): Promise<void> => {
    const r = await ingestor.ingest(events, source);
    if (r.status === 'rejected')
      throw new Error(`ConfigChanged events refused: ${JSON.stringify(r.rejected.slice(0, 3))}`);
  };
