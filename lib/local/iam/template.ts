/**
 * Reads the IAM of a synthesized CloudFormation template: every `AWS::IAM::Role`'s policies (inline
 * `Policies`, `AWS::IAM::Policy` resources whose `Roles` name it, and `ManagedPolicyArns`), with the
 * intrinsic functions resolved as CloudFormation would resolve them in the stack's account and region.
 *
 * Intrinsics: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 * Pseudo parameters: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
 */
import { z } from 'zod';
import { describeIssue } from '../../core/validation';

/** A CloudFormation template, as much of it as the IAM reading needs. */
export const CloudFormationTemplateSchema = z.looseObject({
  Resources: z.record(z.string(), z.looseObject({ Type: z.string(), Properties: z.record(z.string(), z.unknown()).optional() })),
  Conditions: z.record(z.string(), z.unknown()).optional(),
  Parameters: z.record(z.string(), z.looseObject({ Default: z.unknown().optional() })).optional(),
});
/** A parsed CloudFormation template. */
export type CloudFormationTemplate = z.infer<typeof CloudFormationTemplateSchema>;

/** Where the stack is deployed: what the pseudo parameters resolve to. */
export interface StackEnvironment {
  accountId: string;
  /** The stack's region (the sync's source region), NOT the region of a request. */
  region: string;
  /** Default `aws`. */
  partition?: string;
  /** Default `amazonaws.com`. */
  urlSuffix?: string;
}

/** An IAM policy document after intrinsic resolution. */
export interface PolicyDocument {
  Version?: string;
  Statement: unknown[] | Record<string, unknown>;
}

/** One role of the template and the policies that apply to it. */
export interface TemplateRole {
  logicalId: string;
  /** Identity policies by a readable name (`<PolicyLogicalId>` or `<Role>/inline/<PolicyName>`). */
  policies: { name: string; document: PolicyDocument }[];
  /** AWS managed policies attached (treated as granting nothing in IoT; see {@link rolesOfTemplate}). */
  managedPolicyArns: string[];
}

/** An intrinsic function the resolver cannot evaluate, naming where it is. */
export class TemplateResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateResolutionError';
  }
}

/** Parses a template (object or JSON text); the error names the bad field. */
export function parseTemplate(input: unknown): CloudFormationTemplate {
  const value = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  const result = CloudFormationTemplateSchema.safeParse(value);
  if (!result.success) {
    throw new TemplateResolutionError(`invalid template: ${describeIssue(result.error)}`);
  }
  return result.data;
}

/** Resolves `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, `Fn::If` and pseudo parameters. */
export class IntrinsicResolver {
  private readonly pseudo: Record<string, string>;

  constructor(private readonly template: CloudFormationTemplate, env: StackEnvironment) {
    const partition = env.partition ?? 'aws';
    this.pseudo = {
      'AWS::AccountId': env.accountId,
      'AWS::Region': env.region,
      'AWS::Partition': partition,
      'AWS::URLSuffix': env.urlSuffix ?? 'amazonaws.com',
      'AWS::StackName': 'local-stack',
      'AWS::StackId': `arn:${partition}:cloudformation:${env.region}:${env.accountId}:stack/local-stack/00000000-0000-0000-0000-000000000000`,
      'AWS::NoValue': '',
    };
  }

  /** The value with every intrinsic function replaced by what CloudFormation would produce. */
  resolve(value: unknown, path = '$'): unknown {
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(v, `${path}[${i}]`)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, unknown];
      if (key === 'Ref' || key.startsWith('Fn::') || key === 'Condition') return this.intrinsic(key, arg, path);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      const resolved = this.resolve(v, `${path}.${k}`);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }

  /** Evaluates a named condition of the template's `Conditions`. */
  condition(name: string, path: string): boolean {
    const body = this.template.Conditions?.[name];
    if (body === undefined) throw new TemplateResolutionError(`${path}: unknown condition ${name}`);
    const value = this.resolve(body, `Conditions.${name}`);
    if (typeof value !== 'boolean') throw new TemplateResolutionError(`Conditions.${name}: does not evaluate to a boolean`);
    return value;
  }

  private string(value: unknown, path: string): string {
    const v = this.resolve(value, path);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new TemplateResolutionError(`${path}: expected a string, got ${JSON.stringify(v)}`);
  }

  private intrinsic(key: string, arg: unknown, path: string): unknown {
    const at = `${path}.${key}`;
    switch (key) {
      case 'Ref':
        return this.ref(this.string(arg, at), at);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(arg) ? (arg as unknown[]) : String(arg).split(/\.(.*)/s);
        return this.getAtt(this.string(logicalId, at), this.string(attribute, at), at);
      }
      case 'Fn::Join': {
        const [delimiter, parts] = arg as [string, unknown];
        const list = this.resolve(parts, at);
        if (!Array.isArray(list)) throw new TemplateResolutionError(`${at}: the list to join is not a list`);
        return list.map((p, i) => this.string(p, `${at}[${i}]`)).join(delimiter);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = this.resolve(list, at);
        const i = Number(this.resolve(index, at));
        if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) {
          throw new TemplateResolutionError(`${at}: index ${i} is outside the list`);
        }
        return items[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = arg as [string, unknown];
        return this.string(source, at).split(delimiter);
      }
      case 'Fn::Sub':
        return this.sub(arg, at);
      case 'Fn::If': {
        const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
        return this.resolve(this.condition(name, at) ? whenTrue : whenFalse, at);
      }
      case 'Fn::Equals': {
        const [a, b] = arg as [unknown, unknown];
        return JSON.stringify(this.resolve(a, at)) === JSON.stringify(this.resolve(b, at));
      }
      case 'Fn::Not':
        return !(this.resolve((arg as unknown[])[0], at) as boolean);
      case 'Fn::And':
        return (arg as unknown[]).every((c, i) => this.resolve(c, `${at}[${i}]`) === true);
      case 'Fn::Or':
        return (arg as unknown[]).some((c, i) => this.resolve(c, `${at}[${i}]`) === true);
      case 'Condition':
        return this.condition(this.string(arg, at), at);
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${this.pseudo['AWS::Region']}${z}`);
      default:
        throw new TemplateResolutionError(`${at}: ${key} is not supported`);
    }
  }

  private ref(name: string, path: string): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in this.pseudo) return this.pseudo[name];
    const parameter = this.template.Parameters?.[name];
    if (parameter) return parameter.Default ?? '';
    const resource = this.template.Resources[name];
    if (!resource) throw new TemplateResolutionError(`${path}: Ref to unknown ${name}`);
    return this.placeholder(name, resource.Type, 'Ref');
  }

  private getAtt(logicalId: string, attribute: string, path: string): string {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new TemplateResolutionError(`${path}: GetAtt of unknown ${logicalId}`);
    return this.placeholder(logicalId, resource.Type, attribute);
  }

  /**
   * A plausible value for a Ref/GetAtt of another resource. Roles are named by their logical ID (so
   * the role ARN the emulator reports matches the key that signs); other resources get an ARN of their
   * service naming the logical ID (they are not IoT resources, so IoT authorization never depends on them).
   */
  private placeholder(logicalId: string, type: string, attribute: string): string {
    const { 'AWS::Partition': partition, 'AWS::Region': region, 'AWS::AccountId': account } = this.pseudo;
    if (type === 'AWS::IAM::Role') return attribute === 'Arn' ? `arn:${partition}:iam::${account}:role/${logicalId}` : logicalId;
    if (attribute === 'Ref' && !/^AWS::(Lambda|StepFunctions|SQS|SNS|Events|Logs|S3)::/.test(type)) return logicalId;
    const service = type.split('::')[1]?.toLowerCase() ?? 'unknown';
    if (type === 'AWS::SQS::Queue' && attribute === 'Ref') return `https://sqs.${region}.amazonaws.com/${account}/${logicalId}`;
    if (type === 'AWS::S3::Bucket') return attribute === 'Ref' ? logicalId.toLowerCase() : `arn:${partition}:s3:::${logicalId.toLowerCase()}`;
    return `arn:${partition}:${service}:${region}:${account}:${logicalId}`;
  }

  private sub(arg: unknown, path: string): string {
    const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [arg as string, {}];
    if (typeof text !== 'string') throw new TemplateResolutionError(`${path}: Fn::Sub needs a string`);
    return text.replace(/\$\{(!?)([^}]+)\}/g, (whole, bang: string, name: string) => {
      if (bang === '!') return `\${${name}}`;
      if (name in vars) return this.string(vars[name], `${path}.${name}`);
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) return this.getAtt(name.slice(0, dot), name.slice(dot + 1), path);
      return this.string(this.ref(name, path), path);
    });
  }
}

/** What `Ref: AWS::NoValue` resolves to: the property or list item is dropped. */
const NO_VALUE = Symbol('AWS::NoValue');

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Every role of the template with its resolved policies. AWS managed policies (`ManagedPolicyArns`) are
 * listed but not evaluated: the ones CDK attaches (AWSLambdaBasicExecutionRole and the like) grant no
 * IoT action, so the roles' IoT permissions are exactly their own statements.
 */
export function rolesOfTemplate(template: CloudFormationTemplate, env: StackEnvironment): Map<string, TemplateRole> {
  const resolver = new IntrinsicResolver(template, env);
  const roles = new Map<string, TemplateRole>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const props = (resource.Properties ?? {}) as { Policies?: unknown; ManagedPolicyArns?: unknown };
    const inline = list(resolver.resolve(props.Policies, `Resources.${logicalId}.Properties.Policies`)) as { PolicyName?: string; PolicyDocument: PolicyDocument }[];
    roles.set(logicalId, {
      logicalId,
      policies: inline.map((p, i) => ({ name: `${logicalId}/inline/${p.PolicyName ?? i}`, document: p.PolicyDocument })),
      managedPolicyArns: list(resolver.resolve(props.ManagedPolicyArns, `Resources.${logicalId}.Properties.ManagedPolicyArns`)).map(String),
    });
  }
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const props = resource.Properties ?? {};
    // References to roles are `Ref`s (the role name); keep them unresolved to learn which logical IDs they name.
    for (const reference of list(props.Roles)) {
      const roleId = typeof reference === 'object' && reference !== null && 'Ref' in reference ? String((reference as { Ref: unknown }).Ref) : String(reference);
      const role = roles.get(roleId);
      if (!role) continue;
      const document = resolver.resolve(props.PolicyDocument, `Resources.${logicalId}.Properties.PolicyDocument`) as PolicyDocument;
      role.policies.push({ name: logicalId, document });
    }
  }
  return roles;
}

/**
 * Which role each Task state of a state machine runs under: the state's `Resource` names a
 * `${<Name>}` substitution, the state machine's `DefinitionSubstitutions` map it to a function's
 * `Fn::GetAtt [Fn, Arn]`, and the function's `Role` is a `Fn::GetAtt [Role, Arn]`.
 */
export function taskRoles(template: CloudFormationTemplate, asl: { States: Record<string, unknown> }): Record<string, string> {
  const placeholders = new Map<string, string>();
  const visit = (states: Record<string, unknown>) => {
    for (const [name, raw] of Object.entries(states)) {
      const state = raw as { Type: string; Resource?: string; ItemProcessor?: { States: Record<string, unknown> }; Iterator?: { States: Record<string, unknown> }; Branches?: { States: Record<string, unknown> }[] };
      const match = state.Type === 'Task' && typeof state.Resource === 'string' ? /^\$\{(\w+)\}$/.exec(state.Resource) : null;
      if (match) placeholders.set(name, match[1] as string);
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) visit(processor.States);
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  visit(asl.States);
  const getAttId = (value: unknown): string | undefined => {
    const arg = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
    return Array.isArray(arg) ? String(arg[0]) : undefined;
  };
  const result: Record<string, string> = {};
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const substitutions = (resource.Properties?.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
    for (const [state, placeholder] of placeholders) {
      const functionId = getAttId(substitutions[placeholder]);
      if (functionId === undefined) continue;
      const fn = template.Resources[functionId];
      const roleId = getAttId(fn?.Properties?.Role);
      if (roleId !== undefined) result[state] = roleId;
    }
  }
  const missing = [...placeholders.keys()].filter((state) => result[state] === undefined);
  if (missing.length > 0) throw new TemplateResolutionError(`no function role found in the template for Task state(s) ${missing.join(', ')}`);
  return result;
}
