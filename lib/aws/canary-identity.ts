/**
 * The canary's identity, provisioned in the primary like any device: a thing, a certificate with keys made
 * by AWS IoT (CreateKeysAndCertificate, whose private key is returned once only), a least-privilege policy
 * attached to the certificate, and the certificate attached to the thing. The sync copies all of it to the
 * secondary (never the key, which the sync never sees); this module stores the key and certificate PEM in
 * each region's canary secret, so the secondary's canary proves the sync end to end.
 * https://docs.aws.amazon.com/iot/latest/apireference/API_CreateKeysAndCertificate.html
 */
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DeletePolicyCommand,
  DeleteThingCommand,
  DescribeCertificateCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  IoTClient,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { canaryPolicyDocument } from '../core/failover';
import { certificateArn, type ArnScope } from './arns';
import { isResourceAlreadyExists, isResourceNotFound } from './errors';

/** What a canary secret holds. */
export const CanarySecretSchema = z.strictObject({
  thingName: z.string().min(1),
  certificateId: z.string().regex(/^[0-9a-f]{64}$/, 'must be a certificate ID (64 hex digits)'),
  certificatePem: z.string().startsWith('-----BEGIN CERTIFICATE-----', 'must be a PEM certificate'),
  privateKey: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }),
  /** PEM of the CA that signed the server certificate, when it is not a public one (local tests). */
  caPem: z.string().optional(),
});
/** A canary secret's value. */
export type CanarySecret = z.infer<typeof CanarySecretSchema>;

/** Reads and writes a secret by ID in a region (Secrets Manager on AWS; a map in tests). */
export interface SecretStore {
  get(region: string, secretId: string): Promise<string | undefined>;
  put(region: string, secretId: string, value: string): Promise<void>;
}

/** Options of {@link provisionCanaryIdentity} and {@link removeCanaryIdentity}. */
export interface CanaryIdentityOptions {
  /** The primary's IoT client. */
  iot: IoTClient;
  secrets: SecretStore;
  partition: string;
  account: string;
  /** The primary region (where the identity is created). */
  region: string;
  thingName: string;
  policyName: string;
  /** The canary secret of each region, by region. */
  secretIds: Record<string, string>;
}

/** Outcome of provisioning: the certificate in use, and whether a new one was made. */
export interface CanaryIdentity {
  thingName: string;
  certificateId: string;
  created: boolean;
}

const ignore = (test: (e: unknown) => boolean) => (error: unknown) => {
  if (!test(error)) throw error;
};

/**
 * Creates (or completes) the identity, idempotently: when the primary's secret already holds an ACTIVE
 * certificate, it is kept and only the attachments and the other secrets are checked; otherwise a new
 * certificate and key are made and written to every region's secret.
 */
export async function provisionCanaryIdentity(options: CanaryIdentityOptions): Promise<CanaryIdentity> {
  const { iot, thingName, policyName } = options;
  await iot.send(new CreateThingCommand({ thingName })).catch(ignore(isResourceAlreadyExists));
  const policyDocument = canaryPolicyDocument({ partition: options.partition, region: options.region, account: options.account, thingName });
  await iot.send(new CreatePolicyCommand({ policyName, policyDocument })).catch(ignore(isResourceAlreadyExists));

  const primarySecretId = options.secretIds[options.region];
  if (primarySecretId === undefined) throw new Error(`secretIds: no secret for the primary region ${options.region}`);
  let secret = await currentSecret(options, primarySecretId);
  let created = false;
  if (secret === undefined) {
    const keys = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    if (!keys.certificateId || !keys.certificatePem || !keys.keyPair?.PrivateKey) throw new Error('CreateKeysAndCertificate returned no certificate or key');
    secret = { thingName, certificateId: keys.certificateId, certificatePem: keys.certificatePem, privateKey: keys.keyPair.PrivateKey };
    created = true;
  }
  const arn = certificateArn(scopeOf(options), secret.certificateId);
  // Attach calls are idempotent in AWS IoT: attaching what is already attached succeeds.
  await iot.send(new AttachPolicyCommand({ policyName, target: arn }));
  await iot.send(new AttachThingPrincipalCommand({ thingName, principal: arn }));
  const value = JSON.stringify(secret);
  for (const [region, secretId] of Object.entries(options.secretIds)) {
    if (created || (await options.secrets.get(region, secretId)) !== value) await options.secrets.put(region, secretId, value);
  }
  return { thingName, certificateId: secret.certificateId, created };
}

/** The primary's secret, when it holds a certificate that is still ACTIVE in the primary. */
async function currentSecret(options: CanaryIdentityOptions, secretId: string): Promise<CanarySecret | undefined> {
  const raw = await options.secrets.get(options.region, secretId);
  if (raw === undefined || raw === '') return undefined;
  const parsed = parseSecret(raw);
  if (!parsed.success || parsed.data.thingName !== options.thingName) return undefined;
  try {
    const described = await options.iot.send(new DescribeCertificateCommand({ certificateId: parsed.data.certificateId }));
    return described.certificateDescription?.status === 'ACTIVE' ? parsed.data : undefined;
  } catch (error) {
    if (isResourceNotFound(error)) return undefined;
    throw error;
  }
}

/** Removes the identity from the primary (the sync removes it from the secondary in `mirror` mode). */
export async function removeCanaryIdentity(options: CanaryIdentityOptions): Promise<void> {
  const { iot, thingName, policyName } = options;
  const primarySecretId = options.secretIds[options.region];
  const raw = primarySecretId === undefined ? undefined : await options.secrets.get(options.region, primarySecretId);
  const parsed = raw ? parseSecret(raw) : undefined;
  if (parsed?.success) {
    const certificateId = parsed.data.certificateId;
    const arn = certificateArn(scopeOf(options), certificateId);
    await iot.send(new DetachThingPrincipalCommand({ thingName, principal: arn })).catch(ignore(isResourceNotFound));
    await iot.send(new DetachPolicyCommand({ policyName, target: arn })).catch(ignore(isResourceNotFound));
    await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' })).catch(ignore(isResourceNotFound));
    await iot.send(new DeleteCertificateCommand({ certificateId })).catch(ignore(isResourceNotFound));
  }
  await iot.send(new DeleteThingCommand({ thingName })).catch(ignore(isResourceNotFound));
  await iot.send(new DeletePolicyCommand({ policyName })).catch(ignore(isResourceNotFound));
}

/** A secret's value as a canary secret; the placeholder CloudFormation generates at creation is not one. */
function parseSecret(raw: string) {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  return CanarySecretSchema.safeParse(json);
}

/** Where the canary's IoT resources live, as `lib/aws/arns` takes it. */
function scopeOf(options: Pick<CanaryIdentityOptions, 'partition' | 'region' | 'account'>): ArnScope {
  return { partition: options.partition, region: options.region, accountId: options.account };
}

/** Secrets Manager as a {@link SecretStore}: one client per region; an empty secret reads as undefined. */
export function secretsManagerStore(): SecretStore {
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

/** The IoT client the identity is provisioned with (the SDK's default retries: a custom resource makes a handful of calls). */
export function canaryIotClient(region: string): IoTClient {
  return new IoTClient({ region });
}
