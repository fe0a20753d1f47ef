import { CertificateSchema, ThingSchema, PolicyAttachmentSchema } from '../../lib/core/model';
import { policyAttachmentKey } from '../../lib/core/keys';

describe('model', () => {
  it('rejects a thing name over 128 characters, naming the field', () => {
    const result = ThingSchema.safeParse({ name: 'a'.repeat(129) });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['name']);
  });

  it('fills defaults for a minimal thing', () => {
    expect(ThingSchema.parse({ name: 'sensor-1' })).toEqual({ name: 'sensor-1', attributes: {}, groupNames: [] });
  });

  it('rejects an unknown certificate status', () => {
    const result = CertificateSchema.safeParse({ certificateId: 'a'.repeat(64), status: 'LOST', certificatePem: 'x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['status']);
  });

  it('keys a policy attachment by policy and target, not by ARN', () => {
    const a = PolicyAttachmentSchema.parse({ policyName: 'p', target: { kind: 'thingGroup', groupName: 'g' } });
    expect(policyAttachmentKey(a)).toBe('p|group:g');
  });
});
