/**
 * The IAM permissions of the sync: every IoT action the adapter (lib/aws/iot-registry/) calls, named one
 * by one, read actions on the regions it reads and write actions on the target region only.
 *
 * Resource types per action follow the Service Authorization Reference ("Actions, resources, and condition
 * keys for AWS IoT", https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiot.html).
 * Actions listed there without a resource type accept only `Resource: "*"`; they get `*` narrowed by an
 * `aws:RequestedRegion` condition to the one region they are meant for.
 *
 * The file reads top to bottom: the action lists (what), then the statement builders (where), then the
 * reason cdk-nag is given for the wildcards they contain.
 */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';

/** The IoT resource types the sync touches, as they appear in ARNs. */
export type IotResourceType = 'thing' | 'thingtype' | 'thinggroup' | 'billinggroup' | 'cert' | 'cacert' | 'policy' | 'provisioningtemplate' | 'rolealias';

/** Actions with resource-level permissions, grouped by the resource types IAM authorizes them on. */
interface ScopedActions {
  resources: readonly IotResourceType[];
  actions: readonly string[];
}

/** Reads of one named resource (both regions: the source is copied, the target compared). */
export const SCOPED_READ_ACTIONS: readonly ScopedActions[] = [
  {
    resources: ['thing'],
    actions: ['iot:DescribeThing', 'iot:ListThingGroupsForThing', 'iot:ListThingPrincipals', 'iot:ListThingPrincipalsV2'],
  },
  { resources: ['thingtype'], actions: ['iot:DescribeThingType'] },
  { resources: ['thinggroup'], actions: ['iot:DescribeThingGroup', 'iot:ListThingsInThingGroup'] },
  // ListPrincipalThings(V2) are authorized on the certificate (the principal) they list for.
  { resources: ['cert'], actions: ['iot:DescribeCertificate', 'iot:ListPrincipalThings', 'iot:ListPrincipalThingsV2'] },
  { resources: ['cacert'], actions: ['iot:DescribeCACertificate'] },
  { resources: ['policy'], actions: ['iot:GetPolicy', 'iot:ListPolicyVersions', 'iot:ListTargetsForPolicy'] },
  { resources: ['provisioningtemplate'], actions: ['iot:DescribeProvisioningTemplate', 'iot:ListProvisioningTemplateVersions'] },
  { resources: ['rolealias'], actions: ['iot:DescribeRoleAlias'] },
];

/**
 * List calls that IoT authorizes only on `*` (no resource type in the Service Authorization Reference).
 * They are reads; the statement is pinned to its region with `aws:RequestedRegion`.
 */
export const UNSCOPED_READ_ACTIONS: readonly string[] = [
  'iot:ListThings',
  'iot:ListThingTypes',
  'iot:ListThingGroups',
  'iot:ListCertificates',
  'iot:ListCACertificates',
  'iot:ListPolicies',
  'iot:ListAttachedPolicies',
  'iot:ListProvisioningTemplates',
  'iot:ListRoleAliases',
  'iot:GetIndexingConfiguration',
  // Bulk registration tasks: the devices a task registered are read from its results report.
  'iot:DescribeThingRegistrationTask',
  'iot:ListThingRegistrationTaskReports',
];

/** Writes on named resources: target region only. */
export const SCOPED_WRITE_ACTIONS: readonly ScopedActions[] = [
  // CreateThing is also authorized on the billing group it names.
  { resources: ['thing', 'billinggroup'], actions: ['iot:CreateThing', 'iot:AddThingToBillingGroup', 'iot:RemoveThingFromBillingGroup'] },
  { resources: ['thing'], actions: ['iot:UpdateThing', 'iot:DeleteThing'] },
  { resources: ['thing', 'thinggroup'], actions: ['iot:AddThingToThingGroup', 'iot:RemoveThingFromThingGroup'] },
  {
    resources: ['thinggroup'],
    actions: [
      'iot:CreateThingGroup',
      'iot:UpdateThingGroup',
      'iot:DeleteThingGroup',
      'iot:CreateDynamicThingGroup',
      'iot:UpdateDynamicThingGroup',
      'iot:DeleteDynamicThingGroup',
    ],
  },
  { resources: ['thingtype'], actions: ['iot:CreateThingType', 'iot:UpdateThingType', 'iot:DeprecateThingType', 'iot:DeleteThingType'] },
  { resources: ['policy'], actions: ['iot:CreatePolicy', 'iot:CreatePolicyVersion', 'iot:DeletePolicyVersion', 'iot:DeletePolicy'] },
  // Policy attachments are authorized on their target: a certificate or a thing group.
  { resources: ['cert', 'thinggroup'], actions: ['iot:AttachPolicy', 'iot:DetachPolicy'] },
  // Attach/DetachThingPrincipal are authorized on the certificate (the thing is only a condition key).
  { resources: ['cert'], actions: ['iot:UpdateCertificate', 'iot:DeleteCertificate', 'iot:AttachThingPrincipal', 'iot:DetachThingPrincipal'] },
  { resources: ['cacert'], actions: ['iot:UpdateCACertificate', 'iot:DeleteCACertificate'] },
  {
    resources: ['provisioningtemplate'],
    actions: [
      'iot:CreateProvisioningTemplate',
      'iot:UpdateProvisioningTemplate',
      'iot:DeleteProvisioningTemplate',
      'iot:CreateProvisioningTemplateVersion',
      'iot:DeleteProvisioningTemplateVersion',
    ],
  },
  { resources: ['rolealias'], actions: ['iot:CreateRoleAlias', 'iot:UpdateRoleAlias', 'iot:DeleteRoleAlias'] },
];

/**
 * Writes that IoT authorizes only on `*`: the certificate registrations (the certificate has no ARN
 * before the call). Pinned to the target region with `aws:RequestedRegion`.
 */
export const UNSCOPED_WRITE_ACTIONS: readonly string[] = [
  'iot:RegisterCertificateWithoutCA',
  'iot:RegisterCertificate',
  'iot:RegisterCACertificate',
  // The fleet-indexing configuration is an account setting of the region (no resource type).
  'iot:UpdateIndexingConfiguration',
];

/** Every IoT action the sync may call, read and write. */
export const ALL_SYNC_IOT_ACTIONS: readonly string[] = [
  ...SCOPED_READ_ACTIONS.flatMap((s) => s.actions),
  ...UNSCOPED_READ_ACTIONS,
  ...SCOPED_WRITE_ACTIONS.flatMap((s) => s.actions),
  ...UNSCOPED_WRITE_ACTIONS,
];

/**
 * What the drift report lists on top of the sync's reads: billing groups and their things (it compares
 * them when both regions can list them). ListBillingGroups has no resource type.
 */
export const DRIFT_SCOPED_READ_ACTIONS: readonly ScopedActions[] = [{ resources: ['billinggroup'], actions: ['iot:ListThingsInBillingGroup'] }];
/** The drift report's account-wide listings (on `*`, pinned to the region). */
export const DRIFT_UNSCOPED_READ_ACTIONS: readonly string[] = ['iot:ListBillingGroups'];

/** Where a set of statements applies: one region's registry of one account. */
export interface RegistryScope {
  /** `aws`, `aws-cn`, `aws-us-gov` (the stack's partition). */
  partition: string;
  /** The account that owns the registry. */
  account: string;
  /** The registry's region. */
  region: string;
}

/** `arn:<partition>:iot:<region>:<account>:<type>/*`. */
export function iotArn(scope: RegistryScope, type: IotResourceType): string {
  return `arn:${scope.partition}:iot:${scope.region}:${scope.account}:${type}/*`;
}

/** One statement per group: its actions on its resource types' ARNs in `scope`. */
function scoped(scope: RegistryScope, groups: readonly ScopedActions[]): PolicyStatement[] {
  return groups.map(
    (group) => new PolicyStatement({ actions: [...group.actions], resources: group.resources.map((type) => iotArn(scope, type)) }),
  );
}

/** Actions without a resource type: `*`, pinned to one region with `aws:RequestedRegion`. */
function regionPinned(region: string, actions: readonly string[]): PolicyStatement {
  return new PolicyStatement({ actions: [...actions], resources: ['*'], conditions: { StringEquals: { 'aws:RequestedRegion': region } } });
}

/** Read access to one region's registry. */
export function registryReadStatements(scope: RegistryScope): PolicyStatement[] {
  return [...scoped(scope, SCOPED_READ_ACTIONS), regionPinned(scope.region, UNSCOPED_READ_ACTIONS)];
}

/** Read access to one region's registry for the drift report: the sync's reads plus its listings. */
export function driftReadStatements(scope: RegistryScope): PolicyStatement[] {
  return [...registryReadStatements(scope), ...scoped(scope, DRIFT_SCOPED_READ_ACTIONS), regionPinned(scope.region, DRIFT_UNSCOPED_READ_ACTIONS)];
}

/** Write access to one region's registry (use it for the target only). */
export function registryWriteStatements(scope: RegistryScope): PolicyStatement[] {
  return [...scoped(scope, SCOPED_WRITE_ACTIONS), regionPinned(scope.region, UNSCOPED_WRITE_ACTIONS)];
}

/**
 * What a role in the target account needs when the sync assumes it (the `targetRoleArn` prop): read and
 * write on the target registry. Attach these to that role; trust the sync functions' role to assume it.
 */
export function targetRoleStatements(scope: RegistryScope): PolicyStatement[] {
  return [...registryReadStatements(scope), ...registryWriteStatements(scope)];
}

/**
 * Target-region statements as a function of the sync gets them: these statements in its own role, or,
 * when the sync assumes `targetRoleArn` for every target call, only `sts:AssumeRole` on that role (which
 * holds them instead: {@link targetRoleStatements}).
 */
export function throughTargetRole(targetRoleArn: string | undefined, statements: PolicyStatement[]): PolicyStatement[] {
  return targetRoleArn === undefined ? statements : [new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [targetRoleArn] })];
}

/** Why the registry statements' wildcard resources are acceptable (cdk-nag AwsSolutions-IAM5). */
export const REGISTRY_WILDCARD_REASON =
  'The sync acts on any registry resource by name, so each IoT statement names its resource type with a /* suffix (thing, thinggroup, thingtype, cert, cacert, policy, billinggroup) in one region and account. ' +
  'Resource "*" appears only for actions that have no resource type in the Service Authorization Reference: the account-wide IoT List* calls and certificate Register* calls (pinned to one region with aws:RequestedRegion) and, added by CDK for tracing, xray:PutTraceSegments/PutTelemetryRecords.';
