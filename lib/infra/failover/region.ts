/**
 * What the failover needs in each region: the IoT domain configuration for the custom domain (service type
 * DATA, that region's ACM certificate), the region's data endpoint (a DescribeEndpoint custom resource),
 * the canary's secret (its own KMS key; readable only by the canary, and writable by the primary's
 * provisioner), the canary Lambda on a one-minute schedule, and the canary alarm Route 53 follows.
 */
import { METRICS_NAMESPACE } from '../../core/metrics';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { CANARY_SUCCESS_METRIC, canaryMetricDimensions } from '../../core/failover';
import { handlerFunction } from '../handler-function';
import { acknowledge, acknowledgeCustomResourceProvider, acknowledgeWildcardResources } from '../nag-acknowledgements';
import { failoverNames } from './names';

/** Properties of {@link FailoverRegion}. */
export interface FailoverRegionProps {
  /** The main stack's name: every deterministic name derives from it. */
  readonly stackName: string;
  /** The custom domain devices connect to. */
  readonly domainName: string;
  /** This region's ACM server certificate for the domain. */
  readonly serverCertificateArn: string;
  /** Consecutive failed one-minute canary runs before its alarm fires. */
  readonly failureThreshold: number;
  /** Missing canary data: `unhealthy` (the secondary: unknown is not ready) or `last-known` (the primary: no flip on a data gap). */
  readonly missingData: 'unhealthy' | 'last-known';
  /** Retention of the canary's logs; default one month. */
  readonly logRetention?: logs.RetentionDays;
}

/** The domain configuration, the canary and its alarm in one region (the stack's). */
export class FailoverRegion extends Construct {
  /** The IoT domain configuration (service type DATA) for the custom domain. */
  readonly domainConfiguration: iot.CfnDomainConfiguration;
  /** The region's `iot:Data-ATS` address, read at deploy time. */
  readonly dataEndpoint: string;
  /** The canary's key and certificate (JSON), encrypted with {@link secretKey}. */
  readonly secret: secretsmanager.Secret;
  /** The secret's KMS key. */
  readonly secretKey: kms.Key;
  /** The canary Lambda. */
  readonly canary: NodejsFunction;
  /** Fires when the canary failed (or did not report) for `failureThreshold` consecutive minutes. */
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FailoverRegionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = failoverNames(props.stackName, stack.partition, stack.account);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    // Devices send SNI = the domain in both regions; AWS IoT serves this configuration's certificate for it.
    // https://docs.aws.amazon.com/iot/latest/developerguide/iot-custom-endpoints-configurable-custom.html
    this.domainConfiguration = new iot.CfnDomainConfiguration(this, 'DomainConfiguration', {
      domainConfigurationName: names.domainConfiguration,
      domainName: props.domainName,
      serverCertificateArns: [props.serverCertificateArn],
      serviceType: 'DATA',
      domainConfigurationStatus: 'ENABLED',
    });

    this.dataEndpoint = dataEndpointAddress(this, 'DataEndpoint', stack.region);

    this.secretKey = new kms.Key(this, 'CanarySecretKey', {
      enableKeyRotation: true,
      alias: names.secretKeyAlias,
      description: 'Encrypts the failover canary key (iot-registry-sync)',
    });
    this.secret = new secretsmanager.Secret(this, 'CanarySecret', {
      secretName: names.secret,
      description: 'Private key and certificate of the failover canary (written by the provisioner in the primary)',
      encryptionKey: this.secretKey,
    });

    const role = new iam.Role(this, 'CanaryRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.secret.grantRead(role);
    // Readable only by the canary (and the provisioner that writes it): a deny for every other principal.
    const provisionerArn = names.provisionerRoleArn;
    this.secret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheCanaryReadsTheKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [role.roleArn, provisionerArn] } },
      }),
    );
    // The provisioner lives in the primary's failover stack; a condition (not a principal) names it, so this
    // key policy is valid before that role exists.
    this.secretKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TheProvisionerWritesTheCanarySecret',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ArnEquals: { 'aws:PrincipalArn': provisionerArn },
          StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` },
        },
      }),
    );
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      'The secret holds a device private key made by AWS IoT with its certificate; rotating it means a new IoT certificate, which the provisioner does on redeploy, not a Secrets Manager rotation Lambda',
    );

    this.canary = handlerFunction(this, 'Canary', {
      file: 'failover-canary.ts',
      role,
      retention,
      environment: {
        IRS_FAILOVER_DOMAIN: props.domainName,
        IRS_CANARY_SECRET_ID: names.secret,
        IRS_CANARY_HOST: this.dataEndpoint,
        IRS_CANARY_PORT: '8883',
      },
      sizing: { memoryMb: 256, timeoutSeconds: 30 },
    });
    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', 'Added by CDK for Lambda tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource type');
    new events.Rule(this, 'CanarySchedule', {
      description: 'Runs the failover canary every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.canary, { retryAttempts: 0 })],
    });

    // Exactly the canary's EMF identity (namespace, name, every dimension, `service` included).
    // Route 53 follows standard-resolution alarms with Average/Minimum/Maximum/Sum/SampleCount only.
    // https://docs.aws.amazon.com/Route53/latest/APIReference/API_AlarmIdentifier.html
    this.alarm = new cloudwatch.Alarm(this, 'CanaryAlarm', {
      alarmName: names.canaryAlarm(stack.region),
      alarmDescription: `The failover canary of ${stack.region} could not connect, publish and receive over ${props.domainName}`,
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: CANARY_SUCCESS_METRIC,
        dimensionsMap: canaryMetricDimensions(stack.region, props.domainName),
        statistic: 'Minimum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: props.failureThreshold,
      treatMissingData: props.missingData === 'unhealthy' ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.IGNORE,
    });
  }
}

/**
 * A region's `iot:Data-ATS` address from DescribeEndpoint (a CDK AwsCustomResource; `region` may be
 * another region than the stack's).
 * https://docs.aws.amazon.com/iot/latest/apireference/API_DescribeEndpoint.html
 */
export function dataEndpointAddress(scope: Construct, id: string, region: string): string {
  const call: cr.AwsSdkCall = {
    service: 'Iot',
    action: 'DescribeEndpoint',
    parameters: { endpointType: 'iot:Data-ATS' },
    region,
    physicalResourceId: cr.PhysicalResourceId.of(`iot-data-ats-${region}`),
  };
  const statements = [new iam.PolicyStatement({ actions: ['iot:DescribeEndpoint'], resources: ['*'], conditions: { StringEquals: { 'aws:RequestedRegion': region } } })];
  const lookup = new cr.AwsCustomResource(scope, id, {
    onCreate: call,
    onUpdate: call,
    policy: cr.AwsCustomResourcePolicy.fromStatements(statements),
    installLatestAwsSdk: false,
  });
  acknowledgeWildcardResources(lookup, statements, 'iot:DescribeEndpoint has no resource type in the Service Authorization Reference; the statement is pinned to one region with aws:RequestedRegion');
  acknowledgeCustomResourceProvider(scope);
  return lookup.getResponseField('endpointAddress');
}

