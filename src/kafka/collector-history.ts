import type {
  ConfigFilter,
  ConfigHistoryEntry,
  ConfigHistoryReadModel,
} from '../../projections/config/ports.js';
import { COLLECTOR_ACTOR, type RecordedSetting } from './collector.js';

/** History rows read at a time. */
const PAGE = 500;

const byCollector = (e: ConfigHistoryEntry): boolean =>
  e.actor.principal === COLLECTOR_ACTOR.principal && e.actor.role === COLLECTOR_ACTOR.role;

/** The collector's own history rows of `filter`, newest first. */
async function* ownRows(
  config: ConfigHistoryReadModel,
  filter: ConfigFilter,
): AsyncGenerator<ConfigHistoryEntry> {
  let after: string | undefined;
  for (;;) {
    const page = await config.configHistory({
      ...filter,
      first: PAGE,
      ...(after ? { after } : {}),
    });
    yield* page.rows.filter(byCollector);
    if (!page.hasNextPage || page.endCursor === null) return;
    after = page.endCursor;
  }
}

/**
 * The collector's `recorded` and `lastEventId`, read from the configuration-history read model and
 * from the collector's own events only. Other producers may record ConfigChanged events of the same
 * component (Terraform, say, for `topic/<name>`): those say what someone intended, not what the
 * collector found, so they neither seed it nor start its chains, and it never records a change
 * because of one.
 */
export const collectorHistory = (
  config: ConfigHistoryReadModel,
  component = 'kafka',
): {
  recorded: () => Promise<ReadonlyMap<string, RecordedSetting>>;
  lastEventId: (target: string) => Promise<string | null>;
} => ({
  recorded: async () => {
    const latest = new Map<string, RecordedSetting>();
    for await (const row of ownRows(config, { component })) {
      if (!latest.has(row.target))
        latest.set(row.target, { value: row.after, eventId: row.eventId });
    }
    return latest;
  },
  lastEventId: async (target) => {
    for await (const row of ownRows(config, { component, target })) return row.eventId;
    return null;
  },
});
