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

/** A target's last recorded value (null once removed) and the id of the event that recorded it. */
interface Known {
  readonly value: unknown;
  readonly eventId: string;
}

/**
 * What was last recorded, by target: every topic's settings and every ACL'd resource's bindings,
 * removed ones included. Null while nothing is known (first poll without records, or no
 * authorizer): the next listing is a baseline.
 */
interface Snapshot {
  readonly topics: ReadonlyMap<string, Known> | null;
  readonly acls: ReadonlyMap<string, Known> | null;
}

/** The latest recorded change of a target: its `after` and its event id. */
export interface RecordedSetting {
  readonly value: unknown;
  readonly eventId: string;
}

/** An event the log refused: its index in the batch submitted and why. */
export interface Refusal {
  readonly index: number;
  readonly reason: string;
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
  /**
   * Appends the events, all or none: resolves with the refused ones (none when all were recorded;
   * otherwise nothing was). Must reject when they are not durably recorded, so they are retried.
   */
  readonly ingest: (events: readonly NewEventEnvelope[]) => Promise<readonly Refusal[]>;
  readonly intervalMs: number;
  readonly now?: () => Date;
  readonly log: Logger;
  /**
   * The value the collector last recorded for each target of this component, null for a removed one,
   * and the id of the event that recorded it (`after` and `eventId` of its own latest ConfigChanged,
   * other producers' left out: see `collectorHistory`). Read once, before the first poll, which then
   * records what changed since instead of a baseline.
   */
  readonly recorded?: () => Promise<ReadonlyMap<string, RecordedSetting>>;
  /**
   * The id of the collector's latest ConfigChanged of a target of this component, its removal
   * included, or null. Asked when a target appears that the collector
   * does not know, so that a resource created again after its removal chains to that removal.
   */
  readonly lastEventId?: (target: string) => Promise<string | null>;
  /** `component` of the events (default `kafka`); name the cluster when several are collected. */
  readonly component?: string;
  /** Called with the number of changes of each kind recorded by a poll. */
  readonly onChanges?: (counts: ReadonlyMap<ConfigKind, number>) => void;
}

/** Recorded for every topic even at their default value. */
const alwaysRecorded = ['retention.ms', 'retention.bytes', 'cleanup.policy'];
/** `actor` of the collector's events: no producer may send the role `system`. */
export const COLLECTOR_ACTOR = { principal: 'gouvernail-collector', role: 'system' } as const;
const PRODUCER = 'gouvernail-kafka-collector';
/** `changeRef` of the events that record the state found by the collector's first poll. */
export const BASELINE_REF = 'gouvernail-collector:baseline';

const kindOfKey = (key: string): ConfigKind =>
  key.startsWith('retention.') ? 'retention' : 'setting';

const nameOf = (e: Record<string, string | number>, v: number): string => {
  const name = Object.entries(e).find(([, x]) => x === v)?.[0];
  return name ?? String(v);
};

/** Longest `target` a ConfigChanged may have (ShortText). */
const MAX_TARGET = 512;
/** Ends an abbreviated resource name in a target, before the SHA-256 (base64url) of the full name. */
export const ABBREVIATION_MARKER = '…#';

/**
 * `acl/<resource type>/<pattern type>:<name>`, e.g. `acl/topic/literal:orders`. A name that would
 * make the target longer than 512 characters, or that contains {@link ABBREVIATION_MARKER}, is cut
 * and ends with the marker and the hash of the full name: the target is the same at every poll and
 * distinct for every name.
 */
export const aclTarget = (
  r: Pick<DescribeAclResource, 'resourceType' | 'resourcePatternType' | 'resourceName'>,
): string => {
  const prefix = `acl/${nameOf(AclResourceTypes, r.resourceType).toLowerCase()}/${nameOf(ResourcePatternTypes, r.resourcePatternType).toLowerCase()}:`;
  const name = r.resourceName;
  if (prefix.length + name.length <= MAX_TARGET && !name.includes(ABBREVIATION_MARKER))
    return prefix + name;
  const suffix = ABBREVIATION_MARKER + createHash('sha256').update(name).digest('base64url');
  let cut = name.slice(0, Math.max(0, MAX_TARGET - prefix.length - suffix.length));
  // Never end on half a surrogate pair: a lone surrogate cannot be recorded.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return prefix + cut + suffix;
};

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

/**
 * The snapshot the collector's records describe, removed targets included (null). A collector that
 * recorded anything has listed topics and ACLs before, so a target it has no record of is new since
 * (an ACL added while it was down, when none was left): only with no records at all is the next
 * listing a baseline.
 */
const seed = (records: ReadonlyMap<string, RecordedSetting>): Snapshot => {
  if (records.size === 0) return { topics: null, acls: null };
  const topics = new Map<string, Known>();
  const acls = new Map<string, Known>();
  for (const [target, { value, eventId }] of records) {
    if (target.startsWith('topic/') && (value === null || isSettings(value)))
      topics.set(target, { value, eventId });
    else if (target.startsWith('acl/') && (value === null || isBindings(value)))
      acls.set(target, { value, eventId });
  }
  return { topics, acls };
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
): Change[] => {
  const baseline = known === null;
  const prev = known ?? new Map<string, Known>();
  const changes: Change[] = [];
  for (const [topic, config] of next) {
    const target = `topic/${topic}`;
    const recorded = prev.get(target)?.value;
    const old = isSettings(recorded) ? recorded : undefined;
    const now = settingsOf(config, old);
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
  for (const [target, { value }] of prev) {
    if (value !== null && !next.has(target.slice('topic/'.length)))
      changes.push({ target, kind: 'setting', before: value, after: null, baseline: false });
  }
  return changes;
};

const aclChanges = (
  known: Snapshot['acls'],
  next: ReadonlyMap<string, readonly string[]> | null,
): Change[] => {
  if (next === null) return [];
  const baseline = known === null;
  const prev = known ?? new Map<string, Known>();
  const changes: Change[] = [];
  for (const [target, bindings] of next) {
    const recorded = prev.get(target)?.value;
    const before = isBindings(recorded) ? recorded : null;
    if (before === null || canonicalize(before) !== canonicalize(bindings))
      changes.push({ target, kind: 'acl', before, after: bindings, baseline });
  }
  for (const [target, { value }] of prev) {
    if (value !== null && !next.has(target))
      changes.push({ target, kind: 'acl', before: value, after: null, baseline: false });
  }
  return changes;
};

/**
 * A change's event id. A baseline's comes from its target and state. Any other's comes from its
 * target, kind, before and after, and the id of the event that recorded `before` (`prev`, null when
 * none is known): each target's ids form a chain, so a transition repeated later (A→B→A→B) gets a
 * new id, while collectors that observe it from the same recorded state give it the same one.
 */
const changeId = (c: Change, prev: string | null): string =>
  `kafka-config:${
    c.baseline
      ? digest({ target: c.target, baseline: true, after: c.after })
      : digest({ target: c.target, kind: c.kind, before: c.before, after: c.after, prev })
  }`;

/**
 * Watches a Kafka cluster's topic configurations and ACLs and records every change as a
 * `ConfigChanged` event (component `kafka`, target `topic/<name>` or `acl/<type>/<pattern>:<name>`,
 * kind `retention` for retention.* settings, `acl` for ACLs, else `setting`), with the before and
 * after values: for a topic, its non-default settings plus retention.ms, retention.bytes,
 * cleanup.policy and whatever changed; for an ACL'd resource, its sorted bindings.
 *
 * Changes are found against what was last recorded. With `recorded` (the configuration-history read
 * model, caught up), the first poll records only what changed since, including changes made while no
 * collector ran (an ACL added then is a change, even when none was left). Without it, or when the
 * collector has recorded nothing yet, the first poll records the state it finds, once: one event per topic and per ACL'd resource, `before: null`,
 * `changeRef` {@link BASELINE_REF}, with an id from the target and state only, so a restart finding
 * the same state records nothing new. Every other change's id is chained: it comes from the target,
 * kind, before, after and the id of the event that recorded `before` (the target's previous change,
 * known from the collector's own events, `recorded`, or `lastEventId` for a target seen again after
 * its removal). So a transition repeated later (1d→7d→1d→7d) is always recorded, and collectors side
 * by side, or a restarted one, that observe a transition from the same recorded state record it
 * once, whenever they poll. Values Kafka marks sensitive are recorded as null.
 *
 * A change the log refuses (say, an invalid value) does not hold back the others: those are
 * recorded, the refused one is logged at error level with its reason and, like any later change of
 * its target, found again and retried at the next poll. When the log itself fails, nothing is taken
 * as recorded and the whole poll is retried.
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
  component = 'kafka',
  onChanges,
  recorded,
  lastEventId,
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

  const toEvent = (c: Change, id: string, at: Date): NewEventEnvelope => ({
    id,
    type: 'ConfigChanged',
    schemaVersion: 1,
    occurredAt: at.toISOString(),
    producer: PRODUCER,
    actor: COLLECTOR_ACTOR,
    subjects: [],
    data: {
      component,
      target: c.target,
      kind: c.kind,
      before: c.before,
      after: c.after,
      ...(c.baseline ? { changeRef: BASELINE_REF } : {}),
    },
  });

  /**
   * The changes with their event ids, each chained to the event that recorded its target's
   * `before`. A target the collector does not know is looked up (`lastEventId`): one recorded
   * before, then removed, comes back as a change, not a baseline, whose id differs from the first.
   */
  const chain = async (
    found: readonly Change[],
    known: ReadonlyMap<string, Known>,
  ): Promise<{ changes: Change[]; ids: string[] }> => {
    const last = new Map<string, string>();
    const changes: Change[] = [];
    const ids: string[] = [];
    for (const c of found) {
      const prev =
        last.get(c.target) ??
        known.get(c.target)?.eventId ??
        (lastEventId ? await lastEventId(c.target) : null);
      const change = c.baseline && prev !== null ? { ...c, baseline: false } : c;
      const id = changeId(change, prev);
      last.set(c.target, id);
      changes.push(change);
      ids.push(id);
    }
    return { changes, ids };
  };

  /**
   * Submits the events, then again without the refused ones (and those after them on the same
   * target, whose `before` was not recorded) until the log takes the rest. Returns why each event
   * left out was, by index.
   */
  const record = async (
    changes: readonly Change[],
    events: readonly NewEventEnvelope[],
  ): Promise<Map<number, string>> => {
    const left = new Map<number, string>();
    for (;;) {
      const batch = events.flatMap((_, i) => (left.has(i) ? [] : [i]));
      if (batch.length === 0) return left;
      const refusals = await ingest(batch.map((i) => events[i]!));
      if (refusals.length === 0) return left;
      const before = left.size;
      for (const r of refusals) {
        const i = batch[r.index];
        if (i !== undefined && !left.has(i)) left.set(i, r.reason);
      }
      if (left.size === before)
        throw new Error('the log refused ConfigChanged events it did not name');
      const blocked = new Set<string>();
      changes.forEach((c, i) => {
        if (blocked.has(c.target)) {
          if (!left.has(i)) left.set(i, 'an earlier change of its target was refused');
        } else if (left.has(i)) blocked.add(c.target);
      });
    }
  };

  const poll = async (): Promise<number> => {
    const [topics, acls] = await Promise.all([readTopics(), readAcls()]);
    const at = now();
    const prev: Snapshot =
      snapshot ?? (recorded ? seed(await recorded()) : { topics: null, acls: null });
    const known = new Map([...(prev.topics ?? []), ...(prev.acls ?? [])]);
    const { changes, ids } = await chain(
      [...topicChanges(prev.topics, topics), ...aclChanges(prev.acls, acls)],
      known,
    );
    const events = changes.map((c, i) => toEvent(c, ids[i]!, at));
    const refused = changes.length > 0 ? await record(changes, events) : new Map<number, string>();
    // Only once recorded: a failed ingest leaves the old snapshot, so every change is found again;
    // a refused change leaves its target's previous state, so it is found (and refused) again.
    const accepted = changes.filter((_, i) => !refused.has(i));
    changes.forEach((c, i) => {
      if (!refused.has(i)) known.set(c.target, { value: c.after, eventId: events[i]!.id });
    });
    const part = (prefix: string) =>
      new Map([...known].filter(([target]) => target.startsWith(prefix)));
    snapshot = { topics: part('topic/'), acls: acls === null ? prev.acls : part('acl/') };
    for (const [i, reason] of refused) {
      const c = changes[i]!;
      log.error(
        { target: c.target, kind: c.kind, eventId: events[i]!.id, reason },
        'Kafka configuration change refused by the log; retried at the next poll',
      );
    }
    if (accepted.length > 0) {
      const counts = new Map<ConfigKind, number>();
      for (const c of accepted) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
      onChanges?.(counts);
      log.info(
        {
          changes: accepted.length,
          targets: [...new Set(accepted.map((c) => c.target))].slice(0, 20),
        },
        'Kafka configuration changes recorded',
      );
    }
    return accepted.length;
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

/**
 * The collector's `ingest`: appends through the ingestor, which refuses a batch whole when any event
 * is invalid, and resolves with the refused events and their reasons.
 */
export const ingestThrough =
  (ingestor: Ingestor, source = 'kafka-collector') =>
  async (events: readonly NewEventEnvelope[]): Promise<Refusal[]> => {
    const r = await ingestor.ingest(events, source);
    if (r.status === 'accepted') return [];
    return r.rejected.map((x) => ({
      index: x.index,
      reason: x.issues.map((i) => `${i.path}: ${i.message}`).join('; '),
    }));
  };
