import { allSettledOrThrow } from '../../interrupted-reset.js';
import type { AnyBulkWriteOperation, Db, Filter } from 'mongodb';
import { mongoCheckpoint } from '../../config/mongo/checkpoint.js';
import { ignoringDuplicates } from '../../config/mongo/errors.js';
import { ensureNamedIndexes } from '../../config/mongo/indexes.js';
import { erasureCasesName, evolveCaseView } from '../evolve.js';
import type {
  ClassifiedDataset,
  ErasureCaseQuery,
  ErasureCaseSummary,
  ErasureCaseView,
  ErasureChange,
  ErasureStore,
} from '../ports.js';
import { caseFields, piiId, viewOf, type CaseDoc, type PiiDoc } from './documents.js';

export interface MongoErasureStoreDeps {
  readonly db: Db;
  /** Checkpoint name; defaults to the projection's name. */
  readonly name?: string;
  /** The clock `overdue` is computed against; defaults to the system clock. */
  readonly now?: () => Date;
}

/** The erasure store, plus creation of the indexes its queries use (also done on first use). */
export interface MongoErasureStore extends ErasureStore {
  ensureIndexes(): Promise<void>;
}

type CaseChange = Extract<ErasureChange, { kind: 'caseEvent' | 'subjectKeysDestroyed' }>;
type PiiEntry = Omit<PiiDoc, '_id' | 'live' | 'position'>;

const datasetKey = (namespace: string, name: string): string => JSON.stringify([namespace, name]);

/**
 * Erasure cases and PII-tagged datasets in MongoDB (FerretDB 1.24 compatible: no transactions, no
 * $lookup). Collections `erasure_cases` (one document per case) and `erasure_pii` (one per dataset,
 * column and tag source); the checkpoint lives in `projection_checkpoints`. A batch is folded in
 * memory, then each touched document is written once, guarded by the batch position (a document
 * already written at this or a later position is left alone), then the checkpoint advances: a batch
 * replayed after a crash, or one at or below the checkpoint, changes nothing.
 */
export const createMongoErasureStore = ({
  db,
  name = erasureCasesName,
  now = () => new Date(),
}: MongoErasureStoreDeps): MongoErasureStore => {
  const casesColl = db.collection<CaseDoc>('erasure_cases');
  const pii = db.collection<PiiDoc>('erasure_pii');
  const cp = mongoCheckpoint(db, name, async () => {
    await allSettledOrThrow([casesColl.deleteMany({}), pii.deleteMany({})]);
  });

  let indexes: Promise<void> | undefined;
  const ensureIndexes = (): Promise<void> => {
    indexes ??= (async () => {
      await ensureNamedIndexes(casesColl, [
        { key: { certified: 1, dueMs: 1 }, name: 'open_by_due' },
        { key: { status: 1, dueMs: 1 }, name: 'by_status_due' },
        { key: { subject: 1, certified: 1 }, name: 'by_subject' },
        { key: { dueMs: 1, _id: 1 }, name: 'by_due' },
      ]);
      await ensureNamedIndexes(pii, [
        { key: { namespace: 1, name: 1, source: 1 }, name: 'by_dataset_source' },
        { key: { live: 1, namespace: 1, name: 1, field: 1 }, name: 'live_by_dataset' },
      ]);
    })().catch((error: unknown) => {
      indexes = undefined;
      throw error;
    });
    return indexes;
  };

  const caseWrites = async (
    changes: readonly CaseChange[],
    position: number,
  ): Promise<AnyBulkWriteOperation<CaseDoc>[]> => {
    const ids = [...new Set(changes.flatMap((c) => (c.kind === 'caseEvent' ? [c.caseId] : [])))];
    const subjects = [
      ...new Set(changes.flatMap((c) => (c.kind === 'subjectKeysDestroyed' ? [c.subject] : []))),
    ];
    const [byId, bySubject] = await Promise.all([
      ids.length > 0 ? casesColl.find({ _id: { $in: ids } }).toArray() : [],
      subjects.length > 0
        ? casesColl.find({ subject: { $in: subjects }, certified: false }).toArray()
        : [],
    ]);
    const views = new Map<string, ErasureCaseView>(
      [...byId, ...bySubject].map((d) => [d._id, viewOf(d)]),
    );
    const touched = new Set<string>();
    const fold = (caseId: string, c: CaseChange): void => {
      const before = views.get(caseId) ?? null;
      const after = evolveCaseView(before, c.event, c.ref);
      if (after === null || after === before) return;
      views.set(caseId, after);
      touched.add(caseId);
    };
    for (const c of changes) {
      if (c.kind === 'caseEvent') fold(c.caseId, c);
      else
        for (const [caseId, v] of [...views])
          if (v.subject === c.subject && v.status !== 'certified') fold(caseId, c);
    }
    return [...touched].map((caseId) => ({
      updateOne: {
        filter: { _id: caseId, position: { $lt: position } },
        update: { $set: { ...caseFields(views.get(caseId)!), position } },
        upsert: true,
      },
    }));
  };

  const piiWrites = async (
    changes: readonly ErasureChange[],
    position: number,
  ): Promise<AnyBulkWriteOperation<PiiDoc>[]> => {
    const faceted = new Map(
      changes.flatMap((c) =>
        c.kind === 'piiTagsFaceted'
          ? [[datasetKey(c.dataset.namespace, c.dataset.name), c.dataset] as const]
          : [],
      ),
    );
    const stored = (
      await Promise.all(
        [...faceted.values()].map((d) =>
          pii.find({ namespace: d.namespace, name: d.name, source: 'facet', live: true }).toArray(),
        ),
      )
    ).flat();
    const facetRows: PiiEntry[] = stored.map(({ namespace, name, field, source, tags }) => ({
      namespace,
      name,
      field,
      source,
      tags,
    }));
    const entries = new Map<string, PiiEntry>();
    const put = (e: PiiEntry): void => {
      entries.set(piiId(e.namespace, e.name, e.field, e.source), e);
    };
    /** A column's facet tags as the batch has left them so far. */
    const current = (namespace: string, name: string, field: string): readonly string[] => {
      const id = piiId(namespace, name, field, 'facet');
      return (
        entries.get(id)?.tags ??
        facetRows.find((e) => piiId(e.namespace, e.name, e.field, e.source) === id)?.tags ??
        []
      );
    };
    for (const c of changes) {
      if (c.kind === 'piiClassified') {
        const { namespace, name } = c.dataset;
        put({ namespace, name, field: c.field ?? '', source: 'classification', tags: [...c.tags] });
      } else if (c.kind === 'piiTagsFaceted') {
        const { namespace, name } = c.dataset;
        if (c.mode === 'replace')
          for (const e of [...facetRows, ...entries.values()])
            if (e.source === 'facet' && e.namespace === namespace && e.name === name)
              put({ ...e, tags: [] });
        const byField = new Map<string, Set<string>>();
        for (const t of c.tags) {
          const field = t.field ?? '';
          let tags = byField.get(field);
          if (!tags) byField.set(field, (tags = new Set(current(namespace, name, field))));
          tags.add(t.tag);
        }
        for (const [field, tags] of byField)
          put({ namespace, name, field, source: 'facet', tags: [...tags] });
      }
    }
    return [...entries].map(([_id, e]) => ({
      updateOne: {
        filter: { _id, position: { $lt: position } },
        update: { $set: { ...e, live: e.tags.length > 0, position } },
        upsert: true,
      },
    }));
  };

  const apply = async (changes: readonly ErasureChange[], position: number): Promise<void> => {
    await ensureIndexes();
    if (position <= (await cp.read())) return;
    const caseChanges = changes.filter(
      (c): c is CaseChange => c.kind === 'caseEvent' || c.kind === 'subjectKeysDestroyed',
    );
    const [toCases, toPii] = await Promise.all([
      caseWrites(caseChanges, position),
      piiWrites(changes, position),
    ]);
    if (toCases.length > 0)
      await ignoringDuplicates(() => casesColl.bulkWrite(toCases, { ordered: false }));
    if (toPii.length > 0) await ignoringDuplicates(() => pii.bulkWrite(toPii, { ordered: false }));
    await cp.advance(position);
  };

  const summary = (view: ErasureCaseView, at: number): ErasureCaseSummary => ({
    ...view,
    overdue: view.status !== 'certified' && Date.parse(view.dueAt) < at,
  });

  const cases = async (q: ErasureCaseQuery = {}): Promise<ErasureCaseSummary[]> => {
    const filter: Filter<CaseDoc> = q.status === undefined ? {} : { status: q.status };
    const bounds: number[] = [];
    for (const [key, at] of [
      ['overdueAt', q.overdueAt],
      ['dueBefore', q.dueBefore],
    ] as const) {
      if (at === undefined) continue;
      if (Number.isNaN(at.getTime())) throw new RangeError(`${key} is not a valid date`);
      bounds.push(at.getTime());
    }
    if (bounds.length > 0) {
      filter.certified = false;
      filter.dueMs = { $lt: Math.min(...bounds) };
    }
    const docs = await casesColl.find(filter).sort({ dueMs: 1, _id: 1 }).toArray();
    const at = now().getTime();
    return docs.map((d) => summary(viewOf(d), at));
  };

  const classifiedDatasets = async (): Promise<ClassifiedDataset[]> => {
    const docs = await pii.find({ live: true }).sort({ namespace: 1, name: 1, field: 1 }).toArray();
    const byDataset = new Map<
      string,
      { namespace: string; name: string; tags: Set<string>; fields: Set<string> }
    >();
    for (const r of docs) {
      const key = datasetKey(r.namespace, r.name);
      let d = byDataset.get(key);
      if (!d)
        byDataset.set(
          key,
          (d = { namespace: r.namespace, name: r.name, tags: new Set(), fields: new Set() }),
        );
      for (const t of r.tags) d.tags.add(t);
      if (r.field !== '') d.fields.add(r.field);
    }
    return [...byDataset.values()].map((d) => ({
      dataset: { namespace: d.namespace, name: d.name },
      tags: [...d.tags].sort(),
      fields: [...d.fields].sort(),
    }));
  };

  return {
    ensureIndexes,
    checkpoint: async () => {
      await ensureIndexes();
      return cp.read();
    },
    apply,
    reset: cp.reset,
    case: async (caseId) => {
      const doc = await casesColl.findOne({ _id: caseId });
      return doc ? summary(viewOf(doc), now().getTime()) : null;
    },
    cases,
    openCount: () => casesColl.countDocuments({ certified: false }),
    classifiedDatasets,
  };
};
