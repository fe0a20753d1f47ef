/**
 * Route 53 for the failover: a PRIMARY and a SECONDARY CNAME for the custom domain, each to its region's
 * `iot:Data-ATS` endpoint (read with DescribeEndpoint). Without routing control, the PRIMARY follows the
 * primary canary's alarm (CLOUDWATCH_METRIC) and the SECONDARY is healthy only when the secondary canary
 * succeeds AND readiness is at or above the threshold (CALCULATED, both children). With routing control,
 * each record follows its region's routing control (an operator flips with data-plane calls only, the
 * recovery controller's pattern); the canary and readiness checks remain for `failover status`.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-failover.html
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-types.html
 */
import { Stack } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as arc from 'aws-cdk-lib/aws-route53recoverycontrol';
import { Construct } from 'constructs';
import { failoverNames } from './names';
import { dataEndpointAddress } from './region';

/** Properties of {@link FailoverDns}. */
export interface FailoverDnsProps {
  readonly stackName: string;
  readonly domainName: string;
  readonly hostedZoneId: string;
  readonly sourceRegion: string;
  readonly targetRegion: string;
  /** TTL of both records, in seconds. */
  readonly ttl: number;
  /** Add a recovery-controller cluster and routing controls, and let the records follow them. */
  readonly routingControl: boolean;
}

/** The routing-control pieces, when asked for. */
export interface FailoverRoutingControl {
  cluster: arc.CfnCluster;
  controlPanel: arc.CfnControlPanel;
  /** One routing control per region, by role. */
  controls: { primary: arc.CfnRoutingControl; secondary: arc.CfnRoutingControl };
  safetyRule: arc.CfnSafetyRule;
}

/** The records, their health checks and the optional routing control. */
export class FailoverDns extends Construct {
  readonly primaryRecord: route53.CfnRecordSet;
  readonly secondaryRecord: route53.CfnRecordSet;
  /** CLOUDWATCH_METRIC health checks on the canary alarms and the readiness alarm. */
  readonly primaryCanaryCheck: route53.CfnHealthCheck;
  readonly secondaryCanaryCheck: route53.CfnHealthCheck;
  readonly readinessCheck: route53.CfnHealthCheck;
  /** CALCULATED: the secondary canary AND readiness. */
  readonly secondaryCheck: route53.CfnHealthCheck;
  readonly routing?: FailoverRoutingControl & { checks: { primary: route53.CfnHealthCheck; secondary: route53.CfnHealthCheck } };

  constructor(scope: Construct, id: string, props: FailoverDnsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = failoverNames(props.stackName, stack.partition, stack.account);

    const alarmCheck = (checkId: string, alarmName: string, region: string, insufficientData: 'Unhealthy' | 'LastKnownStatus') =>
      new route53.CfnHealthCheck(this, checkId, {
        healthCheckConfig: { type: 'CLOUDWATCH_METRIC', alarmIdentifier: { name: alarmName, region }, insufficientDataHealthStatus: insufficientData },
        healthCheckTags: [{ key: 'Name', value: `${props.stackName} ${checkId}` }],
      });
    // The primary keeps its last status through a CloudWatch data gap (no flip on a gap); the secondary is
    // unhealthy while unknown (never move devices to a standby nobody has proven ready).
    this.primaryCanaryCheck = alarmCheck('PrimaryCanaryCheck', names.canaryAlarm(props.sourceRegion), props.sourceRegion, 'LastKnownStatus');
    this.secondaryCanaryCheck = alarmCheck('SecondaryCanaryCheck', names.canaryAlarm(props.targetRegion), props.targetRegion, 'Unhealthy');
    this.readinessCheck = alarmCheck('ReadinessCheck', names.readinessAlarm, props.sourceRegion, 'Unhealthy');
    this.secondaryCheck = new route53.CfnHealthCheck(this, 'SecondaryCheck', {
      healthCheckConfig: {
        type: 'CALCULATED',
        childHealthChecks: [this.secondaryCanaryCheck.attrHealthCheckId, this.readinessCheck.attrHealthCheckId],
        healthThreshold: 2,
      },
      healthCheckTags: [{ key: 'Name', value: `${props.stackName} SecondaryCheck (canary and readiness)` }],
    });

    let primaryHealthCheckId = this.primaryCanaryCheck.attrHealthCheckId;
    let secondaryHealthCheckId = this.secondaryCheck.attrHealthCheckId;
    if (props.routingControl) {
      const routing = routingControl(this, props.stackName);
      const controlCheck = (checkId: string, control: arc.CfnRoutingControl) =>
        new route53.CfnHealthCheck(this, checkId, {
          healthCheckConfig: { type: 'RECOVERY_CONTROL', routingControlArn: control.attrRoutingControlArn },
          healthCheckTags: [{ key: 'Name', value: `${props.stackName} ${checkId}` }],
        });
      const checks = { primary: controlCheck('PrimaryRoutingControlCheck', routing.controls.primary), secondary: controlCheck('SecondaryRoutingControlCheck', routing.controls.secondary) };
      this.routing = { ...routing, checks };
      primaryHealthCheckId = checks.primary.attrHealthCheckId;
      secondaryHealthCheckId = checks.secondary.attrHealthCheckId;
    }

    const record = (recordId: string, failover: 'PRIMARY' | 'SECONDARY', region: string, healthCheckId: string) =>
      new route53.CfnRecordSet(this, recordId, {
        hostedZoneId: props.hostedZoneId,
        name: props.domainName,
        type: 'CNAME',
        ttl: String(props.ttl),
        setIdentifier: `${props.stackName}-${failover.toLowerCase()}-${region}`,
        failover,
        healthCheckId,
        resourceRecords: [dataEndpointAddress(this, `${recordId}Endpoint`, region)],
      });
    this.primaryRecord = record('PrimaryRecord', 'PRIMARY', props.sourceRegion, primaryHealthCheckId);
    this.secondaryRecord = record('SecondaryRecord', 'SECONDARY', props.targetRegion, secondaryHealthCheckId);
  }
}

/**
 * A recovery-controller cluster (five regional endpoints), a control panel, a routing control per region and
 * an assertion rule that keeps at least one of them on. The configuration API lives in us-west-2.
 * https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.html
 */
function routingControl(scope: Construct, stackName: string): FailoverRoutingControl {
  const cluster = new arc.CfnCluster(scope, 'Cluster', { name: `${stackName}-failover` });
  const controlPanel = new arc.CfnControlPanel(scope, 'ControlPanel', { name: `${stackName}-failover`, clusterArn: cluster.attrClusterArn });
  const control = (controlId: string, name: string) =>
    new arc.CfnRoutingControl(scope, controlId, { name, clusterArn: cluster.attrClusterArn, controlPanelArn: controlPanel.attrControlPanelArn });
  const controls = { primary: control('PrimaryRoutingControl', `${stackName}-primary`), secondary: control('SecondaryRoutingControl', `${stackName}-secondary`) };
  const safetyRule = new arc.CfnSafetyRule(scope, 'AtLeastOneOn', {
    name: `${stackName}-at-least-one-on`,
    controlPanelArn: controlPanel.attrControlPanelArn,
    assertionRule: { assertedControls: [controls.primary.attrRoutingControlArn, controls.secondary.attrRoutingControlArn], waitPeriodMs: 5000 },
    ruleConfig: { type: 'ATLEAST', threshold: 1, inverted: false },
  });
  return { cluster, controlPanel, controls, safetyRule };
}
