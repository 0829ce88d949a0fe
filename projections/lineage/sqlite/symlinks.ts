import type { Database } from 'better-sqlite3';
import type { DatasetRef, LineageChange } from '../ports.js';

type Declared = Extract<LineageChange, { kind: 'symlinksDeclared' }>;
type AliasRow = { alias_namespace: string; alias_name: string };

/**
 * Writes `symlinksDeclared` (call inside the batch's transaction, with the dataset's id): every
 * dataset's current claims, each with its `eventTime` and a sequence number in log order, and `won`
 * on the claim that names a dataset for its alias (latest `eventTime`, then latest in the log).
 */
export const createSymlinkWriter = (db: Database) => {
  const declaredAt = db.prepare<[number], { at: string | null }>(
    'SELECT symlinks_at AS at FROM lineage_datasets WHERE id = ?',
  );
  const setDeclaredAt = db.prepare<[string, number]>(
    'UPDATE lineage_datasets SET symlinks_at = ? WHERE id = ?',
  );
  const claims = db.prepare<[number], AliasRow>(
    'SELECT alias_namespace, alias_name FROM lineage_symlinks WHERE dataset_id = ?',
  );
  const dropClaims = db.prepare<[number]>('DELETE FROM lineage_symlinks WHERE dataset_id = ?');
  const nextSeq = db.prepare<[], { seq: number }>(
    'SELECT coalesce(max(seq), 0) + 1 AS seq FROM lineage_symlinks',
  );
  const claim = db.prepare<[string, string, number, string, number]>(
    'INSERT INTO lineage_symlinks (alias_namespace, alias_name, dataset_id, declared_at, seq, won) VALUES (?, ?, ?, ?, ?, 0)',
  );
  const elect = db.prepare<{ ns: string; name: string }>(
    `UPDATE lineage_symlinks SET won = (seq = (SELECT seq FROM lineage_symlinks
       WHERE alias_namespace = @ns AND alias_name = @name ORDER BY declared_at DESC, seq DESC LIMIT 1))
     WHERE alias_namespace = @ns AND alias_name = @name`,
  );

  return (datasetId: number, c: Declared): void => {
    const current = declaredAt.get(datasetId)?.at ?? null;
    if (current !== null && c.at < current) return;
    setDeclaredAt.run(c.at, datasetId);
    const affected = new Map<string, { ns: string; name: string }>();
    const note = (ns: string, name: string) =>
      affected.set(JSON.stringify([ns, name]), { ns, name });
    for (const r of claims.all(datasetId)) note(r.alias_namespace, r.alias_name);
    const seq = nextSeq.get()!.seq;
    dropClaims.run(datasetId);
    for (const a of c.symlinks) {
      claim.run(a.namespace, a.name, datasetId, c.at, seq);
      note(a.namespace, a.name);
    }
    for (const a of affected.values()) elect.run(a);
  };
};

/**
 * Alias resolution for reads. A dataset's group is itself and the datasets named by the aliases it
 * won; `mates` gives, for datasets, the other members of their group, so a walk reaching one
 * reaches them all.
 */
export const createSymlinkReader = (db: Database) => {
  const any = db.prepare<[], { x: number }>('SELECT 1 AS x FROM lineage_symlinks LIMIT 1');
  const owner = db.prepare<{ ns: string; name: string }, { id: number }>(
    `SELECT dataset_id AS id FROM lineage_symlinks WHERE alias_namespace = @ns AND alias_name = @name AND won = 1
     AND NOT EXISTS (SELECT 1 FROM lineage_datasets d JOIN lineage_symlinks own ON own.dataset_id = d.id
       WHERE d.namespace = @ns AND d.name = @name)`,
  );
  const aliases = db.prepare<[number], DatasetRef>(
    `SELECT alias_namespace AS namespace, alias_name AS name FROM lineage_symlinks
     WHERE dataset_id = ? AND won = 1 ORDER BY alias_namespace, alias_name`,
  );
  const matesOf = db.prepare<{ ids: string; seenOnly: number }, { id: number; mate: number }>(
    `WITH f(id) AS (SELECT DISTINCT value FROM json_each(@ids)),
     canon(id, c) AS (SELECT f.id, coalesce((SELECT s.dataset_id FROM lineage_datasets x
       JOIN lineage_symlinks s ON s.alias_namespace = x.namespace AND s.alias_name = x.name AND s.won = 1
       WHERE x.id = f.id), f.id) FROM f)
     SELECT id, c AS mate FROM canon WHERE c <> id
     UNION
     SELECT canon.id, d.id FROM canon
       JOIN lineage_symlinks s ON s.dataset_id = canon.c AND s.won = 1
       JOIN lineage_datasets d ON d.namespace = s.alias_namespace AND d.name = s.alias_name
     WHERE d.id <> canon.id AND (@seenOnly = 0 OR d.first_seen IS NOT NULL)`,
  );

  /**
   * The dataset this name stands for when it is not the one so named: the dataset that won it as an
   * alias, unless the dataset of that name gives itself other names (see `LineageReadModel`).
   */
  const ownerOf = (ref: DatasetRef): number | undefined =>
    owner.get({ ns: ref.namespace, name: ref.name })?.id;

  /** The names a dataset won as aliases, sorted. */
  const aliasesOf = (datasetId: number): DatasetRef[] => aliases.all(datasetId);

  /**
   * Dataset id → the other datasets of its group, for those that have any; with `seenOnly`, not
   * those known only from a classification (they have no edges: walks skip them, tags do not).
   */
  const mates = (datasetIds: readonly number[], seenOnly = false): Map<number, number[]> => {
    const out = new Map<number, number[]>();
    if (datasetIds.length === 0 || !any.get()) return out;
    const ids = JSON.stringify(datasetIds);
    for (const { id, mate } of matesOf.iterate({ ids, seenOnly: seenOnly ? 1 : 0 })) {
      const list = out.get(id);
      if (list) list.push(mate);
      else out.set(id, [mate]);
    }
    return out;
  };

  return { ownerOf, aliasesOf, mates };
};
