/**
 * The event path into the sync: IoT topic rules on the registry-event topics → the forwarder Lambda →
 * EventBridge; two EventBridge rules (IoT calls delivered by CloudTrail, and the forwarded registry
 * events) → the rule target (the coalescing queue, lib/infra/event-coalescing.ts). Whatever a hop gives up on lands in a dead-letter queue.
 */
import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CLOUDTRAIL_RULE_PATTERN, REGISTRY_RULE_PATTERN, REGISTRY_TOPIC_FILTERS, registryTopicRuleSql, type RegistryTopicFamily } from '../events/rule-pattern';
import { FUNCTION_SIZING } from './function-sizing';
import { handlerFunction, lambdaRole } from './handler-function';
import { acknowledge, LAMBDA_TRACING_WILDCARD_REASON } from './nag-acknowledgements';

/** What {@link addEventPath} builds on. */
export interface EventPathOptions {
  /** Where both EventBridge rules send their events: the target that starts the sync. */
  ruleTarget: events.IRuleTarget;
  /** The bus the forwarder puts registry events on (the default bus, where CloudTrail's events arrive too). */
  bus: events.IEventBus;
  /** Registry events the topic rules could not hand to the forwarder, or the forwarder could not put on the bus. */
  topicRuleErrorQueue: sqs.IQueue;
  /** Whether the rules start enabled. */
  enabled: boolean;
  retention: logs.RetentionDays;
}

/** The event path's rules and its forwarder. */
export interface EventPath {
  forwarder: NodejsFunction;
  cloudTrailRule: events.Rule;
  registryEventRule: events.Rule;
  topicRules: Record<RegistryTopicFamily, iot.CfnTopicRule>;
}

/** Adds the forwarder, the two EventBridge rules and the registry topic rules to `scope`. */
export function addEventPath(scope: Construct, options: EventPathOptions): EventPath {
  const { bus, topicRuleErrorQueue, enabled } = options;
  // The forwarder touches no registry: it only puts events on the bus.
  const forwarderRole = lambdaRole(scope, 'ForwarderRole', []);
  acknowledge(forwarderRole, 'AwsSolutions-IAM5[Resource::*]', LAMBDA_TRACING_WILDCARD_REASON);
  const forwarder = handlerFunction(scope, 'ForwardRegistryEvent', {
    file: 'forward-registry-event.ts',
    role: forwarderRole,
    retention: options.retention,
    environment: { IRS_EVENT_BUS_NAME: 'default' },
    sizing: FUNCTION_SIZING.ForwardRegistryEvent,
  });
  // IoT invokes the forwarder asynchronously: the rule's error action sees only failed invocations, so an
  // event the forwarder itself fails on (after Lambda's two retries) goes to the same queue.
  forwarder.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(topicRuleErrorQueue) });
  forwarderRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }));

  const cloudTrailRule = new events.Rule(scope, 'CloudTrailRule', {
    description: 'IoT registry writes delivered by CloudTrail start the registry sync',
    eventPattern: toEventPattern(CLOUDTRAIL_RULE_PATTERN),
    enabled,
    targets: [options.ruleTarget],
  });
  const registryEventRule = new events.Rule(scope, 'RegistryEventRule', {
    description: 'IoT registry events forwarded from $aws/events start the registry sync',
    eventPattern: toEventPattern(REGISTRY_RULE_PATTERN),
    enabled,
    targets: [options.ruleTarget],
  });
  const topicRules = registryTopicRules(scope, forwarder, topicRuleErrorQueue, enabled);
  return { forwarder, cloudTrailRule, registryEventRule, topicRules };
}

/** IoT topic rules → forwarder: one per registry-event family the sync reads (never `$aws/events/#`), failures to the error queue. */
function registryTopicRules(scope: Construct, forwarder: NodejsFunction, errorQueue: sqs.IQueue, enabled: boolean): Record<RegistryTopicFamily, iot.CfnTopicRule> {
  const errorRole = new iam.Role(scope, 'TopicRuleErrorRole', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
  errorRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [errorQueue.queueArn] }));
  const rules = {} as Record<RegistryTopicFamily, iot.CfnTopicRule>;
  for (const family of Object.keys(REGISTRY_TOPIC_FILTERS) as RegistryTopicFamily[]) {
    const id = `${family[0]!.toUpperCase()}${family.slice(1)}`;
    const rule = new iot.CfnTopicRule(scope, `${id}EventsTopicRule`, {
      topicRulePayload: {
        description: `Forwards IoT ${family} registry events to EventBridge, where they start the registry sync`,
        sql: registryTopicRuleSql(family),
        awsIotSqlVersion: '2016-03-23',
        ruleDisabled: !enabled,
        actions: [{ lambda: { functionArn: forwarder.functionArn } }],
        errorAction: { sqs: { queueUrl: errorQueue.queueUrl, roleArn: errorRole.roleArn, useBase64: false } },
      },
    });
    forwarder.addPermission(`InvokedBy${id}TopicRule`, {
      principal: new iam.ServicePrincipal('iot.amazonaws.com'),
      sourceArn: rule.attrArn,
      sourceAccount: Stack.of(scope).account,
    });
    rules[family] = rule;
  }
  return rules;
}

/** An EventBridge pattern as CDK takes it (`detail-type` → `detailType`). */
function toEventPattern(pattern: { source: readonly string[]; 'detail-type': readonly string[]; detail?: unknown }): events.EventPattern {
  return {
    source: [...pattern.source],
    detailType: [...pattern['detail-type']],
    ...(pattern.detail === undefined ? {} : { detail: JSON.parse(JSON.stringify(pattern.detail)) as Record<string, unknown> }),
  };
}
