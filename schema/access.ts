import { AccessActions, AccessDecisions } from '../domain/events/access.js';
import { encodeAccessCursor } from '../projections/access/cursor.js';
import type { AccessHistoryQuery, AccessRow } from '../projections/access/ports.js';
import { allow, builder } from './builder.js';
import { Role } from './common.js';
import { defaultPageSize } from './limits.js';
import { badUserInput, readModel } from './problems.js';

const upper = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v.toUpperCase(), { value: v }])) as Record<
    Uppercase<T>,
    { value: T }
  >;

export const AccessAction = builder.enumType('AccessAction', { values: upper(AccessActions) });
export const AccessDecision = builder.enumType('AccessDecision', {
  values: upper(AccessDecisions),
});

export const AccessRecord = builder.objectRef<AccessRow>('AccessRecord').implement({
  description: 'One access (read, write, admin, login, query) to a resource, allowed or denied.',
  fields: (t) => ({
    time: t.expose('time', { type: 'DateTime' }),
    position: t.exposeInt('position', { description: 'Log position of the AccessRecorded event.' }),
    eventId: t.exposeID('eventId'),
    principal: t.exposeString('principal'),
    role: t.expose('role', {
      type: Role,
      nullable: true,
      description: "The principal's role when it acted itself.",
    }),
    resource: t.exposeString('resource'),
    action: t.expose('action', { type: AccessAction }),
    decision: t.expose('decision', { type: AccessDecision }),
    mechanism: t.exposeString('mechanism'),
    clientAddress: t.exposeString('clientAddress', { nullable: true }),
    operation: t.exposeString('operation', { nullable: true }),
    subject: t.exposeString('subject', {
      nullable: true,
      description: 'Set when looked up by subject.',
    }),
  }),
});

const AccessRecordConnection = builder.connectionObject(
  { type: AccessRecord, name: 'AccessRecordConnection' },
  { name: 'AccessRecordEdge' },
);

const cursorOf = (row: AccessRow): string =>
  encodeAccessCursor({ timeMs: Date.parse(row.time), position: row.position });

builder.queryField('accessHistory', (t) =>
  t.field({
    type: AccessRecordConnection,
    nullable: true,
    description:
      'Who accessed what, newest first. Give exactly one of resource, principal (auditor) or subject (dpo). ' +
      '`from` is inclusive, `to` exclusive.',
    args: {
      resource: t.arg.string(),
      principal: t.arg.string(),
      subject: t.arg.string(),
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
      action: t.arg({ type: AccessAction }),
      decision: t.arg({ type: AccessDecision }),
      first: t.arg.int({ defaultValue: defaultPageSize }),
      after: t.arg.string(),
    },
    authScopes: (_parent, args) => (args.subject == null ? allow('auditor') : allow('dpo')),
    resolve: async (_parent, args, ctx) => {
      const selectors = (['resource', 'principal', 'subject'] as const).filter(
        (k) => args[k] != null,
      );
      const [by] = selectors;
      if (selectors.length !== 1 || by === undefined) {
        throw badUserInput('give exactly one of resource, principal or subject');
      }
      const query = {
        [by]: args[by]!,
        first: args.first ?? defaultPageSize,
        from: args.from ?? undefined,
        to: args.to ?? undefined,
        action: args.action ?? undefined,
        decision: args.decision ?? undefined,
        after: args.after ?? undefined,
      } as AccessHistoryQuery;
      const page = await readModel(() => ctx.access.accessHistory(query));
      const edges = page.rows.map((node) => ({ cursor: cursorOf(node), node }));
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
);
