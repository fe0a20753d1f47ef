/**
 * The stacks of the ready-made CDK app: the sync from the primary to the secondary, and its mirror image
 * in the secondary (source and target swapped, rules disabled) that an operator enables to fail back.
 */
import { CfnOutput, Stack, type App, type StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { AppConfig } from './app-config';
import { IotRegistrySync } from './iot-registry-sync';
import type { IotRegistrySyncProps } from './sync-props';

/** Properties of {@link IotRegistrySyncStack}: the stack's env is the source region. */
export interface IotRegistrySyncStackProps extends StackProps {
  /** The construct's props, except the alarm topic, given here as an ARN. */
  readonly sync: Omit<IotRegistrySyncProps, 'alarmTopic'>;
  /** ARN of an existing SNS topic (in the stack's region) the alarms notify; default none. */
  readonly alarmTopicArn?: string;
}

/** One sync direction as a stack, with the outputs an operator needs. */
export class IotRegistrySyncStack extends Stack {
  /** The construct. */
  readonly sync: IotRegistrySync;

  constructor(scope: Construct, id: string, props: IotRegistrySyncStackProps) {
    super(scope, id, props);
    const alarmTopic = props.alarmTopicArn === undefined ? undefined : sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn);
    this.sync = new IotRegistrySync(this, 'IotRegistrySync', { ...props.sync, ...(alarmTopic ? { alarmTopic } : {}) });
    new CfnOutput(this, 'StateMachineArn', { value: this.sync.stateMachine.stateMachineArn });
    new CfnOutput(this, 'CloudTrailRuleName', { value: this.sync.cloudTrailRule.ruleName });
    new CfnOutput(this, 'RegistryEventRuleName', { value: this.sync.registryEventRule.ruleName });
    new CfnOutput(this, 'TopicRuleNames', { value: Object.values(this.sync.topicRules).map((rule) => rule.ref).join(',') });
    new CfnOutput(this, 'FailureQueueUrl', { value: this.sync.failureQueue.queueUrl });
    new CfnOutput(this, 'ReportBucketName', { value: this.sync.reportBucket.bucketName });
  }
}

/** Adds the app's stacks for the given settings: the main one, and the failback one unless switched off. */
export function addIotRegistrySyncStacks(app: App, config: AppConfig): IotRegistrySyncStack[] {
  const shared = {
    deleteMode: config.deleteMode,
    quotaScale: config.quotaScale,
    driftSchedule: config.driftSchedule,
    createTrail: config.createTrail,
    enableRegistryEvents: config.enableRegistryEvents,
  };
  const stacks = [
    new IotRegistrySyncStack(app, config.stackName, {
      env: { account: config.account, region: config.sourceRegion },
      description: `iot-registry-sync: keeps the IoT registry of ${config.targetRegion} identical to ${config.sourceRegion}`,
      sync: { ...shared, targetRegion: config.targetRegion, ...(config.targetRoleArn ? { targetRoleArn: config.targetRoleArn } : {}) },
      ...(config.alarmTopicArn ? { alarmTopicArn: config.alarmTopicArn } : {}),
    }),
  ];
  if (config.failback.deploy) {
    const failback = config.failback;
    stacks.push(
      new IotRegistrySyncStack(app, `${config.stackName}-failback`, {
        env: { account: failback.account ?? config.account, region: config.targetRegion },
        description: `iot-registry-sync failback: ${config.targetRegion} → ${config.sourceRegion}, rules ${failback.enabled ? 'enabled' : 'disabled until an operator enables them'}`,
        sync: {
          ...shared,
          targetRegion: config.sourceRegion,
          enabled: failback.enabled,
          ...(failback.targetRoleArn ? { targetRoleArn: failback.targetRoleArn } : {}),
        },
        ...(failback.alarmTopicArn ? { alarmTopicArn: failback.alarmTopicArn } : {}),
      }),
    );
  }
  return stacks;
}
