import type { Actor } from '../../../domain/primitives.js';
import type { JsonDiffOp } from '../diff.js';
import type { ConfigHistoryEntry, ConfigKind, CurrentSetting } from '../ports.js';

/**
 * A history entry; `_id` is its log position. JSON values (before, after, diff) are stored as JSON
 * text: configuration keys such as `retention.ms` or `$schema` are not valid MongoDB field names
 * everywhere (FerretDB rejects some), and nothing queries inside them.
 */
export interface HistoryDoc {
  _id: number;
  position: number;
  eventId: string;
  time: string;
  timeMs: number;
  component: string;
  target: string;
  kind: string | null;
  beforeJson: string;
  afterJson: string;
  diffJson: string;
  actor: Actor;
  changeRef: string | null;
}

/** The current value of a setting; a removal leaves a tombstone so older changes cannot revive it. */
export interface CurrentDoc {
  _id: string;
  component: string;
  target: string;
  removed: boolean;
  kind: string | null;
  valueJson: string | null;
  position: number;
  time: string | null;
  actor: Actor | null;
  changeRef: string | null;
}

export const settingId = (component: string, target: string): string =>
  JSON.stringify([component, target]);

export const toHistoryDoc = (e: ConfigHistoryEntry): HistoryDoc => ({
  _id: e.position,
  position: e.position,
  eventId: e.eventId,
  time: e.time,
  timeMs: Date.parse(e.time),
  component: e.component,
  target: e.target,
  kind: e.kind,
  beforeJson: JSON.stringify(e.before),
  afterJson: JSON.stringify(e.after),
  diffJson: JSON.stringify(e.diff),
  actor: { principal: e.actor.principal, role: e.actor.role },
  changeRef: e.changeRef,
});

export const toEntry = (d: HistoryDoc): ConfigHistoryEntry => ({
  position: d.position,
  eventId: d.eventId,
  time: d.time,
  component: d.component,
  target: d.target,
  kind: d.kind as ConfigKind | null,
  before: JSON.parse(d.beforeJson) as unknown,
  after: JSON.parse(d.afterJson) as unknown,
  diff: JSON.parse(d.diffJson) as JsonDiffOp[],
  actor: d.actor,
  changeRef: d.changeRef,
});

/** `eventId`: that of the history entry at the setting's position. */
export const toSetting = (d: CurrentDoc, eventId: string): CurrentSetting => ({
  component: d.component,
  target: d.target,
  kind: d.kind as ConfigKind | null,
  value: JSON.parse(d.valueJson ?? 'null') as unknown,
  position: d.position,
  eventId,
  time: d.time ?? '',
  actor: d.actor ?? { principal: '', role: 'system' },
  changeRef: d.changeRef,
});
