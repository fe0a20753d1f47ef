/**
 * The identity of the project's CloudWatch metrics, shared by the Lambdas that emit them and the alarms that
 * read them. CloudWatch identifies a metric by namespace, name and the *full* set of dimensions, so an alarm
 * on a subset of the dimensions sees no data
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension).
 */

/** The namespace of every metric the project emits. */
export const METRICS_NAMESPACE = 'IotRegistrySync';

/** The service name of each emitting family; Powertools Metrics adds it as the `service` dimension. */
export const METRIC_SERVICES = {
  /** The drift job (ReadinessPercent, DifferencesTotal, DevicesNotReady, Differences by Kind). */
  drift: 'drift-report',
  /** The sync state machine's Lambdas (UnresolvedChanges). */
  sync: 'sync',
  /** The failover data-plane canary (CanarySuccess, CanaryLatency). */
  canary: 'failover-canary',
} as const;

/** A family that emits metrics. */
export type MetricService = keyof typeof METRIC_SERVICES;

/** The dimensions the drift and sync families set themselves: the direction of the sync. */
export function regionPairDimensions(sourceRegion: string, targetRegion: string): Record<string, string> {
  return { SourceRegion: sourceRegion, TargetRegion: targetRegion };
}

/** Every dimension of a metric as emitted: the `service` dimension Powertools adds, then the family's own. */
export function emittedDimensions(service: MetricService, own: Record<string, string>): Record<string, string> {
  return { service: METRIC_SERVICES[service], ...own };
}

/** Every dimension of a drift or sync metric as emitted. */
export function metricDimensions(service: 'drift' | 'sync', sourceRegion: string, targetRegion: string): Record<string, string> {
  return emittedDimensions(service, regionPairDimensions(sourceRegion, targetRegion));
}
