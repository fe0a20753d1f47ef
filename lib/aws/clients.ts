/**
 * Construction of the paced IoT registries: one `IoTClient` per region with SDK retries off (the quota
 * layer retries and counts), keep-alive sockets, the normal credential chain (AWS_PROFILE included), and
 * dummy credentials only against a loopback endpoint when the environment configures none.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { IoTClient } from '@aws-sdk/client-iot';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { z } from 'zod';
import { InvalidInputError } from '../core/errors';
import { IotRegistry, type AdapterLogger } from './iot-registry';
import { QuotaPacer } from './quota';
import { describeIssue, RegionSchema, RoleArnSchema } from '../core/validation';

/** Static credentials, as the SDK takes them. */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Options of {@link createIotRegistry}. */
export interface IotRegistryClientOptions {
  region: string;
  /** One URL for every region (local emulators read the region from the request signature). */
  endpoint?: string;
  /** Explicit credentials; otherwise the SDK's default chain. */
  credentials?: StaticCredentials;
  /** An IAM role to assume for every call (a registry in another account); the credentials above assume it. */
  roleArn?: string;
  /** The account ID; otherwise learned from the first ARN a response carries. */
  accountId?: string;
  /** Quota pacing: `scale` multiplies every default TPS (0 = off), `overrides` sets TPS per operation. */
  quotas?: { scale?: number; overrides?: Record<string, number> };
  logger?: AdapterLogger;
}

/** Options of {@link registryPair}: the shared options plus the two regions. */
export type RegistryPairOptions = Omit<IotRegistryClientOptions, 'region'> & { sourceRegion: string; targetRegion: string };

const OptionsSchema = z.object({
  region: RegionSchema,
  endpoint: z.url().optional(),
  roleArn: RoleArnSchema.optional(),
  accountId: z.string().min(1).optional(),
  quotas: z
    .strictObject({
      scale: z.number().min(0).optional(),
      overrides: z.record(z.string(), z.number().min(0)).optional(),
    })
    .optional(),
});

/** Sockets kept per host: enough for the describe fan-out of a few concurrent workers. */
const MAX_SOCKETS = 50;
const CONNECTION_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;

let agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent } | undefined;

/** One pair of keep-alive agents for the process, shared by every registry's client. */
function keepAliveAgents(): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  agents ??= {
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  };
  return agents;
}

/** Environment variables through which the default chain would find real credentials. */
const CREDENTIAL_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

/** Whether a URL points at this machine (`localhost`, `127.0.0.0/8`, `::1`). */
export function isLoopbackUrl(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return false;
  }
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * The static credentials to give the client: explicit ones, or dummies for a loopback endpoint when the
 * environment configures none; `undefined` means the SDK's default chain.
 */
export function staticCredentialsFor(options: IotRegistryClientOptions, env: NodeJS.ProcessEnv): StaticCredentials | undefined {
  if (options.credentials) return options.credentials;
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_IOT ?? env.AWS_ENDPOINT_URL;
  const environmentHasCredentials = CREDENTIAL_ENV.some((name) => Boolean(env[name]));
  if (endpoint !== undefined && isLoopbackUrl(endpoint) && !environmentHasCredentials) {
    // A local emulator checks the signature's shape, not the key: the demo needs no AWS setup.
    return { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return undefined;
}

/** The session name the assumed role's calls carry in the target account's CloudTrail. */
export const ROLE_SESSION_NAME = 'iot-registry-sync';

/** An `IoTClient` for one region, with SDK retries off and keep-alive sockets; it assumes `roleArn` when given. */
export function createIotClient(options: IotRegistryClientOptions, env: NodeJS.ProcessEnv = process.env): IoTClient {
  const own = staticCredentialsFor(options, env);
  const credentials =
    options.roleArn === undefined
      ? own
      : fromTemporaryCredentials({
          params: { RoleArn: options.roleArn, RoleSessionName: ROLE_SESSION_NAME },
          ...(own === undefined ? {} : { masterCredentials: own }),
          // STS of the client's own region: the regional endpoint keeps working when another region fails.
          clientConfig: { region: options.region },
        });
  return new IoTClient({
    region: options.region,
    maxAttempts: 1,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
    requestHandler: {
      ...keepAliveAgents(),
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
    },
  });
}

/** A paced {@link IotRegistry} for one region. Invalid options fail loudly with InvalidInputError. */
export function createIotRegistry(options: IotRegistryClientOptions): IotRegistry {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new InvalidInputError(`IoT registry options: ${describeIssue(parsed.error)}`);
  }
  return new IotRegistry({
    client: createIotClient(options),
    region: options.region,
    ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
    quotas: new QuotaPacer({ scale: options.quotas?.scale ?? 1, overrides: options.quotas?.overrides ?? {} }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}

/** The source and target registries of one sync direction, built with the same options. */
export function registryPair(options: RegistryPairOptions): { source: IotRegistry; target: IotRegistry } {
  const { sourceRegion, targetRegion, ...shared } = options;
  return {
    source: createIotRegistry({ ...shared, region: sourceRegion }),
    target: createIotRegistry({ ...shared, region: targetRegion }),
  };
}
