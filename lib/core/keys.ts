/**
 * Stable keys. A difference is keyed by `(kind, key)`; an operation's dependencies are resource IDs
 * (`kind:key`) so that keys of different kinds never collide.
 */
import type { ResourceKind } from './model';

/** Every kind of thing the diff reports: the resource kinds plus a thing's static group memberships. */
export type DifferenceKind = ResourceKind | 'groupMembership';

/** The order in which kinds are reported and created. */
export const DIFFERENCE_KINDS: readonly DifferenceKind[] = [
  'indexingConfiguration',
  'thingType',
  'thingGroup',
  'policy',
  'provisioningTemplate',
  'roleAlias',
  'caCertificate',
  'certificate',
  'thing',
  'groupMembership',
  'thingPrincipalAttachment',
  'policyAttachment',
];

/** The top-level resources (those the mass-delete guard counts); the rest are relationships. */
export const TOP_LEVEL_KINDS: readonly DifferenceKind[] = [
  'thingType',
  'thingGroup',
  'policy',
  'provisioningTemplate',
  'roleAlias',
  'caCertificate',
  'certificate',
  'thing',
];

/** A static group membership: a thing is a direct member of a group. */
export interface GroupMembership {
  thingName: string;
  groupName: string;
}

/** The key of a group membership, e.g. `sensor-1|floor-1`. */
export function groupMembershipKey(m: GroupMembership): string {
  return `${m.thingName}|${m.groupName}`;
}

/** The ID of one resource across kinds, e.g. `thing:sensor-1`, used in `requires`. */
export function resourceId(kind: DifferenceKind, key: string): string {
  return `${kind}:${key}`;
}
