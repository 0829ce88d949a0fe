import { catalogue, eventTypes } from './catalogue.js';
import { NewEventEnvelope } from './envelope.js';

/** Plain JSON of a TypeBox schema (TypeBox keeps its own symbols on the objects). */
const plain = (schema: unknown): Record<string, unknown> =>
  JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

/**
 * One JSON Schema (draft 2020-12) per event type and schema version, describing the whole
 * envelope a producer sends, with `data` replaced by that type's schema. Keyed by file name.
 */
export const exportJsonSchemas = (): Map<string, Record<string, unknown>> => {
  const out = new Map<string, Record<string, unknown>>();
  for (const type of eventTypes) {
    const entry = catalogue[type];
    for (const [version, schema] of Object.entries(entry.versions)) {
      const envelope = plain(NewEventEnvelope);
      const properties = envelope.properties as Record<string, unknown>;
      properties.type = { const: type };
      properties.schemaVersion = { const: Number(version) };
      properties.data = plain(schema);
      out.set(`${type}.v${version}.schema.json`, {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `urn:gouvernail:event:${type}:v${version}`,
        title: `${type} v${version}`,
        description: entry.description,
        ...envelope,
      });
    }
  }
  return out;
};
