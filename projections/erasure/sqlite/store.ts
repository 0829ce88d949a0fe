import type { SharedTransaction } from '../../runner.js';
import { promised, sqliteProjectionStore } from '../../sqlite/projection-store.js';
import type { Database } from 'better-sqlite3';
import { erasureCasesName, evolveCaseView } from '../evolve.js';
import type {
  ClassifiedDataset,
  ErasureCaseQuery,
  ErasureCaseSummary,
  ErasureCaseView,
  ErasureChange,
  ErasureStore,
} from '../ports.js';
import { erasureSchema } from './schema.js';

export interface SqliteErasureStoreDeps {
  /** The read-model database shared by all projections. */
  readonly db: Database;
  /** Checkpoint name; defaults to the projection's name. */
  readonly name?: string;
  /** The clock `overdue` is computed against; defaults to the system clock. */
  readonly now?: () => Date;
}

interface CaseRow {
  doc: string;
}

/**
 * Erasure cases and the PII-tagged datasets in the embedded SQLite read-model database. `apply`
 * writes a batch and the checkpoint in one transaction and skips a batch at or below the checkpoint.
 */
export const createSqliteErasureStore = ({
  db,
  name = erasureCasesName,
  now = () => new Date(),
}: SqliteErasureStoreDeps): ErasureStore & {
  readonly shared: SharedTransaction<ErasureChange>;
} => {
  db.exec(erasureSchema);
  const load = db.prepare<[string], CaseRow>('SELECT doc FROM erasure_cases WHERE case_id = ?');
  const openOfSubject = db.prepare<[string], { case_id: string }>(
    'SELECT case_id FROM erasure_cases WHERE subject = ? AND certified = 0',
  );
  const save =
    db.prepare(`INSERT INTO erasure_cases (case_id, subject, status, certified, due_ms, doc)
    VALUES (@caseId, @subject, @status, @certified, @dueMs, @doc)
    ON CONFLICT (case_id) DO UPDATE SET status = excluded.status, certified = excluded.certified, due_ms = excluded.due_ms, doc = excluded.doc`);
  const setTags =
    db.prepare(`INSERT INTO erasure_pii (namespace, name, field, source, tags) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT DO UPDATE SET tags = excluded.tags`);
  const clearTags = db.prepare(
    'DELETE FROM erasure_pii WHERE namespace = ? AND name = ? AND field = ? AND source = ?',
  );
  const clearFacetTags = db.prepare(
    "DELETE FROM erasure_pii WHERE namespace = ? AND name = ? AND source = 'facet'",
  );
  const facetTags = db.prepare<[string, string, string], { tags: string }>(
    "SELECT tags FROM erasure_pii WHERE namespace = ? AND name = ? AND field = ? AND source = 'facet'",
  );
  const allTags = db.prepare<[], { namespace: string; name: string; field: string; tags: string }>(
    'SELECT namespace, name, field, tags FROM erasure_pii ORDER BY namespace, name, field',
  );
  const openCount = db.prepare<[], { n: number }>(
    'SELECT COUNT(*) AS n FROM erasure_cases WHERE certified = 0',
  );

  const viewOf = (caseId: string): ErasureCaseView | null => {
    const row = load.get(caseId);
    return row ? (JSON.parse(row.doc) as ErasureCaseView) : null;
  };
  const fold = (caseId: string, change: Extract<ErasureChange, { event: unknown }>): void => {
    const view = evolveCaseView(viewOf(caseId), change.event, change.ref);
    if (!view) return;
    save.run({
      caseId: view.caseId,
      subject: view.subject,
      status: view.status,
      certified: view.status === 'certified' ? 1 : 0,
      dueMs: Date.parse(view.dueAt),
      doc: JSON.stringify(view),
    });
  };

  const applyOne = (c: ErasureChange): void => {
    switch (c.kind) {
      case 'caseEvent':
        fold(c.caseId, c);
        return;
      case 'subjectKeysDestroyed':
        for (const { case_id } of openOfSubject.all(c.subject)) fold(case_id, c);
        return;
      case 'piiClassified': {
        const field = c.field ?? '';
        if (c.tags.length === 0)
          clearTags.run(c.dataset.namespace, c.dataset.name, field, 'classification');
        else
          setTags.run(
            c.dataset.namespace,
            c.dataset.name,
            field,
            'classification',
            JSON.stringify(c.tags),
          );
        return;
      }
      case 'piiTagsFaceted': {
        const { namespace, name } = c.dataset;
        if (c.mode === 'replace') clearFacetTags.run(namespace, name);
        const byField = new Map<string, Set<string>>();
        for (const t of c.tags) {
          const field = t.field ?? '';
          let tags = byField.get(field);
          if (!tags) {
            const stored = facetTags.get(namespace, name, field);
            byField.set(
              field,
              (tags = new Set(stored ? (JSON.parse(stored.tags) as string[]) : [])),
            );
          }
          tags.add(t.tag);
        }
        for (const [field, tags] of byField)
          setTags.run(namespace, name, field, 'facet', JSON.stringify([...tags]));
        return;
      }
    }
  };

  const projection = sqliteProjectionStore<ErasureChange>({
    db,
    name,
    write: (changes) => {
      changes.forEach(applyOne);
    },
    clear: () => {
      db.exec('DELETE FROM erasure_cases; DELETE FROM erasure_pii;');
    },
  });

  const summary = (view: ErasureCaseView, at: number): ErasureCaseSummary => ({
    ...view,
    overdue: view.status !== 'certified' && Date.parse(view.dueAt) < at,
  });

  const cases = (q: ErasureCaseQuery = {}): ErasureCaseSummary[] => {
    const conds: string[] = [];
    const params: Record<string, unknown> = {};
    if (q.status !== undefined) {
      conds.push('status = @status');
      params.status = q.status;
    }
    for (const [key, at] of [
      ['overdueAt', q.overdueAt],
      ['dueBefore', q.dueBefore],
    ] as const) {
      if (at === undefined) continue;
      if (Number.isNaN(at.getTime())) throw new RangeError(`${key} is not a valid date`);
      conds.push(`certified = 0 AND due_ms < @${key}`);
      params[key] = at.getTime();
    }
    const where = conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '';
    const at = now().getTime();
    return db
      .prepare<Record<string, unknown>, CaseRow>(
        `SELECT doc FROM erasure_cases ${where} ORDER BY due_ms, case_id`,
      )
      .all(params)
      .map((r) => summary(JSON.parse(r.doc) as ErasureCaseView, at));
  };

  const classifiedDatasets = (): ClassifiedDataset[] => {
    const byDataset = new Map<
      string,
      { namespace: string; name: string; tags: Set<string>; fields: Set<string> }
    >();
    for (const r of allTags.all()) {
      const key = JSON.stringify([r.namespace, r.name]);
      let d = byDataset.get(key);
      if (!d)
        byDataset.set(
          key,
          (d = { namespace: r.namespace, name: r.name, tags: new Set(), fields: new Set() }),
        );
      for (const t of JSON.parse(r.tags) as string[]) d.tags.add(t);
      if (r.field !== '') d.fields.add(r.field);
    }
    return [...byDataset.values()].map((d) => ({
      dataset: { namespace: d.namespace, name: d.name },
      tags: [...d.tags].sort(),
      fields: [...d.fields].sort(),
    }));
  };

  return {
    ...projection,
    case: (caseId) =>
      promised(() => {
        const view = viewOf(caseId);
        return view ? summary(view, now().getTime()) : null;
      }),
    cases: (query) => promised(() => cases(query)),
    openCount: () => promised(() => openCount.get()?.n ?? 0),
    classifiedDatasets: () => promised(classifiedDatasets),
  };
};
