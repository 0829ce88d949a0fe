import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { describeIssues, validateOpenLineage } from '../../../domain/openlineage.js';
import { fixture, producer, runEvent, uuidOf } from './support.js';

const issuesOf = (input: unknown): string[] => {
  const r = validateOpenLineage(input);
  return r.ok ? [] : describeIssues(r.error);
};

const base = {
  eventTime: '2026-01-01T00:00:00Z',
  producer,
  schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json',
};

describe('validateOpenLineage', () => {
  it.each([
    ['run-start.json', 'RunEvent'],
    ['run-complete.json', 'RunEvent'],
    ['dataset-event.json', 'DatasetEvent'],
    ['job-event.json', 'JobEvent'],
  ])('accepts the spec example %s as a %s', (file, kind) => {
    const r = validateOpenLineage(fixture(file));
    expect(r).toEqual({ ok: true, value: { kind, event: fixture(file) } });
  });

  it.each([
    ['missing-run-id.json', '/run/runId: is required'],
    [
      'bad-event-type.json',
      '/eventType: must be one of START, RUNNING, COMPLETE, FAIL, ABORT, OTHER',
    ],
    ['bad-uuid.json', '/run/runId: must be a UUID'],
    ['missing-producer.json', '/producer: is required'],
  ])('refuses %s naming the field', (file, issue) => {
    expect(issuesOf(fixture(`invalid/${file}`))).toEqual([issue]);
  });

  it('names every bad field of the base event', () => {
    expect(
      issuesOf({
        ...base,
        eventTime: 'yesterday',
        producer: 'not a uri',
        schemaURL: 42,
        dataset: { namespace: 'n', name: 'd' },
      }),
    ).toEqual([
      '/eventTime: must be an RFC 3339 date-time with a time zone offset',
      '/producer: must be a URI',
      '/schemaURL: must be a URI',
    ]);
    const dataset = { namespace: 'n', name: 'd' };
    for (const eventTime of [
      '2026-02-30T00:00:00Z',
      '2026-01-01T00:00:00',
      '2026-01-01',
      '2026-01-01T24:00:00Z',
      '0100-02-29T00:00:00Z',
    ]) {
      expect(issuesOf({ ...base, eventTime, dataset })).toEqual([
        '/eventTime: must be an RFC 3339 date-time with a time zone offset',
      ]);
    }
    expect(
      issuesOf({ ...base, eventTime: '2028-02-29T23:59:59.123456789-05:00', dataset }),
    ).toEqual([]);
    // Year 0 is a leap year (1900, which Date.UTC takes it for, is not).
    expect(issuesOf({ ...base, eventTime: '0000-02-29T00:00:00Z', dataset })).toEqual([]);
  });

  it('requires schemaURL, run, job and their names', () => {
    const noSchema = { eventTime: base.eventTime, producer: base.producer };
    expect(issuesOf({ ...noSchema, dataset: { namespace: 'n', name: 'd' } })).toEqual([
      '/schemaURL: is required',
    ]);
    expect(issuesOf({ ...base, eventType: 'START', job: { namespace: 'n', name: 'j' } })).toEqual([
      '/run: is required',
    ]);
    expect(issuesOf({ ...base, run: { runId: uuidOf(1) }, job: { namespace: '' } })).toEqual([
      '/job/namespace: must be a non-empty string',
      '/job/name: is required',
    ]);
    expect(issuesOf({ ...base })).toEqual([
      '/: must be a RunEvent (run, job), a DatasetEvent (dataset) or a JobEvent (job)',
    ]);
    expect(issuesOf([])).toEqual(['/: must be an object']);
  });

  it('uses the schemaURL fragment to tell the kind', () => {
    expect(
      issuesOf({
        ...base,
        schemaURL: `${base.schemaURL}#/$defs/DatasetEvent`,
        run: { runId: uuidOf(1) },
      }),
    ).toEqual(['/dataset: is required']);
  });

  it('accepts RUNNING, unknown facets and extra properties', () => {
    const e: Record<string, unknown> = {
      ...runEvent({
        run: 1,
        job: 'j',
        at: '2026-01-01T00:00:00+02:00',
        eventType: 'RUNNING',
        inputs: ['a'],
      }),
      extra: true,
    };
    (e.run as Record<string, unknown>).facets = {
      custom_facet: { anything: [1, 2] },
      spark_version: { _producer: producer },
    };
    expect(validateOpenLineage(e).ok).toBe(true);
  });

  it('type-checks the facets the lineage graph reads, naming the path', () => {
    const out = (facets: unknown) => ({
      ...base,
      run: { runId: uuidOf(1) },
      job: { namespace: 'n', name: 'j' },
      outputs: [{ namespace: 'n', name: 'o', facets }],
    });
    expect(
      issuesOf(
        out({
          schema: {
            fields: [{ name: 'a' }, { type: 'INT' }, { name: 's', fields: [{ name: 1 }] }],
          },
        }),
      ),
    ).toEqual([
      '/outputs/0/facets/schema/fields/1/name: is required',
      '/outputs/0/facets/schema/fields/2/fields/0/name: must be a string',
    ]);
    expect(
      issuesOf(
        out({
          columnLineage: {
            fields: {
              'a/b': {
                inputFields: [
                  { namespace: 'n', name: 'i', field: 'x', transformations: [{ type: 'COPY' }] },
                ],
              },
              c: { inputFields: [{ namespace: 'n', name: 'i' }] },
              d: {},
            },
            dataset: [{ namespace: 'n', name: 'i', field: 3 }],
          },
        }),
      ),
    ).toEqual([
      '/outputs/0/facets/columnLineage/fields/a~1b/inputFields/0/transformations/0/type: must be one of DIRECT, INDIRECT',
      '/outputs/0/facets/columnLineage/fields/c/inputFields/0/field: is required',
      '/outputs/0/facets/columnLineage/fields/d/inputFields: is required',
      '/outputs/0/facets/columnLineage/dataset/0/field: must be a non-empty string',
    ]);
    expect(issuesOf(out({ columnLineage: {} }))).toEqual([
      '/outputs/0/facets/columnLineage/fields: is required',
    ]);
    expect(issuesOf(out({ dataSource: { uri: 'no uri' } }))).toEqual([
      '/outputs/0/facets/dataSource/uri: must be a URI',
    ]);
    expect(issuesOf(out({ tags: { tags: [{ key: 'pii' }] } }))).toEqual([
      '/outputs/0/facets/tags/tags/0/value: is required',
    ]);
    expect(issuesOf(out({ schema: 'x', other: { _schemaURL: 'nope' } }))).toEqual([
      '/outputs/0/facets/schema: must be an object',
      '/outputs/0/facets/other/_schemaURL: must be a URI',
    ]);
  });

  it('accepts a deleted dataset facet without its body, and type-checks one that is not deleted', () => {
    const deleted = { _producer: producer, _schemaURL: producer, _deleted: true };
    const io = (facets: unknown) => ({
      ...base,
      run: { runId: uuidOf(1) },
      job: { namespace: 'n', name: 'j', facets: { sql: deleted } },
      inputs: [{ namespace: 'n', name: 'i', facets }],
      outputs: [{ namespace: 'n', name: 'o', facets }],
    });
    expect(
      issuesOf(io({ columnLineage: deleted, schema: deleted, dataSource: deleted, tags: deleted })),
    ).toEqual([]);
    expect(issuesOf(io({ columnLineage: { ...deleted, _deleted: false } }))).toEqual([
      '/inputs/0/facets/columnLineage/fields: is required',
      '/outputs/0/facets/columnLineage/fields: is required',
    ]);
    expect(issuesOf(io({ schema: { _deleted: 'yes' } }))).toEqual([
      '/inputs/0/facets/schema/_deleted: must be a boolean',
      '/outputs/0/facets/schema/_deleted: must be a boolean',
    ]);
    expect(
      issuesOf({
        ...base,
        schemaURL: `${base.schemaURL}#/$defs/DatasetEvent`,
        dataset: { namespace: 'n', name: 'd', facets: { schema: { _deleted: true } } },
      }),
    ).toEqual([]);
  });

  it('checks the parent run facet', () => {
    const e = runEvent({ run: 1, job: 'j', at: base.eventTime });
    (e.run as Record<string, unknown>).facets = {
      parent: { run: { runId: 'x' }, job: { namespace: 'n' } },
    };
    expect(issuesOf(e)).toEqual([
      '/run/facets/parent/run/runId: must be a UUID',
      '/run/facets/parent/job/name: is required',
    ]);
  });

  it('accepts any well-formed run event and refuses it once a required field is removed', () => {
    const name = fc.string({ minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.constantFrom('START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER', undefined),
        fc.array(fc.record({ namespace: name, name }), { maxLength: 3 }),
        fc.constantFrom('eventTime', 'producer', 'schemaURL', 'run', 'job'),
        (runId, eventType, inputs, drop) => {
          const e: Record<string, unknown> = {
            ...base,
            schemaURL: `${base.schemaURL}#/$defs/RunEvent`,
            run: { runId },
            job: { namespace: 'n', name: 'j' },
            inputs,
            ...(eventType ? { eventType } : {}),
          };
          expect(validateOpenLineage(e).ok).toBe(true);
          const issues = issuesOf(
            Object.fromEntries(Object.entries(e).filter(([k]) => k !== drop)),
          );
          expect(issues).toContain(`/${drop}: is required`);
        },
      ),
    );
  });
});
