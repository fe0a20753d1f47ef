/**
 * The ARN, in this region, of a certificate or thing group the port names by ID or name. With the
 * account ID known it is built; otherwise one describe of that very resource returns it (and teaches
 * the account ID).
 */
import { DescribeCertificateCommand, DescribeThingGroupCommand } from '@aws-sdk/client-iot';
import { ResourceNotFoundError } from '../../core/errors';
import type { PolicyTarget } from '../../core/model';
import { policyTargetKey } from '../../core/keys';
import { certificateArn, partitionOf, thingGroupArn } from '../arns';
import type { RegistryCalls } from './calls';
import type { ThingGroups } from './thing-groups';

/** ARNs of policy targets and thing principals in one region. */
export class TargetArns {
  private readonly partition: string;

  constructor(
    private readonly calls: RegistryCalls,
    private readonly groups: ThingGroups,
  ) {
    this.partition = partitionOf(calls.region);
  }

  /** The target's ARN in this region; `undefined` when the resource does not exist. */
  async of(target: PolicyTarget, key: string): Promise<string | undefined> {
    const accountId = this.calls.accountIds.current;
    if (accountId !== undefined) {
      const scope = { partition: this.partition, region: this.calls.region, accountId };
      return target.kind === 'certificate' ? certificateArn(scope, target.certificateId) : thingGroupArn(scope, target.groupName);
    }
    if (target.kind === 'certificate') {
      const output = await this.calls.read('DescribeCertificate', key, () =>
        this.calls.client.send(new DescribeCertificateCommand({ certificateId: target.certificateId })),
      );
      return output?.certificateDescription?.certificateArn;
    }
    const output = await this.calls.read('DescribeThingGroup', key, () =>
      this.calls.client.send(new DescribeThingGroupCommand({ thingGroupName: target.groupName })),
    );
    if (output) this.groups.remember(output);
    return output?.thingGroupArn;
  }

  /** Like {@link of}, for a write: a missing target is ResourceNotFoundError. */
  async required(target: PolicyTarget, key: string, operation: string): Promise<string> {
    const arn = await this.of(target, key);
    if (arn !== undefined) return arn;
    throw new ResourceNotFoundError(`${operation} ${key}: ${policyTargetKey(target)} does not exist in ${this.calls.region}`);
  }
}
