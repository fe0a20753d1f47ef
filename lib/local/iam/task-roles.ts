/**
 * Each local Lambda under its own role: which role of the synthesized template a Task state's function
 * runs under, and credentials that the emulator reads as a session of that role.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StaticCredentials } from '../../aws/clients';
import { parseTemplate, taskRoles, type CloudFormationTemplate } from './template';

/** The folder of the reviewed ASL files. */
const STATE_MACHINE_DIR = join(__dirname, '..', '..', '..', 'statemachine');

/** Credentials whose access key ID is a role's logical ID: the emulator evaluates their calls against that role. */
export function roleCredentials(roleLogicalId: string): StaticCredentials {
  return { accessKeyId: roleLogicalId, secretAccessKey: 'local' };
}

/** Reads a template file (the main stack of `cdk synth`), naming the file when it is not a template. */
export function readTemplateFile(file: string): CloudFormationTemplate {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`--iam-template: cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return parseTemplate(text);
  } catch (error) {
    throw new Error(`--iam-template: ${file}: ${(error as Error).message}`);
  }
}

/** Task state → role logical ID for one of `statemachine/*.asl.json`, from the template's wiring. */
export function taskRolesFor(template: CloudFormationTemplate, aslFile: string): Record<string, string> {
  const asl = JSON.parse(readFileSync(join(STATE_MACHINE_DIR, aslFile), 'utf8')) as { States: Record<string, unknown> };
  return taskRoles(template, asl);
}

/**
 * Dependencies per Task state, each built (once per role) with that role's credentials. A Task state the
 * template gives no role fails loudly rather than running unrestricted.
 */
export function perRoleDependencies<D>(roles: Record<string, string>, build: (credentials: StaticCredentials, roleLogicalId: string) => D): { forTask: (taskState: string) => D } {
  const byRole = new Map<string, D>();
  return {
    forTask(taskState: string): D {
      const role = roles[taskState];
      if (role === undefined) throw new Error(`no role in the template for Task state ${taskState}`);
      let deps = byRole.get(role);
      if (deps === undefined) {
        deps = build(roleCredentials(role), role);
        byRole.set(role, deps);
      }
      return deps;
    },
  };
}

/**
 * The region a synthesized template of this app is deployed in (its sync's source region), read from the
 * functions' `IRS_SOURCE_REGION`; undefined when the template has none.
 */
export function stackRegionOf(template: CloudFormationTemplate): string | undefined {
  return functionVariable(template, 'IRS_SOURCE_REGION');
}

/** The sync's target region in a synthesized template of this app (the functions' `IRS_TARGET_REGION`). */
export function targetRegionOf(template: CloudFormationTemplate): string | undefined {
  return functionVariable(template, 'IRS_TARGET_REGION');
}

function functionVariable(template: CloudFormationTemplate, name: string): string | undefined {
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const value = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.[name];
    if (typeof value === 'string') return value;
  }
  return undefined;
}
