import type { DatasetRef, LineageChange } from '../ports.js';
import { nodeKey, type DatasetDoc, type LineageCollections, type SymlinkDoc } from './documents.js';
import { findAll } from './traverse.js';

type Declared = Extract<LineageChange, { kind: 'symlinksDeclared' }>;

/**
 * Writes `symlinksDeclared` for the dataset keyed `ds` (as the SQLite store does): its claims, each
 * with its `eventTime` and a sequence number in log order, and `won` re-elected for every alias it
 * claimed before or claims now. Repeated in log order after a crash, it converges.
 */
export const declareMongoSymlinks = async (
  c: LineageCollections,
  ds: string,
  ch: Declared,
): Promise<void> => {
  const doc = await c.datasets.findOne({ _id: ds }, { projection: { symlinksAt: 1 } });
  if (doc?.symlinksAt !== undefined && ch.at < doc.symlinksAt) return;
  await c.datasets.updateOne({ _id: ds }, { $set: { symlinksAt: ch.at } });
  const aliases = ch.symlinks.map(nodeKey);
  const before = await c.symlinks.find({ dataset: ds }, { projection: { alias: 1 } }).toArray();
  const top = await c.symlinks.find({}).sort({ seq: -1 }).limit(1).next();
  const seq = (top?.seq ?? 0) + 1;
  await c.symlinks.deleteMany({ dataset: ds, alias: { $nin: aliases } });
  for (const alias of aliases)
    await c.symlinks.updateOne(
      { _id: JSON.stringify([alias, ds]) },
      { $set: { alias, dataset: ds, declaredAt: ch.at, seq }, $setOnInsert: { won: false } },
      { upsert: true },
    );
  for (const alias of new Set([...before.map((b) => b.alias), ...aliases])) {
    const winner = await c.symlinks
      .find({ alias })
      .sort({ declaredAt: -1, seq: -1 })
      .limit(1)
      .next();
    await c.symlinks.updateMany(
      { alias, _id: { $ne: winner?._id ?? '' } },
      { $set: { won: false } },
    );
    if (winner) await c.symlinks.updateOne({ _id: winner._id }, { $set: { won: true } });
  }
};

/** Alias resolution for reads, as `createSymlinkReader` in the SQLite store. */
export const createMongoSymlinkReader = (c: LineageCollections) => {
  /** The key of the dataset this name stands for when it is not the one so named, as in SQLite. */
  const ownerOf = async (ref: DatasetRef): Promise<string | undefined> => {
    const key = nodeKey(ref);
    const won = await c.symlinks.findOne({ alias: key, won: true });
    if (!won) return undefined;
    const ownClaim = await c.symlinks.findOne({ dataset: key }, { projection: { _id: 1 } });
    return ownClaim ? undefined : won.dataset;
  };

  /** The keys of the names a dataset won as aliases. */
  const aliasesOf = async (ds: string): Promise<string[]> =>
    (await c.symlinks.find({ dataset: ds, won: true }).toArray()).map((s) => s.alias);

  /**
   * Dataset key → the other datasets of its group, for those that have any; with `seenOnly`, not
   * those known only from a classification.
   */
  const mates = async (
    keys: readonly string[],
    seenOnly = false,
  ): Promise<Map<string, string[]>> => {
    const out = new Map<string, string[]>();
    if (keys.length === 0 || !(await c.symlinks.findOne({}, { projection: { _id: 1 } })))
      return out;
    const owner = new Map(
      (await findAll<SymlinkDoc>(c.symlinks, 'alias', keys, { won: true })).map((s) => [
        s.alias,
        s.dataset,
      ]),
    );
    const canon = (k: string): string => owner.get(k) ?? k;
    const won = await findAll<SymlinkDoc>(c.symlinks, 'dataset', [...new Set(keys.map(canon))], {
      won: true,
    });
    const existing = new Set(
      (
        await findAll<DatasetDoc>(
          c.datasets,
          '_id',
          won.map((s) => s.alias),
          seenOnly ? { firstSeen: { $exists: true } } : {},
        )
      ).map((d) => d._id),
    );
    const aliases = new Map<string, string[]>();
    for (const s of won)
      if (existing.has(s.alias))
        aliases.set(s.dataset, [...(aliases.get(s.dataset) ?? []), s.alias]);
    for (const k of keys) {
      const group = [canon(k), ...(aliases.get(canon(k)) ?? [])].filter((m) => m !== k);
      if (group.length > 0) out.set(k, group);
    }
    return out;
  };

  return { ownerOf, aliasesOf, mates };
};
