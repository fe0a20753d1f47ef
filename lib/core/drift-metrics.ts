/**
 * The identity of the drift report's CloudWatch metrics, shared by the Lambda that emits them and the alarm
 * that reads them. CloudWatch identifies a metric by namespace, name and the *full* set of dimensions, so an
 * alarm on a subset of the dimensions sees no data
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension).
 */

/** The namespace of every metric the project emits. */
export const DRIFT_METRICS_NAMESPACE = 'IotRegistrySync';

/** The service name of the drift Lambdas' metrics; Powertools Metrics adds it as the `service` dimension. */
export const DRIFT_METRICS_SERVICE = 'drift-report';

/** Every dimension of a drift metric, as emitted: the `service` dimension Powertools adds, and the two regions. */
export function driftMetricDimensions(sourceRegion: string, targetRegion: string): Record<string, string> {
  return { service: DRIFT_METRICS_SERVICE, SourceRegion: sourceRegion, TargetRegion: targetRegion };
}
