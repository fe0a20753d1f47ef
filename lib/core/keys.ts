/**
 * Every key of the core, in one place. A difference is keyed by `(kind, key)`; an operation's
 * dependencies are resource IDs (`kind:key`) so that keys of different kinds never collide; a resource
 * ref has a `refKey` of the same `kind:…` shape. Relationships are keyed by their ends joined with `|`.
 *
 * What stays different, and why: a ref's kinds (`./resource-ref`) are not the diff's kinds: a ref names
 * the relationship sets of one parent (`thingPrincipals`, `policyAttachments`, the unit an event converges)
 * and a bulk registration task, where the diff names each relationship; the adapter's error keys
 * (`lib/aws/iot-registry`) use the ARN resource form (`cert/<id>`, `thingGroup/<name>`) so that a message
 * matches the ARN an operator sees in CloudTrail and IAM.
 */
import type { PolicyAttachment, PolicyTarget, ThingPrincipalAttachment } from './model';
import type { ResourceRef } from './resource-ref';

/**
 * The one list of kinds: every kind of item the diff reports (the registry's resources, their
 * relationships, and a thing's static group memberships), in the order they are reported and created.
 */
export const DIFFERENCE_KINDS = [
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
] as const;

/** Every kind of item the diff reports. */
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

/** The top-level resources (those the mass-delete guard counts); the rest are relationships and the region's indexing configuration. */
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

/** The ID of one resource across kinds, e.g. `thing:sensor-1`, used in `requires`. */
export function resourceId(kind: DifferenceKind, key: string): string {
  return `${kind}:${key}`;
}

/** The key of a group membership, e.g. `sensor-1|floor-1`. */
export function groupMembershipKey(m: GroupMembership): string {
  return `${m.thingName}|${m.groupName}`;
}

/** The stable string key of a policy target, e.g. `cert:abcd…` or `group:floor-1`. */
export function policyTargetKey(t: PolicyTarget): string {
  return t.kind === 'certificate' ? `cert:${t.certificateId}` : `group:${t.groupName}`;
}

/** The stable string key of a policy attachment, e.g. `p1|cert:abcd…` or `p1|group:floor-1`. */
export function policyAttachmentKey(a: PolicyAttachment): string {
  return `${a.policyName}|${policyTargetKey(a.target)}`;
}

/** The stable string key of a thing–principal attachment, e.g. `sensor-1|abcd…`. */
export function thingPrincipalKey(a: Pick<ThingPrincipalAttachment, 'thingName' | 'certificateId'>): string {
  return `${a.thingName}|${a.certificateId}`;
}

/** A stable string for a ref (for de-duplication and logs). */
export function refKey(ref: ResourceRef): string {
  switch (ref.kind) {
    case 'thingType':
    case 'thingGroup':
    case 'policy':
    case 'thing':
    case 'provisioningTemplate':
    case 'roleAlias':
      return `${ref.kind}:${ref.name}`;
    case 'caCertificate':
    case 'certificate':
      return `${ref.kind}:${ref.certificateId}`;
    case 'thingPrincipals':
      return `thingPrincipals:${ref.thingName}`;
    case 'indexingConfiguration':
      return 'indexingConfiguration';
    case 'thingRegistrationTask':
      return `thingRegistrationTask:${ref.taskId}`;
    case 'policyAttachments':
      return `policyAttachments:${policyTargetKey(ref.target)}`;
  }
}

/** Removes duplicate refs, keeping the first occurrence. */
export function uniqueRefs(refs: readonly ResourceRef[]): ResourceRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = refKey(ref);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
