/**
 * The construct's alarms: anything that failed, was throttled or waits in a dead-letter queue, an event
 * that named no resource, and the drift job's failover readiness.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, metricDimensions } from '../core/metrics';

/** What {@link addAlarms} watches. */
export interface AlarmedResources {
  /** Notified by every alarm, when given. */
  topic: sns.ITopic | undefined;
  sourceRegion: string;
  targetRegion: string;
  /** Whether the stack's event rules and drift schedule are enabled (decides how missing readiness data counts). */
  enabled: boolean;
  /** ReadinessPercent below which the readiness alarm fires. */
  readinessThreshold: number;
  syncStateMachine: sfn.StateMachine;
  driftStateMachine: sfn.StateMachine;
  failureQueue: sqs.Queue;
  eventDeadLetterQueue: sqs.Queue;
  topicRuleErrorQueue: sqs.Queue;
  /** The sync Lambdas: their throttles and the forwarder's are summed in one alarm. */
  syncFunctions: lambda.IFunction[];
  forwarder: lambda.IFunction;
}

/** Adds the alarms to `scope` and returns them. */
export function addAlarms(scope: Construct, watched: AlarmedResources): cloudwatch.Alarm[] {
  const { topic } = watched;
  const alarms: cloudwatch.Alarm[] = [];
  const period = Duration.minutes(5);
  const anyOf = (id: string, metric: cloudwatch.IMetric, description: string) => {
    const alarm = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (topic) alarm.addAlarmAction(new SnsAction(topic));
    alarms.push(alarm);
  };
  anyOf('SyncExecutionsFailedAlarm', watched.syncStateMachine.metricFailed({ period, statistic: 'Sum' }), 'A sync execution failed; its change is in the failure queue');
  anyOf('SyncExecutionsThrottledAlarm', watched.syncStateMachine.metricThrottled({ period, statistic: 'Sum' }), 'Step Functions throttled sync executions');
  const depth = (queue: sqs.Queue) => queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' });
  anyOf('FailureQueueDepthAlarm', depth(watched.failureQueue), 'Changes whose sync failed wait in the failure queue for a redrive');
  anyOf('EventDeadLetterQueueDepthAlarm', depth(watched.eventDeadLetterQueue), 'EventBridge could not start the sync for some events');
  anyOf('TopicRuleErrorQueueDepthAlarm', depth(watched.topicRuleErrorQueue), 'Registry events the topic rule or the forwarder could not deliver wait in the error queue');
  anyOf(
    'LambdaThrottlesAlarm',
    new cloudwatch.MathExpression({
      expression: 'SUM(METRICS())',
      usingMetrics: Object.fromEntries([...watched.syncFunctions, watched.forwarder].map((fn, i) => [`t${i}`, fn.metricThrottles({ period, statistic: 'Sum' })])),
      period,
      label: 'Throttles of the sync Lambdas',
    }),
    'Lambda throttled a sync function (raise its concurrency or lower the event rate)',
  );
  anyOf('ForwarderErrorsAlarm', watched.forwarder.metricErrors({ period, statistic: 'Sum' }), 'The registry event forwarder failed; see the topic rule error queue');
  anyOf('DriftJobFailedAlarm', watched.driftStateMachine.metricFailed({ period, statistic: 'Sum' }), 'The drift report job failed: readiness is unknown');
  anyOf(
    'UnresolvedChangesAlarm',
    new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'UnresolvedChanges',
      dimensionsMap: metricDimensions('sync', watched.sourceRegion, watched.targetRegion),
      statistic: 'Sum',
      period,
    }),
    'A change event did not name the resource it made (e.g. a certificate ID missing from CloudTrail): run a reconcile; the drift report lists what is missing',
  );

  // The drift job's ReadinessPercent (Powertools metrics, lambdas/drift-finish.ts). Missing data breaches
  // while the stack is enabled (a readiness nobody measured is no readiness to fail over on), not on a
  // disabled failback stack, whose drift schedule is off.
  const readiness = new cloudwatch.Alarm(scope, 'ReadinessAlarm', {
    metric: new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'ReadinessPercent',
      // Every dimension the Lambda emits, `service` included: an alarm on a subset would see no data.
      dimensionsMap: metricDimensions('drift', watched.sourceRegion, watched.targetRegion),
      statistic: 'Minimum',
      period: Duration.hours(24),
    }),
    threshold: watched.readinessThreshold,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: watched.enabled ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `Failover readiness of ${watched.targetRegion} is below ${watched.readinessThreshold} % (or was not measured for a day); see the latest drift report`,
  });
  if (topic) readiness.addAlarmAction(new SnsAction(topic));
  alarms.push(readiness);
  return alarms;
}
