import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyMessage, reasonText } from '../../../src/kafka/classify.js';
import type { KafkaTopics } from '../../../src/kafka/config.js';
import { newAccessEvent } from '../../support/new-events.js';

const topics: KafkaTopics = {
  access: 'a',
  config: 'c',
  lineage: 'l',
  events: 'e',
  dlq: 'd',
  checkpoints: 'k',
};
const options = { topics, maxMessageBytes: 64 * 1024 };
const bytes = (v: unknown): Uint8Array =>
  new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const classify = (topic: string, value: unknown) =>
  classifyMessage({ topic, value: value === null ? null : bytes(value) }, options);
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join('test/fixtures/openlineage', name), 'utf8'));

const configChanged = {
  id: 'c-1',
  type: 'ConfigChanged',
  schemaVersion: 1,
  occurredAt: '2026-11-20T10:00:00.000Z',
  producer: 'terraform',
  actor: { principal: 'ci', role: 'admin' },
  data: {
    component: 'kafka',
    target: 'topic/orders',
    before: null,
    after: { 'retention.ms': '1' },
  },
};

describe('classifyMessage', () => {
  it('accepts envelopes of the type a topic carries, and any type on the events topic', () => {
    expect(classify('a', newAccessEvent('e-1'))).toMatchObject({
      ok: true,
      event: { id: 'e-1', type: 'AccessRecorded' },
    });
    expect(classify('c', configChanged)).toMatchObject({ ok: true, event: { id: 'c-1' } });
    expect(classify('e', configChanged)).toMatchObject({ ok: true });
    expect(classify('e', newAccessEvent('e-2'))).toMatchObject({ ok: true });
  });

  it('refuses an event of another type on a typed topic', () => {
    const c = classify('a', configChanged);
    expect(c).toEqual({
      ok: false,
      reason: 'wrong-topic',
      detail: "topic 'a' carries AccessRecorded events, got ConfigChanged",
      type: 'ConfigChanged',
    });
  });

  it('wraps raw OpenLineage events into LineageRunEvent envelopes with an id derived from the event', () => {
    const ol = fixture('run-start.json');
    const first = classify('l', ol);
    const again = classify('l', JSON.parse(JSON.stringify(ol)));
    expect(first).toMatchObject({
      ok: true,
      event: {
        type: 'LineageRunEvent',
        occurredAt: '2020-02-22T22:42:42.000Z',
        actor: { role: 'producer' },
        data: { kind: 'RunEvent' },
      },
    });
    if (!first.ok || !again.ok) throw new Error('unreachable');
    expect(first.event.id).toMatch(/^ol:/);
    expect(again.event.id).toBe(first.event.id);
    expect(first.event.producer).toBe((ol as { producer: string }).producer);
    for (const f of ['dataset-event.json', 'job-event.json', 'run-complete.json'])
      expect(classify('l', fixture(f)).ok).toBe(true);
  });

  it('cuts a long OpenLineage producer URI for the envelope on whole characters', () => {
    const producer = `https://example.org/${'p'.repeat(235)}😀`;
    const c = classify('l', { ...(fixture('run-start.json') as object), producer });
    expect(c.ok).toBe(true);
    if (c.ok) expect(c.event.actor.principal).toBe(producer.slice(0, 255));
  });

  it('names what is wrong in an invalid OpenLineage event', () => {
    const c = classifyMessage(
      { topic: 'l', value: readFileSync('test/fixtures/openlineage/invalid/bad-uuid.json') },
      options,
    );
    expect(c).toMatchObject({ ok: false, reason: 'invalid-openlineage' });
    if (!c.ok) expect(reasonText(c)).toMatch(/^invalid-openlineage: \/run\/runId: /);
    expect(classify('l', newAccessEvent('x'))).toMatchObject({
      ok: false,
      reason: 'invalid-openlineage',
    });
  });

  it('counts an invalid event under the type it claims when the catalogue has it', () => {
    expect(classify('a', { ...newAccessEvent('x'), data: {} })).toMatchObject({
      ok: false,
      reason: 'invalid-event',
      type: 'AccessRecorded',
    });
    expect(classify('e', { ...newAccessEvent('x'), type: 'NotInTheCatalogue' })).toMatchObject({
      ok: false,
      type: 'unknown',
    });
    expect(classify('l', newAccessEvent('x'))).toMatchObject({ type: 'LineageRunEvent' });
    expect(classify('a', '{')).toMatchObject({ reason: 'malformed-json', type: 'unknown' });
  });

  it('refuses empty, oversized, non-UTF-8 and non-JSON values', () => {
    expect(classify('a', null)).toMatchObject({ ok: false, reason: 'empty' });
    expect(classify('a', '')).toMatchObject({ ok: false, reason: 'empty' });
    expect(classify('a', { ...newAccessEvent('big'), producer: 'x'.repeat(70_000) })).toEqual({
      ok: false,
      reason: 'oversized',
      detail: expect.stringMatching(/^the value is \d+ bytes, the limit is 65536$/),
      type: 'unknown',
    });
    expect(
      classifyMessage({ topic: 'a', value: Uint8Array.of(0x7b, 0xff, 0x7d) }, options),
    ).toEqual({
      ok: false,
      reason: 'malformed-json',
      detail: 'the value is not valid UTF-8',
      type: 'unknown',
    });
    expect(classify('a', '{"id": ')).toMatchObject({
      ok: false,
      reason: 'malformed-json',
      detail: expect.stringMatching(/^the value is not JSON \(/),
    });
  });

  it('points at the invalid fields of an envelope', () => {
    const bad = newAccessEvent('e-3');
    const c = classify('a', {
      ...bad,
      data: { ...bad.data, action: 'steal' },
      occurredAt: 'yesterday',
    });
    expect(c).toMatchObject({ ok: false, reason: 'invalid-event' });
    if (!c.ok) expect(c.detail).toContain('/occurredAt');
  });

  it('refuses messages from topics it does not consume', () => {
    expect(classify('d', newAccessEvent('e-4'))).toMatchObject({
      ok: false,
      reason: 'wrong-topic',
    });
  });

  it('classifies any byte string without throwing, and accepts nothing that is not valid', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('a', 'c', 'l', 'e'),
        fc.uint8Array({ maxLength: 256 }),
        (topic, value) => {
          const c = classifyMessage({ topic, value }, options);
          if (!c.ok) expect(reasonText(c).length).toBeGreaterThan(0);
        },
      ),
    );
    fc.assert(
      fc.property(fc.constantFrom('a', 'c', 'l', 'e'), fc.json(), (topic, text) => {
        const c = classifyMessage({ topic, value: bytes(text) }, options);
        if (c.ok) expect(c.event.type).toBeDefined();
      }),
    );
  });
});
