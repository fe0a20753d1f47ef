/** The Lambdas' CloudWatch metrics (EMF through Powertools), with the identity lib/core/metrics defines. */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC_SERVICES, METRICS_NAMESPACE, type MetricService } from '../../lib/core/metrics';

/** The metrics of one emitting family as the Lambda publishes them (Powertools adds the `service` dimension). */
export function createMetrics(service: MetricService, sourceRegion: string, targetRegion: string): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: METRIC_SERVICES[service],
    defaultDimensions: { SourceRegion: sourceRegion, TargetRegion: targetRegion },
  });
}
