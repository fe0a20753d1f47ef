/**
 * IoT policies of one region, their versions, and their attachments to certificates and thing groups
 * (other targets, such as Cognito identities, are counted and left out).
 */
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachPolicyCommand,
  GetPolicyCommand,
  ListPolicyVersionsCommand,
  paginateListAttachedPolicies,
  paginateListPolicies,
  paginateListTargetsForPolicy,
} from '@aws-sdk/client-iot';
import type { Policy, PolicyTarget, PolicyVersionInfo } from '../../core/model';
import { policyAttachmentKey, policyTargetKey } from '../../core/keys';
import { MAX_PAGE_SIZE, type RegistryCalls } from './calls';
import { policyOf, policyTargetOfArn, policyVersionsOf } from './mapping';
import type { TargetArns } from './target-arns';

/** The policy and policy-attachment operations of the port. */
export class Policies {
  /** Policy targets left out because they are neither certificates nor thing groups. */
  skippedTargets = 0;

  constructor(
    private readonly calls: RegistryCalls,
    private readonly targetArns: TargetArns,
  ) {}

  async *listNames(): AsyncIterable<string> {
    const pages = paginateListPolicies({ client: this.calls.client, pageSize: MAX_PAGE_SIZE }, {});
    for await (const page of this.calls.pages('ListPolicies', 'policies', pages)) {
      for (const p of page.policies ?? []) {
        if (p.policyName) yield p.policyName;
      }
    }
  }

  async get(name: string): Promise<Policy | undefined> {
    const output = await this.calls.read('GetPolicy', `policy/${name}`, () =>
      this.calls.client.send(new GetPolicyCommand({ policyName: name })),
    );
    if (!output) return undefined;
    return policyOf(output, name);
  }

  /** The policy's versions; a missing policy has none. */
  async listVersions(name: string): Promise<PolicyVersionInfo[]> {
    const output = await this.calls.read('ListPolicyVersions', `policy/${name}`, () =>
      this.calls.client.send(new ListPolicyVersionsCommand({ policyName: name })),
    );
    return policyVersionsOf(output);
  }

  /** Certificates and thing groups the policy is attached to; a missing policy has none. */
  async listTargets(policyName: string): Promise<PolicyTarget[]> {
    const pages = paginateListTargetsForPolicy({ client: this.calls.client, pageSize: MAX_PAGE_SIZE }, { policyName });
    const targets: PolicyTarget[] = [];
    try {
      for await (const page of this.calls.pages('ListTargetsForPolicy', `policy/${policyName}`, pages)) {
        for (const arn of page.targets ?? []) {
          const target = policyTargetOfArn(arn);
          if (target) {
            targets.push(target);
          } else {
            this.skippedTargets += 1;
            this.calls.logger?.warn('policy target skipped: neither a certificate nor a thing group', {
              region: this.calls.region,
              policyName,
              target: arn,
            });
          }
        }
      }
    } catch (error) {
      if (this.calls.isNotFound(error)) return [];
      throw error;
    }
    return targets;
  }

  /** Policies attached directly to the target; a missing target has none. */
  async listAttached(target: PolicyTarget): Promise<string[]> {
    const key = policyTargetKey(target);
    const arn = await this.targetArns.of(target, key);
    if (!arn) return [];
    const pages = paginateListAttachedPolicies({ client: this.calls.client, pageSize: MAX_PAGE_SIZE }, { target: arn, recursive: false });
    const names: string[] = [];
    try {
      for await (const page of this.calls.pages('ListAttachedPolicies', key, pages)) {
        for (const p of page.policies ?? []) {
          if (p.policyName) names.push(p.policyName);
        }
      }
    } catch (error) {
      if (this.calls.isNotFound(error)) return [];
      throw error;
    }
    return names;
  }

  async create(name: string, document: string): Promise<void> {
    await this.calls.call('CreatePolicy', `policy/${name}`, () =>
      this.calls.client.send(new CreatePolicyCommand({ policyName: name, policyDocument: document })),
    );
  }

  async createVersion(name: string, document: string): Promise<void> {
    await this.calls.call('CreatePolicyVersion', `policy/${name}`, () =>
      this.calls.client.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: document, setAsDefault: true })),
    );
  }

  async deleteVersion(name: string, versionId: string): Promise<void> {
    await this.calls.call('DeletePolicyVersion', `policy/${name}#${versionId}`, () =>
      this.calls.client.send(new DeletePolicyVersionCommand({ policyName: name, policyVersionId: versionId })),
    );
  }

  async delete(name: string): Promise<void> {
    await this.calls.call('DeletePolicy', `policy/${name}`, () => this.calls.client.send(new DeletePolicyCommand({ policyName: name })));
  }

  async attach(policyName: string, target: PolicyTarget): Promise<void> {
    const key = `policyAttachment/${policyAttachmentKey({ policyName, target })}`;
    const arn = await this.targetArns.required(target, key, 'AttachPolicy');
    await this.calls.call('AttachPolicy', key, () => this.calls.client.send(new AttachPolicyCommand({ policyName, target: arn })));
  }

  async detach(policyName: string, target: PolicyTarget): Promise<void> {
    const key = `policyAttachment/${policyAttachmentKey({ policyName, target })}`;
    const arn = await this.targetArns.required(target, key, 'DetachPolicy');
    await this.calls.call('DetachPolicy', key, () => this.calls.client.send(new DetachPolicyCommand({ policyName, target: arn })));
  }
}
