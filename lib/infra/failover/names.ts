/**
 * Names the failover stacks agree on without cross-region references: each is derived from the main
 * stack's name, so the DNS stack can name an alarm in another region and the secondary can name the
 * primary's provisioner role before it exists.
 */
import { canaryPolicyName, canaryThingName } from '../../core/failover';

/** The deterministic names of the failover's resources. */
export function failoverNames(stackName: string, partition: string, account: string) {
  return {
    domainConfiguration: `${stackName}-failover`,
    secret: `${stackName}/failover/canary`,
    secretKeyAlias: `alias/${stackName}-failover-canary`,
    canaryAlarm: (region: string) => `${stackName}-failover-canary-${region}`,
    readinessAlarm: `${stackName}-failover-readiness`,
    provisionerRoleName: `${stackName}-failover-provisioner`,
    provisionerRoleArn: `arn:${partition}:iam::${account}:role/${stackName}-failover-provisioner`,
    thingName: canaryThingName(stackName),
    policyName: canaryPolicyName(stackName),
  };
}
