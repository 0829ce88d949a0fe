import type { ConfigKinds } from '../../domain/events/config.js';
import type { Actor } from '../../domain/primitives.js';
import type { ProjectionStore } from '../ports.js';
import type { JsonDiffOp } from './diff.js';

export type ConfigKind = (typeof ConfigKinds)[number];

/** One change of one setting, with its computed diff. */
export interface ConfigHistoryEntry {
  readonly position: number;
  readonly eventId: string;
  /** `occurredAt` of the event. */
  readonly time: string;
  readonly component: string;
  readonly target: string;
  readonly kind: ConfigKind | null;
  readonly before: unknown;
  readonly after: unknown;
  readonly diff: readonly JsonDiffOp[];
  readonly actor: Actor;
  readonly changeRef: string | null;
}

/** The value a setting has now: the `after` of its latest change. */
export interface CurrentSetting {
  readonly component: string;
  readonly target: string;
  readonly kind: ConfigKind | null;
  readonly value: unknown;
  readonly position: number;
  /** Id of the event of that latest change. */
  readonly eventId: string;
  readonly time: string;
  readonly actor: Actor;
  readonly changeRef: string | null;
}

/** What the configuration-history projection asks a store to do. */
export type ConfigChange =
  | { readonly kind: 'historyAppended'; readonly entry: ConfigHistoryEntry }
  | { readonly kind: 'settingSet'; readonly setting: CurrentSetting }
  | { readonly kind: 'settingRemoved'; readonly component: string; readonly target: string };

/** Which settings to look at; both optional, so an empty filter means every setting. */
export interface ConfigFilter {
  readonly component?: string;
  readonly target?: string;
}

/** A history lookup, newest (highest log position) first; `after` is the previous page's `endCursor`. */
export interface ConfigHistoryQuery extends ConfigFilter {
  readonly first: number;
  readonly after?: string;
}

/** A Relay-style page. `endCursor` is null when the page is empty. */
export interface ConfigPage {
  readonly rows: readonly ConfigHistoryEntry[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
}

/**
 * Who changed which setting, from what to what, and what every setting is now.
 * Invalid arguments (`first`, cursor) reject with a `RangeError`.
 */
export interface ConfigHistoryReadModel {
  configHistory(query: ConfigHistoryQuery): Promise<ConfigPage>;
  /** Current settings, ordered by component then target; removed settings are absent. */
  currentConfig(filter: ConfigFilter): Promise<CurrentSetting[]>;
}

/** What every configuration-history adapter returns: the projection store and the read model over it. */
export type ConfigHistoryStore = ProjectionStore<ConfigChange> & ConfigHistoryReadModel;
