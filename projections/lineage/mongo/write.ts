import { canonicalize } from '../../../domain/canonical.js';
import type { LineageChange, NamedRef } from '../ports.js';
import { nextRunState } from '../run-state.js';
import { deletedSchema, schemaResumed } from '../schema-versions.js';
import { ignoringDuplicates } from '../../config/mongo/errors.js';
import {
  columnKey,
  datasetLevel,
  nodeKey,
  normalRun,
  type LineageCollections,
  type TagDoc,
} from './documents.js';
import { declareMongoSymlinks } from './symlinks.js';

type Change<K extends LineageChange['kind']> = Extract<LineageChange, { kind: K }>;

const merged = (json: string | undefined, facets: Readonly<Record<string, unknown>>): string =>
  JSON.stringify({ ...(json === undefined ? {} : (JSON.parse(json) as object)), ...facets });

/**
 * Job facets merged by name, each from the event with the latest `eventTime` (on a tie the later in
 * the log; a stored facet of unknown time gives way): the merged facets and their times, as JSON.
 */
const mergedByTime = (
  old: { facetsJson?: string; facetsAtJson?: string } | null,
  facets: Readonly<Record<string, unknown>>,
  at: string,
): { facetsJson: string; facetsAtJson: string } => {
  const values = new Map(Object.entries(JSON.parse(old?.facetsJson ?? '{}') as object));
  const times = JSON.parse(old?.facetsAtJson ?? '{}') as Record<string, string>;
  for (const [name, value] of Object.entries(facets)) {
    if (at < (times[name] ?? '')) continue;
    // A deleted facet (null) keeps its time, so an older event does not bring it back.
    if (value === null) values.delete(name);
    else values.set(name, value);
    times[name] = at;
  }
  return {
    facetsJson: JSON.stringify(Object.fromEntries(values)),
    facetsAtJson: JSON.stringify(times),
  };
};

/**
 * Applies lineage changes one by one, without a transaction. Every write converges when repeated
 * in log order (min/max instants, add-to-set, replace-by-key, facets kept with their `eventTime`,
 * schema versions identified by fields and instant), so a batch replayed after a crash part-way
 * through leaves the same documents.
 */
export const createMongoLineageWriter = (c: LineageCollections) => {
  const upsert = { upsert: true } as const;

  const dataset = async (d: NamedRef): Promise<string> => {
    const _id = nodeKey(d);
    await c.datasets.updateOne(
      { _id },
      { $setOnInsert: { namespace: d.namespace, name: d.name } },
      upsert,
    );
    return _id;
  };

  const job = async (j: NamedRef, at: string): Promise<string> => {
    const _id = nodeKey(j);
    await c.jobs.updateOne(
      { _id },
      {
        $setOnInsert: {
          namespace: j.namespace,
          name: j.name,
          firstSeen: at,
          lastSeen: at,
          facetsJson: '{}',
        },
      },
      upsert,
    );
    return _id;
  };

  const edge = async (into: LineageCollections['inputs'], d: NamedRef, j: NamedRef, at: string) => {
    const ds = await dataset(d);
    const jb = await job(j, at);
    await into.updateOne(
      { _id: JSON.stringify([ds, jb]) },
      { $setOnInsert: { dataset: ds, job: jb }, $min: { validFrom: at }, $max: { lastSeen: at } },
      upsert,
    );
  };

  const datasetSeen = async (ch: Change<'datasetSeen'>): Promise<void> => {
    const _id = nodeKey(ch.dataset);
    const withSource = ch.dataSource !== undefined;
    await c.datasets.updateOne(
      { _id },
      {
        $setOnInsert: { namespace: ch.dataset.namespace, name: ch.dataset.name },
        $min: { firstSeen: ch.at },
        $max: { lastSeen: ch.at, ...(withSource ? { dataSourceAt: ch.at } : {}) },
      },
      upsert,
    );
    // The facet of the latest `eventTime` (on a tie the later in the log); a deletion is stored as
    // the JSON text 'null' with its time, so an older event does not bring the facet back.
    if (withSource)
      await c.datasets.updateOne(
        { _id, dataSourceAt: { $lte: ch.at } },
        { $set: { dataSourceJson: JSON.stringify(ch.dataSource) } },
      );
  };

  const jobSeen = async (ch: Change<'jobSeen'>): Promise<void> => {
    const _id = nodeKey(ch.job);
    const old = await c.jobs.findOne({ _id }, { projection: { facetsJson: 1, facetsAtJson: 1 } });
    await c.jobs.updateOne(
      { _id },
      {
        $setOnInsert: { namespace: ch.job.namespace, name: ch.job.name },
        $min: { firstSeen: ch.at },
        $max: { lastSeen: ch.at },
        $set: mergedByTime(old, ch.facets, ch.at),
      },
      upsert,
    );
  };

  /**
   * A new version when the fields differ from the version in force at `at` (see `schemaResumed`).
   * False when the observation does not count: a deletion with no schema in force.
   */
  const newSchemaVersions = async (
    ds: string,
    fieldsJson: string,
    at: string,
  ): Promise<boolean> => {
    const latest = (observedAt: { $lte: string } | undefined) =>
      c.schemas
        .find({ dataset: ds, ...(observedAt ? { observedAt } : {}) })
        .sort({ observedAt: -1, version: -1 })
        .limit(1)
        .next();
    const inForce = await latest({ $lte: at });
    if (fieldsJson === deletedSchema && !inForce) return false;
    if (inForce?.fieldsJson === fieldsJson) return true;
    // A replayed observation (same fields, same instant) is not a new version.
    if (await c.schemas.findOne({ dataset: ds, fieldsJson, observedAt: at })) return true;
    const [current, last, seen] = await Promise.all([
      latest(undefined),
      c.schemas.find({ dataset: ds }).sort({ version: -1 }).limit(1).next(),
      c.datasets.findOne({ _id: ds }, { projection: { schemaSeenAt: 1 } }),
    ]);
    let version = last?.version ?? 0;
    const insert = async (fields: string, observedAt: string): Promise<void> => {
      version += 1;
      await c.schemas.insertOne({
        _id: JSON.stringify([ds, version]),
        dataset: ds,
        version,
        fieldsJson: fields,
        observedAt,
      });
    };
    // The current version again first: after a crash in between, the replay sees it current and
    // only adds the late one.
    const resumed = schemaResumed(
      current && { fields: current.fieldsJson, observedAt: current.observedAt },
      seen?.schemaSeenAt ?? current?.observedAt ?? null,
      at,
    );
    if (resumed) await insert(resumed.fields, resumed.observedAt);
    await insert(fieldsJson, at);
    return true;
  };

  const schemaObserved = async (ch: Change<'schemaObserved'>): Promise<void> => {
    const ds = await dataset(ch.dataset);
    if (!(await newSchemaVersions(ds, canonicalize(ch.fields), ch.at))) return;
    await c.datasets.updateOne({ _id: ds }, { $max: { schemaSeenAt: ch.at } });
  };

  const runObserved = async (ch: Change<'runObserved'>): Promise<void> => {
    const _id = ch.runId;
    let row = await c.runs.findOne({ _id });
    if (!row) {
      const archived = await c.runsArchive.findOne({ _id });
      if (archived) {
        await ignoringDuplicates(() => c.runs.insertOne(archived));
        await c.runsArchive.deleteOne({ _id });
      } else {
        const jb = await job(ch.job, ch.at);
        await c.runs.updateOne(
          { _id },
          {
            $setOnInsert: {
              job: jb,
              state: null,
              stateAt: null,
              stateRank: 0,
              startedAt: null,
              endedAt: null,
              facetsJson: '{}',
              parent: null,
              firstSeen: ch.at,
              lastSeen: ch.at,
              inputs: [],
              outputs: [],
            },
          },
          upsert,
        );
      }
      row = await c.runs.findOne({ _id });
    }
    if (!row) throw new Error(`run ${_id} vanished while being written`);
    row = normalRun(row);
    const startedAt =
      ch.eventType === 'START' && (row.startedAt === null || ch.at < row.startedAt)
        ? ch.at
        : row.startedAt;
    const newState = nextRunState(row, ch.eventType, ch.at) ?? {};
    const inputs = await Promise.all(ch.inputs.map(dataset));
    const outputs = await Promise.all(ch.outputs.map(dataset));
    await c.runs.updateOne(
      { _id },
      {
        $min: { firstSeen: ch.at },
        $max: { lastSeen: ch.at },
        $set: {
          facetsJson: merged(row.facetsJson, ch.facets),
          startedAt,
          ...(ch.parent
            ? {
                parent: {
                  runId: ch.parent.runId,
                  job: { namespace: ch.parent.job.namespace, name: ch.parent.job.name },
                },
              }
            : {}),
          ...newState,
        },
        $addToSet: { inputs: { $each: inputs }, outputs: { $each: outputs } },
      },
    );
  };

  const columnDerived = async (ch: Change<'columnDerived'>): Promise<void> => {
    const from = await dataset(ch.from.dataset);
    const to = await dataset(ch.to.dataset);
    const jb = await job(ch.job, ch.at);
    const _id = JSON.stringify([from, ch.from.field, to, ch.to.field]);
    await c.columnEdges.updateOne(
      { _id },
      {
        $setOnInsert: {
          fromDataset: from,
          fromField: ch.from.field,
          fromKey: columnKey(from, ch.from.field),
          toDataset: to,
          toField: ch.to.field,
          toKey: columnKey(to, ch.to.field),
        },
        $min: { validFrom: ch.at },
        $max: { lastSeen: ch.at, transformationsAt: ch.at, carriesPii: ch.carriesPii },
      },
      upsert,
    );
    // The job and transformations of the latest declaration (on a tie, the later in the log).
    await c.columnEdges.updateOne(
      { _id, transformationsAt: { $lte: ch.at } },
      { $set: { job: jb, transformationsJson: JSON.stringify(ch.transformations) } },
    );
  };

  const addTags = async (
    ds: string,
    source: TagDoc['source'],
    tags: readonly { field: string; tag: string }[],
  ): Promise<void> => {
    if (tags.length === 0) return;
    await c.tags.bulkWrite(
      tags.map((t) => {
        const doc: TagDoc = {
          _id: JSON.stringify([ds, t.field, source, t.tag]),
          dataset: ds,
          field: t.field,
          key: columnKey(ds, t.field),
          source,
          tag: t.tag,
        };
        return {
          updateOne: { filter: { _id: doc._id }, update: { $setOnInsert: doc }, upsert: true },
        };
      }),
      { ordered: false },
    );
  };

  const replaceTags = async (
    ds: string,
    clear: { field?: string; source: TagDoc['source'] },
    tags: readonly { field: string; tag: string }[],
  ): Promise<void> => {
    await c.tags.deleteMany({ dataset: ds, ...clear });
    await addTags(ds, clear.source, tags);
  };

  const apply = async (ch: LineageChange): Promise<void> => {
    switch (ch.kind) {
      case 'datasetSeen':
        return datasetSeen(ch);
      case 'jobSeen':
        return jobSeen(ch);
      case 'schemaObserved':
        return schemaObserved(ch);
      case 'runObserved':
        return runObserved(ch);
      case 'inputObserved':
        return edge(c.inputs, ch.dataset, ch.job, ch.at);
      case 'outputObserved':
        return edge(c.outputs, ch.dataset, ch.job, ch.at);
      case 'columnDerived':
        return columnDerived(ch);
      case 'piiClassified': {
        const ds = await dataset(ch.dataset);
        const field = ch.field ?? datasetLevel;
        return replaceTags(
          ds,
          { field, source: 'classification' },
          ch.tags.map((tag) => ({ field, tag })),
        );
      }
      case 'symlinksDeclared':
        return declareMongoSymlinks(c, await dataset(ch.dataset), ch);
      case 'piiTagsFaceted': {
        const ds = await dataset(ch.dataset);
        const tags = ch.tags.map((t) => ({ field: t.field ?? datasetLevel, tag: t.tag }));
        return ch.mode === 'replace'
          ? replaceTags(ds, { source: 'openlineage' }, tags)
          : addTags(ds, 'openlineage', tags);
      }
    }
  };

  return { apply };
};
