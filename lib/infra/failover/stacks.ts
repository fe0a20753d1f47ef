/**
 * The failover's stacks, added when the config has a `failover` section:
 * - `<name>-failover-secondary` (target region): domain configuration, canary, its secret and alarm;
 * - `<name>-failover-primary` (source region): the same, plus the canary identity's provisioner (which
 *   writes the secondary's secret, hence deployed after it) and the readiness alarm;
 * - `<name>-failover-dns` (source region, or us-west-2 with routing control, where the recovery
 *   controller's configuration API lives): health checks, records, routing control (after both).
 * They name each other's resources by deterministic names (./names.ts), never by cross-region references.
 */
import { Stack, type App, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AppConfig } from '../app-config';
import type { FailoverConfig } from './config';
import { FailoverDns } from './dns';
import { FailoverPrimary } from './primary';
import { FailoverRegion } from './region';

/** The region where the recovery controller's configuration API (and so its CloudFormation resources) lives. */
export const RECOVERY_CONTROL_CONFIG_REGION = 'us-west-2';

/** One region's failover stack. */
export class FailoverRegionStack extends Stack {
  readonly failover: FailoverRegion;
  /** In the primary only: the provisioner and the readiness alarm. */
  readonly primary?: FailoverPrimary;

  constructor(scope: Construct, id: string, props: StackProps & { stackName: string; failover: FailoverConfig; role: 'primary' | 'secondary'; targetRegion: string }) {
    super(scope, id, props);
    const f = props.failover;
    this.failover = new FailoverRegion(this, 'Failover', {
      stackName: props.stackName,
      domainName: f.domainName,
      serverCertificateArn: props.role === 'primary' ? f.serverCertificateArns.primary : f.serverCertificateArns.secondary,
      failureThreshold: f.healthCheck.failureThreshold,
      missingData: props.role === 'primary' ? 'last-known' : 'unhealthy',
    });
    if (props.role === 'primary') {
      this.primary = new FailoverPrimary(this, 'FailoverPrimary', {
        stackName: props.stackName,
        targetRegion: props.targetRegion,
        region: this.failover,
        readinessThreshold: f.readinessThreshold,
      });
    }
  }
}

/** The Route 53 (and routing-control) stack. */
export class FailoverDnsStack extends Stack {
  readonly dns: FailoverDns;

  constructor(scope: Construct, id: string, props: StackProps & { stackName: string; failover: FailoverConfig; sourceRegion: string; targetRegion: string }) {
    super(scope, id, props);
    const f = props.failover;
    this.dns = new FailoverDns(this, 'FailoverDns', {
      stackName: props.stackName,
      domainName: f.domainName,
      hostedZoneId: f.hostedZoneId,
      sourceRegion: props.sourceRegion,
      targetRegion: props.targetRegion,
      ttl: f.ttl,
      routingControl: f.routingControl,
    });
  }
}

/** Adds the failover stacks when configured (none otherwise); `main` is the sync stack in the primary. */
export function addFailoverStacks(app: App, config: AppConfig, main: Stack): Stack[] {
  const failover = config.failover;
  if (failover === undefined) return [];
  const common = { stackName: config.stackName, failover, targetRegion: config.targetRegion };
  const secondary = new FailoverRegionStack(app, `${config.stackName}-failover-secondary`, {
    ...common,
    role: 'secondary',
    env: { account: config.account, region: config.targetRegion },
    description: `iot-registry-sync failover in ${config.targetRegion}: domain configuration for ${failover.domainName} and the data-plane canary`,
  });
  const primary = new FailoverRegionStack(app, `${config.stackName}-failover-primary`, {
    ...common,
    role: 'primary',
    env: { account: config.account, region: config.sourceRegion },
    description: `iot-registry-sync failover in ${config.sourceRegion}: domain configuration for ${failover.domainName}, the data-plane canary, its identity and the readiness alarm`,
  });
  // The provisioner writes the secondary's secret; the sync must be listening when the canary's device is created.
  primary.addStackDependency(secondary);
  primary.addStackDependency(main);
  const dns = new FailoverDnsStack(app, `${config.stackName}-failover-dns`, {
    stackName: config.stackName,
    failover,
    sourceRegion: config.sourceRegion,
    targetRegion: config.targetRegion,
    env: { account: config.account, region: failover.routingControl ? RECOVERY_CONTROL_CONFIG_REGION : config.sourceRegion },
    description: `iot-registry-sync failover records for ${failover.domainName}: PRIMARY ${config.sourceRegion}, SECONDARY ${config.targetRegion}${failover.routingControl ? ', routing control' : ''}`,
  });
  // The health checks name both canary alarms and the readiness alarm.
  dns.addStackDependency(primary);
  dns.addStackDependency(secondary);
  return [secondary, primary, dns];
}
