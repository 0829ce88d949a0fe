import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, ValueErrorType, type TypeCheck } from '@sinclair/typebox/compiler';
import { catalogue, isEventType, type EventType } from './catalogue.js';
import { NewEventEnvelope } from './envelope.js';
import { jsonHygieneIssue, MAX_JSON_DEPTH } from './json-hygiene.js';
import { checkOpenLineage } from './openlineage.js';
import { err, ok, type Result } from './result.js';

/** One reason an event was refused: a JSON pointer into the event and what is wrong there. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

const envelopeCheck = TypeCompiler.Compile(NewEventEnvelope);
const dataChecks = new Map<string, TypeCheck<TSchema>>();

const dataCheck = (type: EventType, version: number): TypeCheck<TSchema> | undefined => {
  const key = `${type}@${version}`;
  let check = dataChecks.get(key);
  if (!check) {
    const schema = catalogue[type].versions[version];
    if (!schema) return undefined;
    check = TypeCompiler.Compile(schema);
    dataChecks.set(key, check);
  }
  return check;
};

const issuesOf = (
  check: TypeCheck<TSchema>,
  value: unknown,
  prefix: string,
  max = 5,
): ValidationIssue[] => {
  const issues: ValidationIssue[] = [];
  for (const e of check.Errors(value)) {
    const message =
      e.type === ValueErrorType.StringFormat && e.schema.format === 'date-time'
        ? 'must be an RFC 3339 date-time with an offset naming a real instant (month 01–12, a day the month has, hour 00–23, years 0000–9999 in UTC)'
        : e.message;
    issues.push({ path: prefix + e.path || '/', message });
    if (issues.length >= max) break;
  }
  return issues;
};

/** An event that passed {@link validateNewEvent}. */
export type ValidEvent = NewEventEnvelope & { type: EventType };

/** Checks an incoming event: envelope first, then `data` against its type and schema version. */
export const validateNewEvent = (input: unknown): Result<ValidEvent, ValidationIssue[]> => {
  const unstorable = jsonHygieneIssue(input);
  if (unstorable) return err([unstorable]);
  if (!envelopeCheck.Check(input)) return err(issuesOf(envelopeCheck, input, ''));
  if (!isEventType(input.type)) {
    return err([{ path: '/type', message: `unknown event type '${input.type}'` }]);
  }
  const check = dataCheck(input.type, input.schemaVersion);
  if (!check) {
    return err([
      {
        path: '/schemaVersion',
        message: `${input.type} has no schema version ${input.schemaVersion} (current is ${catalogue[input.type].current})`,
      },
    ]);
  }
  if (!check.Check(input.data)) return err(issuesOf(check, input.data, '/data'));
  if (input.type === 'ErasureTaskCompleted') {
    // The erasure certificate embeds the evidence three levels deeper (/data/certificate/systems/i):
    // evidence the envelope can hold but the certificate could not would block certification.
    const evidence = (input.data as { evidence?: unknown }).evidence;
    const tooDeep = jsonHygieneIssue(evidence, MAX_JSON_DEPTH - 5);
    if (tooDeep)
      return err([
        {
          path: `/data/evidence${tooDeep.path === '/' ? '' : tooDeep.path}`,
          message: `${tooDeep.message} (the erasure certificate embeds it deeper)`,
        },
      ]);
  }
  if (input.type === 'LineageRunEvent') {
    const data = input.data as { kind: string; event: unknown };
    const ol = checkOpenLineage(data.event);
    if (!ol.ok)
      return err(
        ol.error.map((i) => ({
          path: `/data/event${i.path === '/' ? '' : i.path}`,
          message: i.message,
        })),
      );
    if (ol.value.kind !== data.kind)
      return err([
        { path: '/data/kind', message: `the event is a ${ol.value.kind}, not a ${data.kind}` },
      ]);
  }
  for (const subject of Object.keys(input.personal ?? {})) {
    if (!(input.subjects ?? []).includes(subject)) {
      return err([
        {
          path: `/personal/${subject}`,
          message: 'personal fields for a subject not listed in subjects',
        },
      ]);
    }
  }
  return ok(input as ValidEvent);
};
