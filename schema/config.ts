import { ConfigKinds } from '../domain/events/config.js';
import { encodeConfigCursor } from '../projections/config/cursor.js';
import type { JsonDiffOp } from '../projections/config/diff.js';
import type { ConfigHistoryEntry, CurrentSetting } from '../projections/config/ports.js';
import { allow, builder } from './builder.js';
import { Actor } from './common.js';
import { defaultPageSize } from './limits.js';
import { readModel } from './problems.js';

export const ConfigKind = builder.enumType('ConfigKind', {
  values: Object.fromEntries(ConfigKinds.map((k) => [k.toUpperCase(), { value: k }])) as Record<
    Uppercase<(typeof ConfigKinds)[number]>,
    { value: (typeof ConfigKinds)[number] }
  >,
});

const DiffOp = builder.enumType('JsonDiffOpKind', {
  values: {
    ADD: { value: 'add' },
    REMOVE: { value: 'remove' },
    REPLACE: { value: 'replace' },
  } as const,
});

export const JsonDiff = builder.objectRef<JsonDiffOp>('JsonDiffOp').implement({
  description:
    'One step from before to after, at an RFC 6901 JSON pointer ("" is the whole value).',
  fields: (t) => ({
    path: t.exposeString('path'),
    op: t.expose('op', { type: DiffOp }),
    before: t.field({ type: 'JSON', nullable: true, resolve: (d) => d.before }),
    after: t.field({ type: 'JSON', nullable: true, resolve: (d) => d.after }),
  }),
});

export const ConfigChange = builder.objectRef<ConfigHistoryEntry>('ConfigChange').implement({
  description: 'One change of one setting, with its diff.',
  fields: (t) => ({
    position: t.exposeInt('position'),
    eventId: t.exposeID('eventId'),
    time: t.expose('time', { type: 'DateTime' }),
    component: t.exposeString('component'),
    target: t.exposeString('target'),
    kind: t.expose('kind', { type: ConfigKind, nullable: true }),
    before: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.before }),
    after: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.after }),
    diff: t.expose('diff', { type: [JsonDiff] }),
    actor: t.expose('actor', { type: Actor }),
    changeRef: t.exposeString('changeRef', { nullable: true }),
  }),
});

export const ConfigSetting = builder.objectRef<CurrentSetting>('ConfigSetting').implement({
  description: 'The value a setting has now: the `after` of its latest change.',
  fields: (t) => ({
    component: t.exposeString('component'),
    target: t.exposeString('target'),
    kind: t.expose('kind', { type: ConfigKind, nullable: true }),
    value: t.field({ type: 'JSON', nullable: true, resolve: (s) => s.value }),
    position: t.exposeInt('position'),
    eventId: t.exposeID('eventId', {
      description: 'Id of the latest change: its inclusion proof is at /v1/proof/inclusion?id=…',
    }),
    time: t.expose('time', { type: 'DateTime' }),
    actor: t.expose('actor', { type: Actor }),
    changeRef: t.exposeString('changeRef', { nullable: true }),
  }),
});

const ConfigChangeConnection = builder.connectionObject(
  { type: ConfigChange, name: 'ConfigChangeConnection' },
  { name: 'ConfigChangeEdge' },
);

builder.queryFields((t) => ({
  configHistory: t.field({
    type: ConfigChangeConnection,
    nullable: true,
    description:
      'Who changed which setting, from what to what; newest first. Both filters optional.',
    args: {
      component: t.arg.string(),
      target: t.arg.string(),
      first: t.arg.int({ defaultValue: defaultPageSize }),
      after: t.arg.string(),
    },
    authScopes: allow('auditor'),
    resolve: async (_parent, args, ctx) => {
      const page = await readModel(() =>
        ctx.config.configHistory({
          component: args.component ?? undefined,
          target: args.target ?? undefined,
          first: args.first ?? defaultPageSize,
          after: args.after ?? undefined,
        }),
      );
      const edges = page.rows.map((node) => ({ cursor: encodeConfigCursor(node.position), node }));
      return {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: args.after != null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: page.endCursor,
        },
      };
    },
  }),
  currentConfig: t.field({
    type: [ConfigSetting],
    nullable: true,
    description: 'Current settings, by component then target; removed settings are absent.',
    args: { component: t.arg.string(), target: t.arg.string() },
    authScopes: allow('auditor'),
    resolve: (_parent, args, ctx) =>
      readModel(() =>
        ctx.config.currentConfig({
          component: args.component ?? undefined,
          target: args.target ?? undefined,
        }),
      ),
  }),
}));
