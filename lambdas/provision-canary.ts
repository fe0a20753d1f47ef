/**
 * Custom resource (CDK Provider framework, onEvent) that provisions the failover canary's identity in the
 * primary and writes its key to each region's canary secret (lib/aws/canary-identity.ts). Create and
 * Update provision idempotently; Delete removes the identity from the primary.
 */
import { z } from 'zod';
import { canaryIotClient, provisionCanaryIdentity, removeCanaryIdentity, secretsManagerStore } from '../lib/aws/canary-identity';

const PropertiesSchema = z.object({
  Partition: z.string().min(1),
  Account: z.string().regex(/^\d{12}$/),
  Region: z.string().min(1),
  ThingName: z.string().min(1),
  PolicyName: z.string().min(1),
  /** Region → secret name. */
  SecretIds: z.record(z.string(), z.string().min(1)),
});

const EventSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  PhysicalResourceId: z.string().optional(),
  ResourceProperties: PropertiesSchema.passthrough(),
});

/** onEvent: returns the physical ID (the thing name) and the certificate ID as data (never the key). */
export async function handler(event: unknown): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const parsed = EventSchema.parse(event);
  const p = parsed.ResourceProperties;
  const options = {
    iot: canaryIotClient(p.Region),
    secrets: secretsManagerStore(),
    partition: p.Partition,
    account: p.Account,
    region: p.Region,
    thingName: p.ThingName,
    policyName: p.PolicyName,
    secretIds: p.SecretIds,
  };
  if (parsed.RequestType === 'Delete') {
    await removeCanaryIdentity(options);
    return { PhysicalResourceId: parsed.PhysicalResourceId ?? p.ThingName };
  }
  const identity = await provisionCanaryIdentity(options);
  return { PhysicalResourceId: identity.thingName, Data: { CertificateId: identity.certificateId } };
}
