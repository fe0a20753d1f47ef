/**
 * The route table: method + path template → operation name, with the query and header bindings of each
 * operation's input, all copied from the SDK's own model (`@aws-sdk/client-iot` schemas). Labels
 * (`{name}`) arrive URL-encoded; literal segments win over labels.
 */

/** How a query or header string is turned into an input member. */
export type ValueKind = 's' | 'i' | 'b';

/** One operation's HTTP binding. */
export interface Route {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  /** Input member → [wire name, kind] for `@httpQuery` members. */
  readonly query: Readonly<Record<string, readonly [string, ValueKind]>>;
  /** Input member → header name for `@httpHeader` members. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether the call changes state (gets a CloudTrail event); List/Get/Describe do not. */
  readonly write: boolean;
}

type QuerySpec = Record<string, ValueKind | readonly [string, ValueKind]>;

function route(method: string, path: string, operation: string, query: QuerySpec = {}, headers: Record<string, string> = {}): Route {
  const normalised: Record<string, readonly [string, ValueKind]> = {};
  for (const [member, spec] of Object.entries(query)) normalised[member] = typeof spec === 'string' ? [member, spec] : spec;
  return { operation, method, path, query: normalised, headers, write: !/^(List|Get|Describe)/.test(operation) };
}

const tokenPage = { nextToken: 's', maxResults: 'i' } as const;
const markerPage = { marker: 's', pageSize: 'i' } as const;
const ascending = { ascendingOrder: ['isAscendingOrder', 'b'] } as const;
const principalHeader = { principal: 'x-amzn-principal' };

/** Every operation the emulator implements. */
export const ROUTES: readonly Route[] = [
  // things
  route('POST', '/things/{thingName}', 'CreateThing'),
  route('GET', '/things/{thingName}', 'DescribeThing'),
  route('PATCH', '/things/{thingName}', 'UpdateThing'),
  route('DELETE', '/things/{thingName}', 'DeleteThing', { expectedVersion: 'i' }),
  route('GET', '/things', 'ListThings', { ...tokenPage, attributeName: 's', attributeValue: 's', thingTypeName: 's', usePrefixAttributeValue: 'b' }),
  // thing types
  route('POST', '/thing-types/{thingTypeName}', 'CreateThingType'),
  route('GET', '/thing-types/{thingTypeName}', 'DescribeThingType'),
  route('GET', '/thing-types', 'ListThingTypes', { ...tokenPage, thingTypeName: 's' }),
  route('PATCH', '/thing-types/{thingTypeName}', 'UpdateThingType'),
  route('POST', '/thing-types/{thingTypeName}/deprecate', 'DeprecateThingType'),
  route('DELETE', '/thing-types/{thingTypeName}', 'DeleteThingType'),
  // thing groups
  route('POST', '/thing-groups/{thingGroupName}', 'CreateThingGroup'),
  route('GET', '/thing-groups/{thingGroupName}', 'DescribeThingGroup'),
  route('PATCH', '/thing-groups/{thingGroupName}', 'UpdateThingGroup'),
  route('DELETE', '/thing-groups/{thingGroupName}', 'DeleteThingGroup', { expectedVersion: 'i' }),
  route('GET', '/thing-groups', 'ListThingGroups', { ...tokenPage, parentGroup: 's', namePrefixFilter: 's', recursive: 'b' }),
  route('POST', '/dynamic-thing-groups/{thingGroupName}', 'CreateDynamicThingGroup'),
  route('PATCH', '/dynamic-thing-groups/{thingGroupName}', 'UpdateDynamicThingGroup'),
  route('DELETE', '/dynamic-thing-groups/{thingGroupName}', 'DeleteDynamicThingGroup', { expectedVersion: 'i' }),
  route('PUT', '/thing-groups/addThingToThingGroup', 'AddThingToThingGroup'),
  route('PUT', '/thing-groups/removeThingFromThingGroup', 'RemoveThingFromThingGroup'),
  route('GET', '/things/{thingName}/thing-groups', 'ListThingGroupsForThing', tokenPage),
  route('GET', '/thing-groups/{thingGroupName}/things', 'ListThingsInThingGroup', { ...tokenPage, recursive: 'b' }),
  // billing groups
  route('POST', '/billing-groups/{billingGroupName}', 'CreateBillingGroup'),
  route('GET', '/billing-groups/{billingGroupName}', 'DescribeBillingGroup'),
  route('GET', '/billing-groups', 'ListBillingGroups', { ...tokenPage, namePrefixFilter: 's' }),
  route('GET', '/billing-groups/{billingGroupName}/things', 'ListThingsInBillingGroup', tokenPage),
  route('PUT', '/billing-groups/addThingToBillingGroup', 'AddThingToBillingGroup'),
  route('PUT', '/billing-groups/removeThingFromBillingGroup', 'RemoveThingFromBillingGroup'),
  // certificates
  route('POST', '/keys-and-certificate', 'CreateKeysAndCertificate', { setAsActive: 'b' }),
  route('POST', '/certificates', 'CreateCertificateFromCsr', { setAsActive: 'b' }),
  route('POST', '/certificate/register', 'RegisterCertificate', { setAsActive: 'b' }),
  route('POST', '/certificate/register-no-ca', 'RegisterCertificateWithoutCA'),
  route('GET', '/certificates/{certificateId}', 'DescribeCertificate'),
  route('PUT', '/certificates/{certificateId}', 'UpdateCertificate', { newStatus: 's' }),
  route('DELETE', '/certificates/{certificateId}', 'DeleteCertificate', { forceDelete: 'b' }),
  route('GET', '/certificates', 'ListCertificates', { ...markerPage, ...ascending }),
  route('GET', '/certificates-by-ca/{caCertificateId}', 'ListCertificatesByCA', { ...markerPage, ...ascending }),
  route('POST', '/cacertificate', 'RegisterCACertificate', { setAsActive: 'b', allowAutoRegistration: 'b' }),
  route('GET', '/cacertificate/{certificateId}', 'DescribeCACertificate'),
  route('PUT', '/cacertificate/{certificateId}', 'UpdateCACertificate', { newStatus: 's', newAutoRegistrationStatus: 's' }),
  route('DELETE', '/cacertificate/{certificateId}', 'DeleteCACertificate'),
  route('GET', '/cacertificates', 'ListCACertificates', { ...markerPage, ...ascending, templateName: 's' }),
  // policies
  route('POST', '/policies/{policyName}', 'CreatePolicy'),
  route('GET', '/policies/{policyName}', 'GetPolicy'),
  route('DELETE', '/policies/{policyName}', 'DeletePolicy'),
  route('GET', '/policies', 'ListPolicies', { ...markerPage, ...ascending }),
  route('POST', '/policies/{policyName}/version', 'CreatePolicyVersion', { setAsDefault: 'b' }),
  route('GET', '/policies/{policyName}/version/{policyVersionId}', 'GetPolicyVersion'),
  route('GET', '/policies/{policyName}/version', 'ListPolicyVersions'),
  route('PATCH', '/policies/{policyName}/version/{policyVersionId}', 'SetDefaultPolicyVersion'),
  route('DELETE', '/policies/{policyName}/version/{policyVersionId}', 'DeletePolicyVersion'),
  route('PUT', '/target-policies/{policyName}', 'AttachPolicy'),
  route('POST', '/target-policies/{policyName}', 'DetachPolicy'),
  route('PUT', '/principal-policies/{policyName}', 'AttachPrincipalPolicy', {}, { principal: 'x-amzn-iot-principal' }),
  route('DELETE', '/principal-policies/{policyName}', 'DetachPrincipalPolicy', {}, { principal: 'x-amzn-iot-principal' }),
  route('POST', '/attached-policies/{target}', 'ListAttachedPolicies', { ...markerPage, recursive: 'b' }),
  route('POST', '/policy-targets/{policyName}', 'ListTargetsForPolicy', markerPage),
  // principals
  route('PUT', '/things/{thingName}/principals', 'AttachThingPrincipal', { thingPrincipalType: 's' }, principalHeader),
  route('DELETE', '/things/{thingName}/principals', 'DetachThingPrincipal', {}, principalHeader),
  route('GET', '/things/{thingName}/principals', 'ListThingPrincipals', tokenPage),
  route('GET', '/things/{thingName}/principals-v2', 'ListThingPrincipalsV2', { ...tokenPage, thingPrincipalType: 's' }),
  route('GET', '/principals/things', 'ListPrincipalThings', tokenPage, principalHeader),
  route('GET', '/principals/things-v2', 'ListPrincipalThingsV2', { ...tokenPage, thingPrincipalType: 's' }, principalHeader),
  // provisioning: RegisterThing and the provisioning-template family
  route('POST', '/things', 'RegisterThing'),
  route('POST', '/provisioning-templates', 'CreateProvisioningTemplate'),
  route('GET', '/provisioning-templates/{templateName}', 'DescribeProvisioningTemplate'),
  route('GET', '/provisioning-templates', 'ListProvisioningTemplates', tokenPage),
  route('PATCH', '/provisioning-templates/{templateName}', 'UpdateProvisioningTemplate'),
  route('DELETE', '/provisioning-templates/{templateName}', 'DeleteProvisioningTemplate'),
  route('POST', '/provisioning-templates/{templateName}/versions', 'CreateProvisioningTemplateVersion', { setAsDefault: 'b' }),
  route('GET', '/provisioning-templates/{templateName}/versions/{versionId}', 'DescribeProvisioningTemplateVersion'),
  route('GET', '/provisioning-templates/{templateName}/versions', 'ListProvisioningTemplateVersions', tokenPage),
  route('DELETE', '/provisioning-templates/{templateName}/versions/{versionId}', 'DeleteProvisioningTemplateVersion'),
  // event configurations
  route('POST', '/role-aliases/{roleAlias}', 'CreateRoleAlias'),
  route('GET', '/role-aliases/{roleAlias}', 'DescribeRoleAlias'),
  route('GET', '/role-aliases', 'ListRoleAliases', { ...markerPage, ...ascending }),
  route('PUT', '/role-aliases/{roleAlias}', 'UpdateRoleAlias'),
  route('DELETE', '/role-aliases/{roleAlias}', 'DeleteRoleAlias'),
  route('GET', '/indexing/config', 'GetIndexingConfiguration'),
  route('POST', '/indexing/config', 'UpdateIndexingConfiguration'),
  route('POST', '/thing-registration-tasks', 'StartThingRegistrationTask'),
  route('GET', '/thing-registration-tasks/{taskId}', 'DescribeThingRegistrationTask'),
  route('GET', '/thing-registration-tasks', 'ListThingRegistrationTasks', { ...tokenPage, status: 's' }),
  route('GET', '/thing-registration-tasks/{taskId}/reports', 'ListThingRegistrationTaskReports', { ...tokenPage, reportType: 's' }),
  route('PUT', '/thing-registration-tasks/{taskId}/cancel', 'StopThingRegistrationTask'),
  route('GET', '/event-configurations', 'DescribeEventConfigurations'),
  route('PATCH', '/event-configurations', 'UpdateEventConfigurations'),
  // domain configurations and endpoints (the data plane's names)
  route('POST', '/domainConfigurations/{domainConfigurationName}', 'CreateDomainConfiguration'),
  route('GET', '/domainConfigurations/{domainConfigurationName}', 'DescribeDomainConfiguration'),
  route('GET', '/domainConfigurations', 'ListDomainConfigurations', { ...markerPage, serviceType: 's' }),
  route('PUT', '/domainConfigurations/{domainConfigurationName}', 'UpdateDomainConfiguration'),
  route('DELETE', '/domainConfigurations/{domainConfigurationName}', 'DeleteDomainConfiguration'),
  route('GET', '/endpoint', 'DescribeEndpoint', { endpointType: 's' }),
];

/** A matched route with its decoded path labels. */
export interface RouteMatch {
  readonly route: Route;
  readonly labels: Record<string, string>;
}

interface CompiledRoute {
  readonly route: Route;
  /** Literal segment text, or null where the template has a label. */
  readonly segments: readonly (string | null)[];
  readonly labelNames: readonly (string | undefined)[];
}

/** Finds the operation for a method and a raw (still encoded) path. */
export class Router {
  private readonly byShape = new Map<string, CompiledRoute[]>();

  constructor(routes: readonly Route[] = ROUTES) {
    for (const r of routes) {
      const parts = r.path.split('/').slice(1);
      const compiled: CompiledRoute = {
        route: r,
        segments: parts.map((p) => (p.startsWith('{') ? null : p)),
        labelNames: parts.map((p) => (p.startsWith('{') ? p.slice(1, -1) : undefined)),
      };
      const key = `${r.method} ${parts.length}`;
      const list = this.byShape.get(key) ?? [];
      list.push(compiled);
      // More literal segments first, so `/thing-groups/addThingToThingGroup` beats `/thing-groups/{name}`.
      list.sort((a, b) => b.segments.filter((s) => s !== null).length - a.segments.filter((s) => s !== null).length);
      this.byShape.set(key, list);
    }
  }

  /** The route and labels for `method rawPath`, or undefined when no operation matches. */
  match(method: string, rawPath: string): RouteMatch | undefined {
    const parts = rawPath.split('/').slice(1);
    const candidates = this.byShape.get(`${method} ${parts.length}`);
    if (!candidates) return undefined;
    for (const c of candidates) {
      const labels: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length; i++) {
        const literal = c.segments[i];
        const part = parts[i] ?? '';
        if (literal === null) {
          if (part === '') {
            ok = false;
            break;
          }
          let decoded: string;
          try {
            decoded = decodeURIComponent(part);
          } catch {
            ok = false;
            break;
          }
          labels[c.labelNames[i] as string] = decoded;
        } else if (literal !== part) {
          ok = false;
          break;
        }
      }
      if (ok) return { route: c.route, labels };
    }
    return undefined;
  }
}
