/**
 * The data-plane canary (every minute, in each region): connects over mutual TLS to its own region's data
 * endpoint with SNI = the failover domain, publishes to its own topic, receives its own message, and
 * publishes CanarySuccess (1/0) and CanaryLatency as EMF through Powertools, with exactly the dimensions
 * the canary alarm queries (lib/core/failover.ts). A failed probe is a metric and a log line, not an error.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { probe, type CanaryConnector, type CanaryResult } from '../lib/aws/canary';
import { CanarySecretSchema, secretsManagerStore, type CanarySecret } from '../lib/aws/canary-identity';
import {
  CANARY_LATENCY_METRIC,
  CANARY_SUCCESS_METRIC,
  canaryOwnDimensions,
  canaryTopic,
} from '../lib/core/failover';
import { createMetrics } from './runtime/metrics';
import { deviceCanaryConnector } from './runtime/canary-connector';
import { InvalidInputError } from '../lib/core/errors';
import { describeIssue } from '../lib/core/validation';

const EnvironmentSchema = z.object({
  AWS_REGION: z.string().min(1),
  IRS_FAILOVER_DOMAIN: z.string().min(1),
  IRS_CANARY_SECRET_ID: z.string().min(1),
  /** The region's iot:Data-ATS address (the custom resource's DescribeEndpoint answer). */
  IRS_CANARY_HOST: z.string().min(1),
  IRS_CANARY_PORT: z.coerce.number().int().min(1).max(65535).default(8883),
});

/** What one run reports. */
export type CanaryOutcome = CanaryResult & { region: string; domainName: string; topic: string };

/** The handler's collaborators (the environment's on Lambda; fakes or the emulator in tests). */
export interface CanaryDependencies {
  region: string;
  domainName: string;
  readSecret: () => Promise<CanarySecret>;
  connector: (secret: CanarySecret) => CanaryConnector;
  metrics: Metrics;
  log: (line: string) => void;
}

/** Powertools metrics for one region's canary; the `service` dimension comes from serviceName. */
export function canaryMetrics(region: string, domainName: string): Metrics {
  return createMetrics('canary', canaryOwnDimensions(region, domainName));
}

/** Runs one probe and publishes its metrics. */
export async function runCanary(d: CanaryDependencies): Promise<CanaryOutcome> {
  let result: CanaryResult;
  let topic = '';
  try {
    const secret = await d.readSecret();
    topic = canaryTopic(secret.thingName, d.region);
    result = await probe({ connect: d.connector(secret), topic });
  } catch (error) {
    // No secret (yet) is a failed canary too: the region cannot be proven.
    result = { ok: false, stage: 'connect', reason: `canary secret unreadable: ${(error as Error).message}` };
  }
  d.metrics.addMetric(CANARY_SUCCESS_METRIC, MetricUnit.Count, result.ok ? 1 : 0);
  if (result.ok) d.metrics.addMetric(CANARY_LATENCY_METRIC, MetricUnit.Milliseconds, result.latencyMs);
  d.metrics.publishStoredMetrics();
  const outcome: CanaryOutcome = { ...result, region: d.region, domainName: d.domainName, topic };
  d.log(JSON.stringify({ level: result.ok ? 'INFO' : 'ERROR', message: result.ok ? 'canary succeeded' : 'canary failed', ...outcome }));
  return outcome;
}

let fromEnvironment: CanaryDependencies | undefined;

/** The Lambda's dependencies, read once per container. */
function environmentDependencies(): CanaryDependencies {
  if (fromEnvironment) return fromEnvironment;
  const parsed = EnvironmentSchema.safeParse(process.env);
  if (!parsed.success) {
    throw new InvalidInputError(`invalid configuration: ${describeIssue(parsed.error)}`);
  }
  const env = parsed.data;
  const secrets = secretsManagerStore();
  let cached: CanarySecret | undefined;
  fromEnvironment = {
    region: env.AWS_REGION,
    domainName: env.IRS_FAILOVER_DOMAIN,
    readSecret: async () => {
      if (cached) return cached;
      const value = await secrets.get(env.AWS_REGION, env.IRS_CANARY_SECRET_ID);
      cached = CanarySecretSchema.parse(JSON.parse(value ?? '{}'));
      return cached;
    },
    connector: (secret) => deviceCanaryConnector({ host: env.IRS_CANARY_HOST, port: env.IRS_CANARY_PORT, serverName: env.IRS_FAILOVER_DOMAIN, secret }),
    metrics: canaryMetrics(env.AWS_REGION, env.IRS_FAILOVER_DOMAIN),
    log: (line) => console.log(line),
  };
  return fromEnvironment;
}

/** Scheduled entry point. */
export async function handler(): Promise<CanaryOutcome> {
  return runCanary(environmentDependencies());
}
