import { allSettledOrThrow } from '../../interrupted-reset.js';
import type { AnyBulkWriteOperation, Db, Filter } from 'mongodb';
import { decodeConfigCursor, encodeConfigCursor } from '../cursor.js';
import { configHistoryName } from '../evolve.js';
import type {
  ConfigChange,
  ConfigFilter,
  ConfigHistoryQuery,
  ConfigHistoryStore,
  ConfigPage,
} from '../ports.js';
import { mongoCheckpoint } from './checkpoint.js';
import {
  settingId,
  toEntry,
  toHistoryDoc,
  toSetting,
  type CurrentDoc,
  type HistoryDoc,
} from './documents.js';
import { ignoringDuplicates } from './errors.js';
import { ensureNamedIndexes } from './indexes.js';

export interface MongoConfigStoreDeps {
  readonly db: Db;
  /** Checkpoint name and collection prefix; defaults to `config` / the projection's name. */
  readonly name?: string;
  /** Documents per archive round; default 500. */
  readonly archiveBatchSize?: number;
}

/** The config store, plus index creation and archiving of superseded history. */
export interface MongoConfigStore extends ConfigHistoryStore {
  ensureIndexes(): Promise<void>;
  /**
   * Moves history entries older than `date` that a later change of the same setting superseded to
   * `config_history_archive` (insert, then delete: a rerun after a crash finishes the move).
   * Archived entries are still returned by `configHistory`. Returns how many were moved.
   */
  archiveOlderThan(date: Date): Promise<number>;
}

export const maxConfigPageSize = 1000;

const filterOf = (f: ConfigFilter): Filter<HistoryDoc> => ({
  ...(f.component === undefined ? {} : { component: f.component }),
  ...(f.target === undefined ? {} : { target: f.target }),
});

/**
 * The net effect of a batch on each setting: its last change in log order, with that change's log
 * position (a removal takes the position of the history entry just before it). Each is then written
 * with a position guard, so the result does not depend on write order or replays.
 */
const settingWrites = (
  changes: readonly ConfigChange[],
  batchPosition: number,
): AnyBulkWriteOperation<CurrentDoc>[] => {
  const last = new Map<string, AnyBulkWriteOperation<CurrentDoc>>();
  let entryPosition = batchPosition;
  for (const c of changes) {
    if (c.kind === 'historyAppended') {
      entryPosition = c.entry.position;
    } else if (c.kind === 'settingSet') {
      const s = c.setting;
      const _id = settingId(s.component, s.target);
      last.set(_id, {
        updateOne: {
          filter: { _id, position: { $lt: s.position } },
          update: {
            $set: {
              component: s.component,
              target: s.target,
              removed: false,
              kind: s.kind,
              valueJson: JSON.stringify(s.value),
              position: s.position,
              time: s.time,
              actor: { principal: s.actor.principal, role: s.actor.role },
              changeRef: s.changeRef,
            },
          },
          upsert: true,
        },
      });
    } else {
      const _id = settingId(c.component, c.target);
      last.set(_id, {
        updateOne: {
          filter: { _id, position: { $lt: entryPosition } },
          update: {
            $set: {
              component: c.component,
              target: c.target,
              removed: true,
              position: entryPosition,
            },
          },
          upsert: true,
        },
      });
    }
  }
  return [...last.values()];
};

/**
 * Configuration history in MongoDB (FerretDB 1.24 compatible: no transactions, no $lookup).
 * Collections `config_history` (`_id` = log position), `config_current` (one document per setting,
 * position-guarded) and `config_history_archive`; the checkpoint lives in `projection_checkpoints`.
 * A batch is written without a transaction: history upserts are idempotent and every setting write
 * is guarded by its log position, so a batch replayed after a crash changes nothing.
 */
export const createMongoConfigStore = ({
  db,
  name = configHistoryName,
  archiveBatchSize = 500,
}: MongoConfigStoreDeps): MongoConfigStore => {
  const history = db.collection<HistoryDoc>('config_history');
  const archive = db.collection<HistoryDoc>('config_history_archive');
  const current = db.collection<CurrentDoc>('config_current');
  const cp = mongoCheckpoint(db, name, async () => {
    await allSettledOrThrow([
      history.deleteMany({}),
      archive.deleteMany({}),
      current.deleteMany({}),
    ]);
  });

  let indexes: Promise<void> | undefined;
  const ensureIndexes = (): Promise<void> => {
    indexes ??= (async () => {
      for (const c of [history, archive]) {
        await ensureNamedIndexes(c, [
          { key: { position: -1 }, name: 'by_position' },
          { key: { component: 1, target: 1, position: -1 }, name: 'by_setting' },
          { key: { target: 1, position: -1 }, name: 'by_target' },
          { key: { timeMs: 1 }, name: 'by_time' },
        ]);
      }
      await ensureNamedIndexes(current, [
        { key: { removed: 1, component: 1, target: 1 }, name: 'live_by_setting' },
        { key: { target: 1 }, name: 'by_target' },
      ]);
    })().catch((error: unknown) => {
      indexes = undefined;
      throw error;
    });
    return indexes;
  };

  const apply = async (changes: readonly ConfigChange[], position: number): Promise<void> => {
    await ensureIndexes();
    if (position <= (await cp.read())) return;
    const entries = changes.flatMap((c) => (c.kind === 'historyAppended' ? [c.entry] : []));
    if (entries.length > 0) {
      // insertMany, not $setOnInsert upserts: FerretDB 1.24 drops null fields written by $setOnInsert.
      await ignoringDuplicates(() =>
        history.insertMany(entries.map(toHistoryDoc), { ordered: false }),
      );
    }
    const writes = settingWrites(changes, position);
    if (writes.length > 0) {
      await ignoringDuplicates(() => current.bulkWrite(writes, { ordered: false }));
    }
    await cp.advance(position);
  };

  const newestFirst = (
    from: typeof history,
    filter: Filter<HistoryDoc>,
    limit: number,
  ): Promise<HistoryDoc[]> => from.find(filter).sort({ position: -1 }).limit(limit).toArray();

  const configHistory = async (q: ConfigHistoryQuery): Promise<ConfigPage> => {
    if (!Number.isInteger(q.first) || q.first < 0 || q.first > maxConfigPageSize) {
      throw new RangeError(`first must be an integer from 0 to ${maxConfigPageSize}`);
    }
    const after = q.after === undefined ? null : decodeConfigCursor(q.after);
    const filter: Filter<HistoryDoc> = {
      ...filterOf(q),
      ...(after === null ? {} : { position: { $lt: after } }),
    };
    const limit = q.first + 1;
    const [hot, cold] = await Promise.all([
      newestFirst(history, filter, limit),
      newestFirst(archive, filter, limit),
    ]);
    const byPosition = new Map([...cold, ...hot].map((d) => [d.position, d]));
    const records = [...byPosition.values()]
      .sort((a, b) => b.position - a.position)
      .slice(0, limit);
    const page = records.slice(0, q.first);
    const last = page.at(-1);
    return {
      rows: page.map(toEntry),
      endCursor: last ? encodeConfigCursor(last.position) : null,
      hasNextPage: records.length > q.first,
    };
  };

  const archiveOlderThan = async (date: Date): Promise<number> => {
    await ensureIndexes();
    let moved = 0;
    let from = -1;
    for (;;) {
      const batch = await history
        .find({ timeMs: { $lt: date.getTime() }, position: { $gt: from } })
        .sort({ position: 1 })
        .limit(archiveBatchSize)
        .toArray();
      const tail = batch.at(-1);
      if (tail === undefined) return moved;
      from = tail.position;
      const ids = [...new Set(batch.map((d) => settingId(d.component, d.target)))];
      const latest = new Map(
        (await current.find({ _id: { $in: ids } }).toArray()).map((c) => [c._id, c.position]),
      );
      const superseded = batch.filter(
        (d) => d.position < (latest.get(settingId(d.component, d.target)) ?? -1),
      );
      if (superseded.length === 0) continue;
      await ignoringDuplicates(() => archive.insertMany(superseded, { ordered: false }));
      const { deletedCount } = await history.deleteMany({
        _id: { $in: superseded.map((d) => d._id) },
      });
      moved += deletedCount;
    }
  };

  return {
    ensureIndexes,
    checkpoint: async () => {
      await ensureIndexes();
      return cp.read();
    },
    apply,
    reset: cp.reset,
    configHistory,
    currentConfig: async (f) => {
      const docs = await current
        .find({ removed: false, ...filterOf(f) } as Filter<CurrentDoc>)
        .sort({ component: 1, target: 1 })
        .toArray();
      // No $lookup on FerretDB: the event ids come from the history entries at the settings'
      // positions, never archived (only superseded entries are).
      const entries = await history
        .find({ _id: { $in: docs.map((d) => d.position) } }, { projection: { eventId: 1 } })
        .toArray();
      const ids = new Map(entries.map((e) => [e._id, e.eventId]));
      return docs.map((d) => toSetting(d, ids.get(d.position) ?? ''));
    },
    archiveOlderThan,
  };
};
