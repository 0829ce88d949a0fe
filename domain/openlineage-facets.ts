import {
  checkBoolean,
  checkEach,
  checkEnum,
  checkName,
  checkUriOrScheme,
  checkObject,
  checkString,
  checkUri,
  checkUuid,
  optional,
  pointer,
  required,
  type Issues,
  type JsonObject,
} from './openlineage-check.js';

/** A field of the `schema` dataset facet; `fields` nests the members of a struct. */
export interface SchemaField {
  readonly name: string;
  readonly type?: string;
  readonly description?: string;
  readonly fields?: readonly SchemaField[];
}

/**
 * A dataset or job facet with `_deleted: true` (OpenLineage 2-0-x): it removes the facet of that
 * name, and nothing else in it is read.
 */
export interface DeletedFacet {
  readonly _deleted: true;
}

export const isDeletedFacet = (facet: unknown): facet is DeletedFacet =>
  typeof facet === 'object' &&
  facet !== null &&
  (facet as { _deleted?: unknown })._deleted === true;

/** The `schema` dataset facet (SchemaDatasetFacet 1-1-x). */
export interface SchemaDatasetFacet {
  readonly fields?: readonly SchemaField[];
}

/** How an input field contributes to an output field (ColumnLineageDatasetFacet 1-2-0). */
export interface ColumnTransformation {
  readonly type: 'DIRECT' | 'INDIRECT';
  readonly subtype?: string;
  readonly description?: string;
  readonly masking?: boolean;
}

export interface ColumnLineageInputField {
  readonly namespace: string;
  readonly name: string;
  readonly field: string;
  readonly transformations?: readonly ColumnTransformation[];
}

/** The `columnLineage` dataset facet: for each output field, the input fields it is computed from. */
export interface ColumnLineageDatasetFacet {
  readonly fields: Readonly<
    Record<
      string,
      {
        readonly inputFields: readonly ColumnLineageInputField[];
        readonly transformationDescription?: string;
        readonly transformationType?: string;
      }
    >
  >;
  /** Input fields that affect the whole dataset (filters, joins, grouping, sorting). */
  readonly dataset?: readonly ColumnLineageInputField[];
}

/** The `dataSource` dataset facet. */
export interface DataSourceDatasetFacet {
  readonly name?: string;
  readonly uri?: string;
}

/** One entry of the `tags` dataset facet; `field` names a column when the tag applies to one. */
export interface TagFacetEntry {
  readonly key: string;
  readonly value: string;
  readonly source?: string;
  readonly field?: string;
}

export interface TagsDatasetFacet {
  readonly tags?: readonly TagFacetEntry[];
}

/** The `parent` run facet: the run (and job) that spawned this run. */
export interface ParentRunFacet {
  readonly run: { readonly runId: string };
  readonly job: { readonly namespace: string; readonly name: string };
}

export const transformationTypes = ['DIRECT', 'INDIRECT'] as const;

type Check = (issues: Issues, v: unknown, path: string) => boolean;

const checkSchemaField: Check = (issues, v, path) => {
  if (!checkObject(issues, v, path)) return false;
  const before = issues.length;
  if (required(issues, v, 'name', path)) checkString(issues, v.name, pointer(path, 'name'));
  optional(issues, v, 'type', path, checkString);
  optional(issues, v, 'description', path, checkString);
  optional(issues, v, 'fields', path, (i, f, p) => checkEach(i, f, p, checkSchemaField));
  return issues.length === before;
};

const checkTransformation: Check = (issues, v, path) => {
  if (!checkObject(issues, v, path)) return false;
  const before = issues.length;
  if (required(issues, v, 'type', path))
    checkEnum(issues, v.type, transformationTypes, pointer(path, 'type'));
  optional(issues, v, 'subtype', path, checkString);
  optional(issues, v, 'description', path, checkString);
  optional(issues, v, 'masking', path, checkBoolean);
  return issues.length === before;
};

const checkInputField: Check = (issues, v, path) => {
  if (!checkObject(issues, v, path)) return false;
  const before = issues.length;
  for (const key of ['namespace', 'name', 'field']) {
    if (required(issues, v, key, path)) checkName(issues, v[key], pointer(path, key));
  }
  optional(issues, v, 'transformations', path, (i, t, p) =>
    checkEach(i, t, p, checkTransformation),
  );
  return issues.length === before;
};

const checkSchemaFacet: Check = (issues, v, path) =>
  optional(issues, v as JsonObject, 'fields', path, (i, f, p) =>
    checkEach(i, f, p, checkSchemaField),
  );

const checkColumnLineageFacet: Check = (issues, v, path) => {
  const facet = v as JsonObject;
  const before = issues.length;
  if (
    required(issues, facet, 'fields', path) &&
    checkObject(issues, facet.fields, pointer(path, 'fields'))
  ) {
    for (const [out, spec] of Object.entries(facet.fields)) {
      const p = pointer(pointer(path, 'fields'), out);
      if (!checkObject(issues, spec, p)) continue;
      if (required(issues, spec, 'inputFields', p))
        checkEach(issues, spec.inputFields, pointer(p, 'inputFields'), checkInputField);
      optional(issues, spec, 'transformationDescription', p, checkString);
      optional(issues, spec, 'transformationType', p, checkString);
    }
  }
  optional(issues, facet, 'dataset', path, (i, d, p) => checkEach(i, d, p, checkInputField));
  return issues.length === before;
};

const checkDataSourceFacet: Check = (issues, v, path) => {
  const facet = v as JsonObject;
  const nameOk = optional(issues, facet, 'name', path, checkString);
  // The OpenLineage Spark listener sends `uri: "file"` for local files: a bare scheme is accepted.
  return optional(issues, facet, 'uri', path, checkUriOrScheme) && nameOk;
};

const checkTagEntry: Check = (issues, v, path) => {
  if (!checkObject(issues, v, path)) return false;
  const before = issues.length;
  for (const key of ['key', 'value']) {
    if (required(issues, v, key, path)) checkString(issues, v[key], pointer(path, key));
  }
  optional(issues, v, 'source', path, checkString);
  optional(issues, v, 'field', path, checkString);
  return issues.length === before;
};

const checkTagsFacet: Check = (issues, v, path) =>
  optional(issues, v as JsonObject, 'tags', path, (i, t, p) => checkEach(i, t, p, checkTagEntry));

const checkJobRef: Check = (issues, v, path) => {
  if (!checkObject(issues, v, path)) return false;
  const before = issues.length;
  for (const key of ['namespace', 'name']) {
    if (required(issues, v, key, path)) checkName(issues, v[key], pointer(path, key));
  }
  return issues.length === before;
};

const checkParentFacet: Check = (issues, v, path) => {
  const facet = v as JsonObject;
  const before = issues.length;
  if (
    required(issues, facet, 'run', path) &&
    checkObject(issues, facet.run, pointer(path, 'run'))
  ) {
    const run = facet.run;
    if (required(issues, run, 'runId', pointer(path, 'run')))
      checkUuid(issues, run.runId, pointer(pointer(path, 'run'), 'runId'));
  }
  if (required(issues, facet, 'job', path)) checkJobRef(issues, facet.job, pointer(path, 'job'));
  return issues.length === before;
};

const checkBaseFacet: Check = (issues, v, path) => {
  if (!checkObject(issues, v, path)) return false;
  const before = issues.length;
  optional(issues, v, '_producer', path, checkUri);
  optional(issues, v, '_schemaURL', path, checkUri);
  optional(issues, v, '_deleted', path, checkBoolean);
  return issues.length === before;
};

/** `deletable`: a facet with `_deleted: true` is not type-checked, only its base fields. */
const checkFacetMap =
  (known: Readonly<Record<string, Check>>, deletable = false): Check =>
  (issues, v, path) => {
    if (!checkObject(issues, v, path)) return false;
    const before = issues.length;
    for (const [name, facet] of Object.entries(v)) {
      const p = pointer(path, name);
      // Own names only: a facet called `__proto__` or `toString` is just an unknown facet.
      if (
        checkBaseFacet(issues, facet, p) &&
        Object.hasOwn(known, name) &&
        !(deletable && isDeletedFacet(facet))
      )
        known[name]!(issues, facet, p);
    }
    return issues.length === before;
  };

/**
 * Dataset facets: open, with `schema`, `columnLineage`, `dataSource` and `tags` type-checked unless
 * deleted (`_deleted: true`).
 */
export const checkDatasetFacets = checkFacetMap(
  {
    schema: checkSchemaFacet,
    columnLineage: checkColumnLineageFacet,
    dataSource: checkDataSourceFacet,
    tags: checkTagsFacet,
  },
  true,
);
/** Run facets: open, with `parent` type-checked. */
export const checkRunFacets = checkFacetMap({ parent: checkParentFacet });
/** Job, input and output dataset facets: open, only the base facet fields are checked. */
export const checkOtherFacets = checkFacetMap({});

/** Schema fields in document order, nested struct members named by their dotted path (`address.city`). */
export const flattenSchemaFields = (
  fields: readonly SchemaField[],
  prefix = '',
): { readonly name: string; readonly type?: string; readonly description?: string }[] =>
  fields.flatMap((f) => {
    const name = prefix + f.name;
    const own = {
      name,
      ...(f.type === undefined ? {} : { type: f.type }),
      ...(f.description === undefined ? {} : { description: f.description }),
    };
    return [own, ...flattenSchemaFields(f.fields ?? [], `${name}.`)];
  });

const piiTagPattern = /^[a-z][a-z0-9_.:-]*$/;

/**
 * PII tags carried by a `tags` dataset facet. An entry marks PII when its key is `pii`
 * (any case) and its value is not `false`: value `true` gives tag `pii`, any other value `v` gives
 * `pii:v` (lower-cased; `pii` when that is not a valid tag). `field` scopes it to a column.
 */
export const piiTagsOf = (
  facet: TagsDatasetFacet,
): { readonly field: string | null; readonly tag: string }[] =>
  (facet.tags ?? []).flatMap((t) => {
    if (t.key.toLowerCase() !== 'pii') return [];
    const value = t.value.trim().toLowerCase();
    if (value === 'false') return [];
    const named = `pii:${value}`;
    const tag =
      value === 'true' || value === '' || !piiTagPattern.test(named) || named.length > 128
        ? 'pii'
        : named;
    return [{ field: t.field === undefined || t.field === '' ? null : t.field, tag }];
  });
