import { producerEventTypes, type EventType } from './catalogue.js';
import type { ValidationIssue } from './validation.js';

/**
 * Why an event from a producer outside gouvernail is refused although its schema allows it: it
 * claims to be something only gouvernail records. Types gouvernail records itself (the erasure case
 * life cycle, checkpoints); the `system` role; accesses to gouvernail's own resources
 * (`gouvernail://…`, the self-audit) and their retention; completion of gouvernail's own erasure tasks (`gouvernail:…`),
 * which would let a producer mark a subject's keys destroyed while they still decrypt.
 */
/** Prefix of gouvernail's own resources: its GraphQL API and personal-field reads (the self-audit). */
export const OWN_RESOURCE_PREFIX = 'gouvernail://';

/** Whether `resource` is one of gouvernail's own, whose access records only gouvernail governs. */
export const isOwnResource = (resource: string): boolean =>
  resource.startsWith(OWN_RESOURCE_PREFIX);

export const producerRefusal = (e: {
  readonly type: EventType;
  readonly actor: { readonly role: string };
  readonly data: unknown;
}): ValidationIssue | undefined => {
  if (!producerEventTypes.has(e.type))
    return {
      path: '/type',
      message: `${e.type} is recorded by gouvernail itself and is not accepted from producers`,
    };
  if (e.actor.role === 'system')
    return {
      path: '/actor/role',
      message: "the role 'system' is gouvernail's own and is not accepted from producers",
    };
  if (e.type === 'AccessRecorded' && isOwnResource((e.data as { resource: string }).resource))
    return {
      path: '/data/resource',
      message:
        "accesses to gouvernail's own resources (gouvernail://…) are recorded by gouvernail itself",
    };
  if (e.type === 'RetentionPolicySet' && (e.data as { scope: string }).scope === 'config-history')
    return {
      path: '/data/scope',
      message:
        'configuration history is kept for good; retention policies apply to access history only (scope access-history)',
    };
  if (e.type === 'RetentionPolicySet' && isOwnResource((e.data as { resource: string }).resource))
    return {
      path: '/data/resource',
      message:
        "the retention of gouvernail's own access records (gouvernail://…, the auditors' audit trail) is not set by producers",
    };
  if (
    e.type === 'ErasureTaskCompleted' &&
    (e.data as { taskId: string }).taskId.startsWith('gouvernail:')
  )
    return {
      path: '/data/taskId',
      message: "tasks named gouvernail:… are gouvernail's own; it records their completion itself",
    };
  return undefined;
};
