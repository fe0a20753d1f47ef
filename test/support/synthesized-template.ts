/**
 * The template `cdk synth` produces for the main stack (bundling skipped, as the infra tests do), for the
 * suites that run the local pipeline under its IAM. Synthesize once per test file: it costs seconds.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IotRegistrySyncStack } from '../../lib/infra';
import { parseTemplate, taskRolesFor, type CloudFormationTemplate } from '../../lib/local/iam';

/** Where the synthesized stack is deployed and what it syncs to. */
export interface SynthesisOptions {
  accountId: string;
  /** The stack's region: the sync's source. */
  sourceRegion: string;
  targetRegion: string;
  targetRoleArn?: string;
}

/** The synthesized main stack's template. */
export function synthesizedTemplate(options: SynthesisOptions): CloudFormationTemplate {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new IotRegistrySyncStack(app, 'IotRegistrySyncLocal', {
    env: { account: options.accountId, region: options.sourceRegion },
    sync: { targetRegion: options.targetRegion, ...(options.targetRoleArn === undefined ? {} : { targetRoleArn: options.targetRoleArn }) },
  });
  return parseTemplate(Template.fromStack(stack).toJSON());
}

/** A copy of the template where `roleLogicalId`'s policies no longer allow `action` (the statements keep their other actions). */
export function withoutAction(template: CloudFormationTemplate, roleLogicalId: string, action: string): CloudFormationTemplate {
  const copy = JSON.parse(JSON.stringify(template)) as CloudFormationTemplate;
  let removed = 0;
  for (const resource of Object.values(copy.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties?.Roles ?? []) as { Ref?: string }[];
    if (!roles.some((r) => r.Ref === roleLogicalId)) continue;
    const document = resource.Properties?.PolicyDocument as { Statement: { Action: string | string[] }[] };
    document.Statement = document.Statement.flatMap((statement) => {
      const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      if (!actions.includes(action)) return [statement];
      removed += 1;
      const rest = actions.filter((a) => a !== action);
      return rest.length === 0 ? [] : [{ ...statement, Action: rest }];
    });
  }
  if (removed === 0) throw new Error(`${roleLogicalId} has no statement with ${action}`);
  return copy;
}

/** The role logical ID of one Task state of an ASL file. */
export function roleOfTask(template: CloudFormationTemplate, aslFile: string, taskState: string): string {
  const role = taskRolesFor(template, aslFile)[taskState];
  if (role === undefined) throw new Error(`no role for ${taskState}`);
  return role;
}
