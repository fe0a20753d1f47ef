/**
 * The primary's extra failover pieces: the canary's identity, provisioned like any device by a custom
 * resource (lambdas/provision-canary.ts) that writes its key to both regions' canary secrets, and the
 * readiness alarm the secondary's health check follows (the drift job's ReadinessPercent, with exactly
 * the dimensions its EMF record carries).
 */
import { METRICS_NAMESPACE, metricDimensions } from '../../core/metrics';
import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { READINESS_METRIC } from '../../core/failover';
import { handlerFunction } from '../handler-function';
import { acknowledge, acknowledgeWildcardResources, nagResourceName } from '../nag-acknowledgements';
import { failoverNames } from './names';
import type { FailoverRegion } from './region';

/** Properties of {@link FailoverPrimary}. */
export interface FailoverPrimaryProps {
  readonly stackName: string;
  readonly targetRegion: string;
  /** The primary's regional pieces (its secret and key). */
  readonly region: FailoverRegion;
  /** ReadinessPercent at or above which the secondary may take traffic. */
  readonly readinessThreshold: number;
  readonly logRetention?: logs.RetentionDays;
}

/** The canary identity's provisioner and the readiness alarm, in the primary. */
export class FailoverPrimary extends Construct {
  /** The custom resource; its `CertificateId` attribute is the canary's certificate. */
  readonly canaryIdentity: CustomResource;
  /** Healthy (OK) when the secondary's last readiness is at or above the threshold. */
  readonly readinessAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FailoverPrimaryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = failoverNames(props.stackName, stack.partition, stack.account);
    const iotArn = (resource: string) => `arn:${stack.partition}:iot:${stack.region}:${stack.account}:${resource}`;
    const secretArn = (region: string) => `arn:${stack.partition}:secretsmanager:${region}:${stack.account}:secret:${names.secret}-??????`;

    const statements = [
      new iam.PolicyStatement({
        actions: ['iot:CreateThing', 'iot:DeleteThing'],
        resources: [iotArn(`thing/${names.thingName}`)],
      }),
      new iam.PolicyStatement({
        actions: ['iot:CreatePolicy', 'iot:DeletePolicy', 'iot:AttachPolicy', 'iot:DetachPolicy'],
        resources: [iotArn(`policy/${names.policyName}`)],
      }),
      new iam.PolicyStatement({
        actions: ['iot:DescribeCertificate', 'iot:UpdateCertificate', 'iot:DeleteCertificate', 'iot:AttachPolicy', 'iot:DetachPolicy', 'iot:AttachThingPrincipal', 'iot:DetachThingPrincipal'],
        resources: [iotArn('cert/*')],
      }),
      new iam.PolicyStatement({
        actions: ['iot:AttachThingPrincipal', 'iot:DetachThingPrincipal'],
        resources: [iotArn(`thing/${names.thingName}`)],
      }),
      // CreateKeysAndCertificate has no resource type: `*`, pinned to the primary.
      new iam.PolicyStatement({ actions: ['iot:CreateKeysAndCertificate'], resources: ['*'], conditions: { StringEquals: { 'aws:RequestedRegion': stack.region } } }),
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [secretArn(stack.region), secretArn(props.targetRegion)],
      }),
      // The secondary's key is named by alias only (it lives in another stack); usable only through Secrets Manager.
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [`arn:${stack.partition}:kms:${props.targetRegion}:${stack.account}:key/*`],
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': names.secretKeyAlias },
          StringEquals: { 'kms:ViaService': `secretsmanager.${props.targetRegion}.amazonaws.com` },
        },
      }),
    ];
    const role = new iam.Role(this, 'ProvisionerRole', { roleName: names.provisionerRoleName, assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    for (const statement of statements) role.addToPrincipalPolicy(statement);
    // The primary's key, through Secrets Manager only (the key policy delegates to IAM).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.region.secretKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
      }),
    );
    acknowledgeWildcardResources(
      role,
      statements,
      'The canary certificate ID is only known after CreateKeysAndCertificate, so certificate actions name cert/* in the primary; CreateKeysAndCertificate has no resource type (pinned to the region); the secondary KMS key is reached by its alias through Secrets Manager only; secret ARNs end in the random six-character suffix Secrets Manager adds',
    );
    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', 'Added by CDK for Lambda tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource type; iot:CreateKeysAndCertificate has no resource type and is pinned to the region');

    const onEvent = handlerFunction(this, 'ProvisionCanary', {
      file: 'provision-canary.ts',
      role,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      environment: {},
      sizing: { memoryMb: 256, timeoutSeconds: 60 },
    });
    const provider = new cr.Provider(this, 'CanaryIdentityProvider', { onEventHandler: onEvent, logGroup: new logs.LogGroup(this, 'CanaryIdentityProviderLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH }) });
    acknowledge(
      provider,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'CDK Provider framework function: its AWS managed basic-execution policy only lets it write its own logs',
    );
    acknowledge(
      provider,
      `AwsSolutions-IAM5[Resource::${nagResourceName(this, `${onEvent.functionArn}:*`)}]`,
      'CDK Provider framework function: it may invoke only the onEvent handler, with the :* version suffix CDK adds',
    );
    acknowledge(provider, 'AwsSolutions-L1', 'CDK Provider framework function: CDK picks its runtime, which this app cannot set');
    this.canaryIdentity = new CustomResource(this, 'CanaryIdentity', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::FailoverCanaryIdentity',
      properties: {
        Partition: stack.partition,
        Account: stack.account,
        Region: stack.region,
        ThingName: names.thingName,
        PolicyName: names.policyName,
        SecretIds: { [stack.region]: names.secret, [props.targetRegion]: names.secret },
      },
    });
    this.canaryIdentity.node.addDependency(props.region.secret);

    // The drift job publishes ReadinessPercent after each run (default every 6 hours); a day without one is not ready.
    this.readinessAlarm = new cloudwatch.Alarm(this, 'ReadinessAlarm', {
      alarmName: names.readinessAlarm,
      alarmDescription: `The readiness of ${props.targetRegion} is below ${props.readinessThreshold} % (or was not measured for a day): the failover record will not move devices there`,
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: READINESS_METRIC,
        dimensionsMap: metricDimensions('drift', stack.region, props.targetRegion),
        statistic: 'Minimum',
        period: Duration.days(1),
      }),
      threshold: props.readinessThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }
}
