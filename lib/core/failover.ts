/**
 * Failover facts shared by the canary, the infrastructure and the CLI, pure: the canary's identity and
 * topic, its metric identity (namespace, names and every dimension: a CloudWatch alarm on a subset of the
 * dimensions sees no data), its IoT policy, and the expected time to fail over.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension
 */
import { emittedDimensions } from './metrics';

/** The canary's metrics: 1 (success) or 0 per run, and the publish → receive latency of a successful run. */
export const CANARY_SUCCESS_METRIC = 'CanarySuccess';
export const CANARY_LATENCY_METRIC = 'CanaryLatency';

/** The drift job's readiness metric (its identity: lib/core/metrics). */
export const READINESS_METRIC = 'ReadinessPercent';

/** The dimensions the canary sets itself: its region and the domain it probes. */
export function canaryOwnDimensions(region: string, domainName: string): Record<string, string> {
  return { Region: region, DomainName: domainName };
}

/** The full dimension set of a canary metric, exactly as the canary's EMF record carries it. */
export function canaryMetricDimensions(region: string, domainName: string): Record<string, string> {
  return emittedDimensions('canary', canaryOwnDimensions(region, domainName));
}

/** The canary's thing name (= its MQTT client ID), the same in both regions because the sync copies it. */
export function canaryThingName(stackName: string): string {
  return `${stackName}-failover-canary`;
}

/** The canary's IoT policy name. */
export function canaryPolicyName(stackName: string): string {
  return `${stackName}-failover-canary`;
}

/** The topic one region's canary publishes to and subscribes to: its own, so two canaries never mix. */
export function canaryTopic(thingName: string, region: string): string {
  return `iot-registry-sync/canary/${thingName}/${region}`;
}

/**
 * The canary's IoT policy, least privilege: connect as its own thing only, and publish, subscribe and
 * receive on its own topics only. Written with the primary's ARNs; the sync rewrites the region.
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-action-resources.html
 */
export function canaryPolicyDocument(options: { partition: string; region: string; account: string; thingName: string }): string {
  const arn = (resource: string) => `arn:${options.partition}:iot:${options.region}:${options.account}:${resource}`;
  const topics = `iot-registry-sync/canary/${options.thingName}/*`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: arn(`client/${options.thingName}`) },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: arn(`topic/${topics}`) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn(`topicfilter/${topics}`) },
    ],
  });
}

/** Settings that decide how long a failover takes. */
export interface FailoverTiming {
  /** Seconds between canary runs (its schedule; at least CloudWatch's standard 60 s period). */
  canaryPeriodSeconds: number;
  /** Consecutive failed periods before the canary alarm fires. */
  failureThreshold: number;
  /** TTL of the failover records. */
  ttlSeconds: number;
}

/**
 * Worst-case seconds from the primary failing to devices resolving the secondary: the failed periods the
 * alarm needs (interval × threshold), then the record's TTL in resolver caches. Route 53's own alarm poll
 * and client DNS caches beyond the TTL come on top (UNCONFIRMED: not documented as a figure).
 */
export function expectedFailoverSeconds(timing: FailoverTiming): number {
  return timing.canaryPeriodSeconds * timing.failureThreshold + timing.ttlSeconds;
}
