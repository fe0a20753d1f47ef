import { DIFFERENCE_KINDS, TOP_LEVEL_KINDS, policyAttachmentKey, refKey, resourceId, thingPrincipalKey, uniqueRefs } from '../../lib/core/keys';
import type { ResourceRef } from '../../lib/core/resource-ref';

describe('keys', () => {
  it('keys a resource ref like the resource ID of the same kind and key', () => {
    expect(refKey({ kind: 'thing', name: 'sensor-1' })).toBe(resourceId('thing', 'sensor-1'));
    expect(refKey({ kind: 'certificate', certificateId: 'a'.repeat(64) })).toBe(resourceId('certificate', 'a'.repeat(64)));
    expect(refKey({ kind: 'policy', name: 'p1' })).toBe(resourceId('policy', 'p1'));
  });

  it('keys a relationship set by its parent, and a policy attachment by its ends', () => {
    expect(refKey({ kind: 'policyAttachments', target: { kind: 'thingGroup', groupName: 'floor-1' } })).toBe('policyAttachments:group:floor-1');
    expect(refKey({ kind: 'thingPrincipals', thingName: 'sensor-1' })).toBe('thingPrincipals:sensor-1');
    expect(policyAttachmentKey({ policyName: 'p1', target: { kind: 'certificate', certificateId: 'abc' } })).toBe('p1|cert:abc');
    expect(thingPrincipalKey({ thingName: 'sensor-1', certificateId: 'abc' })).toBe('sensor-1|abc');
  });

  it('removes duplicate refs by key, keeping the first', () => {
    const refs: ResourceRef[] = [
      { kind: 'thing', name: 'a' },
      { kind: 'thingGroup', name: 'a' },
      { kind: 'thing', name: 'a' },
    ];
    expect(uniqueRefs(refs)).toEqual(refs.slice(0, 2));
  });

  it('has one list of kinds, the top-level ones a subset of it', () => {
    expect(new Set(DIFFERENCE_KINDS).size).toBe(DIFFERENCE_KINDS.length);
    for (const kind of TOP_LEVEL_KINDS) expect(DIFFERENCE_KINDS).toContain(kind);
  });
});
