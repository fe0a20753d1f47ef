/**
 * Authorizes emulator requests against the roles of a synthesized template. A request whose access key
 * ID equals a role's logical ID is that role's session; its IoT call is evaluated with
 * `@cloud-copilot/iam-simulate` (an IAM policy evaluation library) on the action, resources and condition
 * keys the Service Authorization Reference gives the call. Any other key is unrestricted (the operator).
 */
import { runSimulation, type SimulationIdentityPolicy } from '@cloud-copilot/iam-simulate';
import { z } from 'zod';
import { iotAuthorizationRequest, type IotRequest } from './iot-actions';
import { parseTemplate, rolesOfTemplate, type CloudFormationTemplate, type TemplateRole } from './template';
import { RegionSchema } from '../../core/validation';

/** How the emulator enforces the template's IAM. */
export const IamSettingsSchema = z.strictObject({
  /** The synthesized CloudFormation template (object or JSON text). */
  template: z.union([z.string().min(2), z.record(z.string(), z.unknown())]),
  /** The region the stack is deployed in (the sync's source region): what `AWS::Region` resolves to. */
  stackRegion: RegionSchema,
});
/** How the emulator enforces the template's IAM. */
export type IamSettings = z.infer<typeof IamSettingsSchema>;

/** A denial, as AWS words it. */
export interface AccessDenial {
  /** `User: <assumed-role ARN> is not authorized to perform: iot:X on resource: ARN …`. */
  message: string;
  action: string;
  resource: string;
  role: string;
}

/** The session name the emulator gives every role session (AWS shows it in the assumed-role ARN). */
export const LOCAL_SESSION_NAME = 'local';

/** The template's roles and the evaluation of requests against them. */
export class TemplateAuthorizer {
  private readonly roles: Map<string, TemplateRole>;
  private readonly decisions = new Map<string, AccessDenial | null>();

  constructor(template: CloudFormationTemplate, private readonly env: { accountId: string; stackRegion: string; partition?: string }) {
    this.roles = rolesOfTemplate(template, { accountId: env.accountId, region: env.stackRegion, ...(env.partition ? { partition: env.partition } : {}) });
  }

  /** Builds an authorizer from validated settings; the error names the bad field. */
  static fromSettings(settings: IamSettings, accountId: string): TemplateAuthorizer {
    const parsed = IamSettingsSchema.parse(settings);
    return new TemplateAuthorizer(parseTemplate(parsed.template), { accountId, stackRegion: parsed.stackRegion });
  }

  /** Logical IDs of the template's roles (the access key IDs that are evaluated). */
  roleIds(): string[] {
    return [...this.roles.keys()];
  }

  /** The policies of one role (undefined when the key names no role). */
  role(logicalId: string): TemplateRole | undefined {
    return this.roles.get(logicalId);
  }

  /** Null when the call is allowed (or the key names no role); otherwise why it is denied. */
  async authorize(accessKeyId: string, request: Omit<IotRequest, 'accountId'>): Promise<AccessDenial | null> {
    const role = this.roles.get(accessKeyId);
    if (!role) return null;
    const partition = this.env.partition ?? 'aws';
    const { action, resources, context } = await iotAuthorizationRequest({ ...request, accountId: this.env.accountId, partition });
    const principal = `arn:${partition}:iam::${this.env.accountId}:role/${role.logicalId}`;
    const session = `arn:${partition}:sts::${this.env.accountId}:assumed-role/${role.logicalId}/${LOCAL_SESSION_NAME}`;
    for (const resource of resources) {
      const key = JSON.stringify([role.logicalId, action, resource, context]);
      let decision = this.decisions.get(key);
      if (decision === undefined) {
        decision = await this.evaluate(role, principal, session, action, resource, context);
        this.decisions.set(key, decision);
      }
      if (decision) return decision;
    }
    return null;
  }

  private async evaluate(
    role: TemplateRole,
    principal: string,
    session: string,
    action: string,
    resource: string,
    context: Record<string, string>,
  ): Promise<AccessDenial | null> {
    const identityPolicies: SimulationIdentityPolicy[] = role.policies.map((p) => ({ name: p.name, policy: p.document }));
    const result = await runSimulation(
      {
        request: {
          principal,
          action,
          resource: { resource, accountId: this.env.accountId },
          contextVariables: { ...context, 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': this.env.accountId },
        },
        identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      { simulationMode: 'Strict' },
    );
    if (result.resultType === 'error') {
      throw new Error(`IAM simulation of ${action} on ${resource} for ${role.logicalId} failed: ${result.errors.message} ${JSON.stringify(result.errors)}`);
    }
    if (result.overallResult === 'Allowed') return null;
    // AWS's wording (https://docs.aws.amazon.com/iot/latest/developerguide/security_iam_troubleshoot.html):
    // "User: <principal> is not authorized to perform: iot:<Action> on resource: <resource>".
    const why = result.overallResult === 'ExplicitlyDenied' ? ' with an explicit deny in an identity-based policy' : ` because no identity-based policy allows the ${action} action`;
    return {
      message: `User: ${session} is not authorized to perform: ${action} on resource: ${resource}${why}`,
      action,
      resource,
      role: role.logicalId,
    };
  }
}
