import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventTypes } from '../../../domain/catalogue.js';
import { validateOpenLineage } from '../../../domain/openlineage.js';
import { validateNewEvent } from '../../../domain/validation.js';

const valid = JSON.parse(
  readFileSync(new URL('../../fixtures/events/valid.json', import.meta.url), 'utf8'),
) as Record<string, unknown>[];
const clone = <T>(x: T): T => structuredClone(x);
const example = (type: string): Record<string, unknown> =>
  clone(valid.find((e) => e.type === type)!);

const firstIssue = (input: unknown): string => {
  const r = validateNewEvent(input);
  if (r.ok) throw new Error('expected the event to be refused');
  return `${r.error[0]!.path}: ${r.error[0]!.message}`;
};

describe('event schemas', () => {
  it('has a valid fixture for every event type of the catalogue', () => {
    expect(new Set(valid.map((e) => e.type))).toEqual(new Set(eventTypes));
  });

  it.each(valid.map((e) => [e.type as string, e]))('accepts a well-formed %s', (_type, event) => {
    const r = validateNewEvent(event);
    expect(r.ok ? 'ok' : r.error).toBe('ok');
  });

  const requiredField: Record<string, string> = {
    AccessRecorded: 'resource',
    ConfigChanged: 'component',
    LineageRunEvent: 'event',
    DatasetClassified: 'tags',
    ErasureRequested: 'dueAt',
    ErasureTaskIssued: 'executor',
    ErasureTaskCompleted: 'outcome',
    SubjectKeyDestroyed: 'keyIds',
    ErasureCertified: 'certificateSha256',
    RetentionPolicySet: 'retentionDays',
    CheckpointPublished: 'rootHash',
    ErasureExtended: 'dueAt',
    ErasureExemptionRecorded: 'ground',
  };

  it.each(eventTypes)('refuses a %s whose data lacks a required field, naming it', (type) => {
    const e = example(type);
    const field = requiredField[type]!;
    e.data = Object.fromEntries(
      Object.entries(e.data as Record<string, unknown>).filter(([k]) => k !== field),
    );
    expect(firstIssue(e)).toBe(`/data/${field}: Expected required property`);
  });

  it('names the bad field of the envelope', () => {
    const e = example('AccessRecorded');
    e.occurredAt = 'yesterday';
    expect(firstIssue(e)).toMatch(/^\/occurredAt: /);
  });

  it('refuses an unknown type and an unknown schema version', () => {
    expect(firstIssue({ ...example('AccessRecorded'), type: 'AccessRecordedd' })).toBe(
      "/type: unknown event type 'AccessRecordedd'",
    );
    expect(firstIssue({ ...example('AccessRecorded'), schemaVersion: 7 })).toMatch(
      /^\/schemaVersion: AccessRecorded has no schema version 7/,
    );
  });

  it('refuses a subject id that looks like an e-mail address rather than a pseudonym', () => {
    const e = example('AccessRecorded');
    e.subjects = ['camille.martin@example.org'];
    expect(firstIssue(e)).toMatch(/^\/subjects\/0: /);
  });

  it('refuses personal fields for a subject the event does not list', () => {
    const e = example('AccessRecorded');
    e.personal = { subj_AAAAAAAAAAAAAAAAAAAA: { email: 'x@example.org' } };
    expect(firstIssue(e)).toBe(
      '/personal/subj_AAAAAAAAAAAAAAAAAAAA: personal fields for a subject not listed in subjects',
    );
  });

  it('refuses unknown envelope fields rather than storing them silently', () => {
    expect(firstIssue({ ...example('ConfigChanged'), extra: 1 })).toMatch(/^\/extra: /);
  });

  it('holds a LineageRunEvent to the OpenLineage spec, whatever path it arrives by', () => {
    const e = example('LineageRunEvent');
    const data = e.data as { event: { run: { runId: string } } };
    data.event.run.runId = 'not-a-uuid';
    expect(firstIssue(e)).toBe('/data/event/run/runId: must be a UUID');
    const wrongKind = example('LineageRunEvent');
    (wrongKind.data as { kind: string }).kind = 'JobEvent';
    expect(firstIssue(wrongKind)).toMatch(/^\/data\/(kind|event)/);
  });

  it('refuses a timestamp that matches the pattern but names no real instant', () => {
    for (const occurredAt of [
      '2026-13-45T99:99:99Z',
      '2026-02-30T10:00:00Z',
      '2026-01-01T24:00:00Z',
      '1900-02-29T10:00:00Z',
      // Years 10000 and -1 in UTC: no four-digit UTC day holds them.
      '9999-12-31T23:30:00-05:00',
      '0000-01-01T00:30:00+01:00',
    ])
      expect(firstIssue({ ...example('AccessRecorded'), occurredAt })).toMatch(
        /^\/occurredAt: must be an RFC 3339 date-time .*real instant/,
      );
    for (const occurredAt of [
      '2024-02-29T23:59:59.5+05:30',
      '2000-02-29T00:00:00Z',
      '0000-02-29T00:00:00Z',
      '9999-12-31T23:59:59.999999999Z',
      '0000-01-01T00:30:00-01:00',
    ])
      expect(validateNewEvent({ ...example('AccessRecorded'), occurredAt }).ok).toBe(true);
  });

  it('refuses what cannot be stored as it is: deep nesting, overflowed numbers, lone surrogates', () => {
    const config = example('ConfigChanged');
    const data = config.data as Record<string, unknown>;
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    expect(firstIssue({ ...config, data: { ...data, after: deep } })).toMatch(
      /^\/data\/after(\/a)+: nests objects and arrays deeper than 64 levels$/,
    );
    // JSON.parse turns 1e400 into Infinity, which JSON.stringify would store as null.
    expect(
      firstIssue(
        JSON.parse(
          JSON.stringify({ ...config, data: { ...data, after: 0 } }).replace(
            '"after":0',
            '"after":[1,1e400]',
          ),
        ),
      ),
    ).toBe('/data/after/1: is a number too large to represent');
    expect(firstIssue({ ...config, producer: 'pr\ud800' })).toBe(
      '/producer: contains a lone UTF-16 surrogate (not valid Unicode)',
    );
    expect(firstIssue({ ...config, data: { ...data, after: { 'x/\udc00': 1 } } })).toBe(
      '/data/after/x~1\udc00: is a key with a lone UTF-16 surrogate (not valid Unicode)',
    );
    // A well-formed pair is fine.
    expect(validateNewEvent({ ...config, data: { ...data, after: { '𝄞': '😀' } } }).ok).toBe(true);
  });

  it('refuses a LineageRunEvent too deep for its envelope, and takes a facet named __proto__ as unknown', () => {
    const e = example('LineageRunEvent');
    const event = (e.data as { event: { run: { facets?: Record<string, unknown> } } }).event;
    event.run.facets = JSON.parse(
      '{"__proto__":{"_producer":"https://x","_schemaURL":"https://x"}}',
    ) as Record<string, unknown>;
    expect(validateNewEvent(e).ok).toBe(true);
    let deep: unknown = [];
    for (let i = 0; i < 70; i++) deep = [deep];
    event.run.facets = { custom: { _producer: 'https://x', _schemaURL: 'https://x', deep } };
    expect(firstIssue(e)).toMatch(
      /^\/data\/event\/run\/facets\/custom\/deep(\/0)+: nests objects and arrays deeper than 64 levels$/,
    );
    // Posted bare (HTTP, Kafka), the event itself may nest two levels less than the envelope.
    const bare = validateOpenLineage(event);
    expect(bare.ok ? 'ok' : bare.error[0]!.message).toBe(
      'nests objects and arrays deeper than 62 levels',
    );
  });

  it('keeps erasure evidence shallow enough for the certificate that embeds it', () => {
    const done = example('ErasureTaskCompleted');
    let evidence: unknown = 1;
    for (let i = 0; i < 59; i++) evidence = [evidence];
    const ok = { ...done, data: { ...(done.data as object), evidence } };
    expect(validateNewEvent(ok).ok).toBe(true);
    const deeper = { ...done, data: { ...(done.data as object), evidence: [evidence] } };
    expect(firstIssue(deeper)).toMatch(
      /^\/data\/evidence(\/0)+: nests objects and arrays deeper than 59 levels \(the erasure certificate embeds it deeper\)$/,
    );
  });
});
