import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../domain/catalogue.js';
import { lineageGraphChanges, lineagePiiChanges } from '../../../projections/lineage/evolve.js';
import { datasetClassified, lineageRunEvent, recorded } from '../../support/events.js';
import { fixture, minute, runEvent } from './support.js';

const tagsFacet = (tags: { value: string; field?: string }[]) => ({
  _producer: 'https://example.org/tagger',
  _schemaURL: 'https://openlineage.io/spec/facets/1-0-0/TagsDatasetFacet.json',
  tags: tags.map((t) => ({ key: 'pii', source: 'USER', ...t })),
});

/** A run reading a tagged input and writing a tagged output with column lineage. */
const taggedRun = (eventTime: string): AuditEvent => {
  const event = runEvent({
    run: 1,
    job: 'enrich',
    at: eventTime,
    inputs: ['crm.customers', 'crm.plain'],
    outputs: ['mart.contacts'],
    columns: {
      'mart.contacts': [{ out: 'email', from: [{ dataset: 'crm.customers', field: 'email' }] }],
    },
  }) as { inputs: { facets?: object }[]; outputs: { facets?: object }[] };
  event.inputs[0]!.facets = { tags: tagsFacet([{ value: 'email', field: 'email' }]) };
  event.outputs[0]!.facets = { ...event.outputs[0]!.facets, tags: tagsFacet([{ value: 'true' }]) };
  return lineageRunEvent(event);
};

/** A tagged run stored before validation covered it: a column entry has no inputFields. */
const unreadableRun = (): AuditEvent => {
  const e = taggedRun(minute(4)) as unknown as {
    data: { event: { outputs: { facets: Record<string, unknown> }[] } };
  };
  e.data.event.outputs[0]!.facets.columnLineage = {
    _producer: 'https://example.org',
    _schemaURL: 'https://example.org/c',
    fields: { email: {} },
  };
  return e as unknown as AuditEvent;
};

const unknownKind = (): AuditEvent => {
  const e = taggedRun(minute(5)) as unknown as { data: { kind: string } };
  e.data.kind = 'FutureEvent';
  return e as unknown as AuditEvent;
};

const piiOfFullChanges = (e: AuditEvent) =>
  lineageGraphChanges(e).filter((c) => c.kind === 'piiClassified' || c.kind === 'piiTagsFaceted');

describe('the PII changes the erasure projection reads', () => {
  const cases: [string, AuditEvent][] = [
    ['a run with tagged inputs and outputs', taggedRun(minute(3))],
    [
      'an OpenLineage DatasetEvent with a tags facet',
      lineageRunEvent(fixture('dataset-event.json')),
    ],
    ['a JobEvent', lineageRunEvent(fixture('job-event.json'))],
    ['a run without tags', lineageRunEvent(fixture('run-complete.json'))],
    ['a classification', datasetClassified({ namespace: 'crm', name: 'customers' }, ['pii.email'])],
    ['a run whose eventTime cannot be read', taggedRun('yesterday')],
    ['a stored run the graph cannot read (column lineage without inputFields)', unreadableRun()],
    ['a stored event of an unknown kind', unknownKind()],
    [
      'an access event',
      recorded('AccessRecorded', {
        principal: 'alice',
        resource: 'kafka://main/orders',
        action: 'read',
        decision: 'allowed',
        mechanism: 'kafka-acl',
      }),
    ],
  ];

  it.each(cases)('are those of the lineage graph for %s', (_, event) => {
    expect(lineagePiiChanges(event)).toEqual(piiOfFullChanges(event));
  });

  it('let the writer’s facet (an output, a DatasetEvent) replace and a reader’s (an input) only add', () => {
    const run = (side: 'inputs' | 'outputs', tags: object[]) => {
      const e = runEvent({ run: 2, job: 'j', at: minute(1), [side]: ['users'] }) as Record<
        string,
        { facets?: object }[]
      >;
      e[side]![0]!.facets = { tags: { ...tagsFacet([]), tags } };
      return lineageRunEvent(e);
    };
    const pii = { key: 'pii', value: 'email', field: 'email' };
    const notPii = { key: 'PII', value: 'false' };
    const owner = { key: 'owner', value: 'crm-team' };
    const modes = (e: AuditEvent) =>
      lineagePiiChanges(e).map((c) => (c.kind === 'piiTagsFaceted' ? [c.mode, c.tags] : c.kind));
    const email = [{ field: 'email', tag: 'pii:email' }];
    expect(modes(run('outputs', [pii, owner]))).toEqual([['replace', email]]);
    expect(modes(run('outputs', [notPii]))).toEqual([['replace', []]]);
    expect(modes(run('outputs', [owner]))).toEqual([]);
    expect(modes(run('inputs', [pii, owner]))).toEqual([['add', email]]);
    expect(modes(run('inputs', [notPii, owner]))).toEqual([]);
    expect(modes(lineageRunEvent(fixture('dataset-event.json')))).toEqual([
      ['replace', expect.any(Array)],
    ]);
  });

  it('find the tags of both sides of a run', () => {
    expect(lineagePiiChanges(taggedRun(minute(3))).map((c) => c.dataset.name)).toEqual([
      'crm.customers',
      'mart.contacts',
    ]);
  });
});
