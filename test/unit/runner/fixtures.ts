import type { Database } from 'better-sqlite3';
import type { AuditEvent } from '../../../domain/catalogue.js';
import type { Projection, ProjectionStore } from '../../../projections/ports.js';
import { recorded, subjectId } from '../../support/events.js';

/** Alternating access and config events, `n` of them, with distinct times. */
export const someEvents = (n: number, offset = 0): AuditEvent[] =>
  Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const occurredAt = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString();
    return i % 2 === 0
      ? recorded(
          'AccessRecorded',
          {
            principal: `p${i % 3}`,
            resource: `kafka://main/t${i % 4}`,
            action: 'read',
            decision: i % 5 ? 'allowed' : 'denied',
            mechanism: 'kafka-acl',
          },
          { occurredAt, subjects: [subjectId(`s${i % 3}`)] },
        )
      : recorded(
          'ConfigChanged',
          { component: `c${i % 3}`, target: 'x', before: i - 2, after: i % 7 ? i : null },
          { occurredAt },
        );
  });

/** A store that records every event it is given, with no de-duplication, to expose repeats. */
export const createTallyStore = (
  db: Database,
): ProjectionStore<number> & { applied(): number[] } => {
  db.exec(`CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS tally (position INTEGER NOT NULL)`);
  const checkpoint = (): number =>
    (
      db.prepare("SELECT position FROM projection_checkpoints WHERE name = 'tally'").get() as
        { position: number } | undefined
    )?.position ?? -1;
  const apply = db.transaction((changes: readonly number[], position: number) => {
    if (position <= checkpoint()) return;
    for (const p of changes) {
      if (p < 0) throw new Error('poison');
      db.prepare('INSERT INTO tally (position) VALUES (?)').run(p);
    }
    db.prepare(
      "INSERT INTO projection_checkpoints VALUES ('tally', ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position",
    ).run(position);
  });
  return {
    checkpoint: () => Promise.resolve(checkpoint()),
    apply: (changes, position) =>
      new Promise((resolve) => {
        apply(changes, position);
        resolve();
      }),
    reset: () => {
      db.exec("DELETE FROM tally; DELETE FROM projection_checkpoints WHERE name = 'tally'");
      return Promise.resolve();
    },
    applied: () =>
      (db.prepare('SELECT position FROM tally ORDER BY rowid').all() as { position: number }[]).map(
        (r) => r.position,
      ),
  };
};

/** Emits each event's position; a position in `poison` becomes a change the tally store rejects. */
export const tally = (poison: ReadonlySet<number> = new Set()): Projection<number> => ({
  name: 'tally',
  changesFor: (_e, position) => [poison.has(position) ? -1 : position],
});
