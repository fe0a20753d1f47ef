/** The Lambdas' CloudWatch metrics (EMF through Powertools), with the identity lib/core/metrics defines. */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC_SERVICES, METRICS_NAMESPACE, regionPairDimensions, type MetricService } from '../../lib/core/metrics';

/** The metrics of one emitting family with its own dimensions (Powertools adds the `service` dimension). */
export function createMetrics(service: MetricService, dimensions: Record<string, string>): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES[service], defaultDimensions: dimensions });
}

/** The metrics of the drift or sync family of one sync direction. */
export function createRegionPairMetrics(service: 'drift' | 'sync', sourceRegion: string, targetRegion: string): Metrics {
  return createMetrics(service, regionPairDimensions(sourceRegion, targetRegion));
}
