/**
 * What makes the source region emit the events the sync starts from: the IoT registry events (off until
 * UpdateEventConfigurations switches them on) and a CloudTrail trail (EventBridge receives CloudTrail's
 * management events only while a trail records them).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { acknowledge, acknowledgeCustomResourceProvider } from './nag-acknowledgements';
import { PRIVATE_BUCKET } from './storage';

/** The registry event families the topic rule forwards (the `UpdateEventConfigurations` keys they need). */
export const REGISTRY_EVENT_CONFIGURATIONS = [
  'THING',
  'THING_TYPE',
  'THING_TYPE_ASSOCIATION',
  'THING_GROUP',
  'THING_GROUP_MEMBERSHIP',
  'THING_GROUP_HIERARCHY',
] as const;

/** Registry events are off by default; this switches on the six families the sync uses (it leaves them on at deletion). */
export function switchOnRegistryEvents(scope: Construct, region: string): void {
  const call: cr.AwsSdkCall = {
    service: 'IoT',
    action: 'UpdateEventConfigurations',
    parameters: { eventConfigurations: Object.fromEntries(REGISTRY_EVENT_CONFIGURATIONS.map((key) => [key, { Enabled: true }])) },
    physicalResourceId: cr.PhysicalResourceId.of(`iot-registry-events-${region}`),
  };
  const resource = new cr.AwsCustomResource(scope, 'RegistryEventConfiguration', {
    onCreate: call,
    onUpdate: call,
    // UpdateEventConfigurations has no resource type: `*`, pinned to this region.
    policy: cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({
        actions: ['iot:UpdateEventConfigurations'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': region } },
      }),
    ]),
    installLatestAwsSdk: false,
  });
  acknowledge(
    resource,
    'AwsSolutions-IAM5[Resource::*]',
    'iot:UpdateEventConfigurations is an account-level setting with no resource type; the statement is pinned to this region with aws:RequestedRegion',
  );
  acknowledgeCustomResourceProvider(scope);
}

/** A regional trail of write events, KMS-encrypted, its log files validated and access-logged to `accessLogsBucket`. */
export function addRegistryTrail(scope: Construct, accessLogsBucket: s3.IBucket): cloudtrail.Trail {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, 'TrailKey', { enableKeyRotation: true, description: 'Encrypts the iot-registry-sync CloudTrail log files' });
  const trailArnPattern = `arn:${stack.partition}:cloudtrail:${stack.region}:${stack.account}:trail/*`;
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudTrailEncryptsLogFiles',
      principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
      actions: ['kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*` },
        ArnLike: { 'aws:SourceArn': trailArnPattern },
      },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudTrailDescribesKey',
      principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
      actions: ['kms:DescribeKey'],
      resources: ['*'],
    }),
  );
  const bucket = new s3.Bucket(scope, 'TrailBucket', {
    ...PRIVATE_BUCKET,
    serverAccessLogsBucket: accessLogsBucket,
    serverAccessLogsPrefix: 'trail/',
    lifecycleRules: [{ id: 'expire-trail-logs', expiration: Duration.days(90) }],
  });
  return new cloudtrail.Trail(scope, 'Trail', {
    bucket,
    encryptionKey: key,
    enableFileValidation: true,
    // Only this region's IoT calls matter; a regional trail is the free first copy of its management events.
    isMultiRegionTrail: false,
    includeGlobalServiceEvents: false,
    managementEvents: cloudtrail.ReadWriteType.WRITE_ONLY,
  });
}
