import type { AuditEvent } from '../../domain/catalogue.js';
import type { Projection } from '../ports.js';
import { diffJson } from './diff.js';
import type { ConfigChange, ConfigHistoryEntry } from './ports.js';

export const configHistoryName = 'configHistory';

/** Configuration history with diffs, and the current value of every setting. */
export const configHistoryChanges = (event: AuditEvent, position: number): ConfigChange[] => {
  if (event.type !== 'ConfigChanged') return [];
  const d = event.data;
  const before = d.before ?? null;
  const after = d.after ?? null;
  const entry: ConfigHistoryEntry = {
    position,
    eventId: event.id,
    time: event.occurredAt,
    component: d.component,
    target: d.target,
    kind: d.kind ?? null,
    before,
    after,
    diff: diffJson(before, after),
    actor: event.actor,
    changeRef: d.changeRef ?? null,
  };
  const { component, target, kind, eventId, time, actor, changeRef } = entry;
  return [
    { kind: 'historyAppended', entry },
    after === null
      ? { kind: 'settingRemoved', component, target }
      : {
          kind: 'settingSet',
          setting: {
            component,
            target,
            kind,
            value: after,
            position,
            eventId,
            time,
            actor,
            changeRef,
          },
        },
  ];
};

export const configHistory: Projection<ConfigChange> = {
  name: configHistoryName,
  changesFor: configHistoryChanges,
};
