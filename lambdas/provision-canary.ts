/**
 * Custom resource (CDK Provider framework, onEvent) that provisions the failover canary's identity in the
 * primary and writes its key to each region's canary secret (lib/aws/canary-identity.ts). Create and
 * Update provision idempotently; Delete removes the identity from the primary.
 */
import { IoTClient } from '@aws-sdk/client-iot';
import { GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { provisionCanaryIdentity, removeCanaryIdentity, type SecretStore } from '../lib/aws/canary-identity';

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

/** Secrets Manager as a {@link SecretStore}: one client per region; an empty secret reads as undefined. */
function secretsManagerStore(): SecretStore {
  const clients = new Map<string, SecretsManagerClient>();
  const client = (region: string) => {
    let c = clients.get(region);
    if (!c) clients.set(region, (c = new SecretsManagerClient({ region })));
    return c;
  };
  return {
    async get(region, secretId) {
      try {
        return (await client(region).send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
      } catch (error) {
        // A secret created by CloudFormation without a value has no version yet.
        if (error instanceof ResourceNotFoundException) return undefined;
        throw error;
      }
    },
    async put(region, secretId, value) {
      await client(region).send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
    },
  };
}

/** onEvent: returns the physical ID (the thing name) and the certificate ID as data (never the key). */
export async function handler(event: unknown): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const parsed = EventSchema.parse(event);
  const p = parsed.ResourceProperties;
  const options = {
    iot: new IoTClient({ region: p.Region }),
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
