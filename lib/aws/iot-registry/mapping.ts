/**
 * What the IoT API returns, as the model of `lib/core/model`: one function per shape, each validating
 * its result against the model's schema, so that an answer that does not fit is an
 * `UnexpectedServiceError` naming the operation and the resource, never a half-filled value.
 */
import type {
  CACertificateDescription,
  CertificateDescription,
  DescribeProvisioningTemplateResponse,
  DescribeThingGroupResponse,
  DescribeThingResponse,
  GetIndexingConfigurationResponse,
  GetPolicyResponse,
  ListPolicyVersionsResponse,
  RegistrationConfig as SdkRegistrationConfig,
  RoleAliasDescription,
  ThingTypeDefinition,
} from '@aws-sdk/client-iot';
import type { z } from 'zod';
import { UnexpectedServiceError } from '../../core/errors';
import {
  CaCertificateSchema,
  CertificateSchema,
  IndexingConfigurationSchema,
  PolicySchema,
  ProvisioningTemplateSchema,
  RoleAliasSchema,
  ThingGroupSchema,
  ThingSchema,
  ThingTypeSchema,
  type CaCertificate,
  type Certificate,
  type IndexingConfiguration,
  type Policy,
  type PolicyTarget,
  type PolicyVersionInfo,
  type ProvisioningTemplate,
  type RegistrationConfig,
  type RoleAlias,
  type Thing,
  type ThingGroup,
  type ThingType,
} from '../../core/model';
import { describeIssue } from '../../core/validation';
import { certificateIdOfArn, thingGroupNameOfArn } from '../arns';

/** Validates what the service returned against the model; a mismatch is an unexpected answer. */
export function fitModel<S extends z.ZodType>(schema: S, operation: string, key: string, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new UnexpectedServiceError(`${operation} ${key}: the service's answer does not fit the model (${describeIssue(result.error)})`, {
    cause: result.error,
  });
}

/** IoT answers an empty string for a description or CA that is not set. */
export function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** A thing type from ListThingTypes or DescribeThingType (`operation` names which, for errors). */
export function thingTypeOf(definition: ThingTypeDefinition, operation: string): ThingType {
  const name = definition.thingTypeName ?? '';
  const propagatingAttributes = definition.thingTypeProperties?.mqtt5Configuration?.propagatingAttributes ?? [];
  return fitModel(ThingTypeSchema, operation, `thingType/${name}`, {
    name,
    description: emptyToUndefined(definition.thingTypeProperties?.thingTypeDescription),
    searchableAttributes: definition.thingTypeProperties?.searchableAttributes ?? [],
    deprecated: definition.thingTypeMetadata?.deprecated ?? false,
    ...(propagatingAttributes.length > 0
      ? {
          mqtt5Configuration: {
            propagatingAttributes: propagatingAttributes.map((a) => ({
              userPropertyKey: a.userPropertyKey ?? '',
              ...(a.thingAttribute ? { thingAttribute: a.thingAttribute } : {}),
              ...(a.connectionAttribute ? { connectionAttribute: a.connectionAttribute } : {}),
            })),
          },
        }
      : {}),
  });
}

/** A static or dynamic thing group from DescribeThingGroup (a query string makes it dynamic). */
export function thingGroupOf(output: DescribeThingGroupResponse): ThingGroup {
  const name = output.thingGroupName ?? '';
  const common = {
    name,
    description: emptyToUndefined(output.thingGroupProperties?.thingGroupDescription),
    attributes: output.thingGroupProperties?.attributePayload?.attributes ?? {},
  };
  const group = output.queryString
    ? { kind: 'dynamic' as const, ...common, queryString: output.queryString }
    : { kind: 'static' as const, ...common, parentName: output.thingGroupMetadata?.parentGroupName };
  return fitModel(ThingGroupSchema, 'DescribeThingGroup', `thingGroup/${name}`, group);
}

/** A thing from DescribeThing and the names of the static groups it is directly in. */
export function thingOf(described: DescribeThingResponse, name: string, groupNames: string[]): Thing {
  return fitModel(ThingSchema, 'DescribeThing', `thing/${name}`, {
    name: described.thingName ?? name,
    thingTypeName: described.thingTypeName,
    attributes: described.attributes ?? {},
    billingGroupName: described.billingGroupName,
    groupNames,
  });
}

/** A device certificate from DescribeCertificate. */
export function certificateOf(d: CertificateDescription, certificateId: string): Certificate {
  return fitModel(CertificateSchema, 'DescribeCertificate', `cert/${certificateId}`, {
    certificateId: d.certificateId ?? certificateId,
    status: d.status,
    certificatePem: d.certificatePem,
    caCertificateId: emptyToUndefined(d.caCertificateId),
    certificateMode: d.certificateMode,
  });
}

/** A CA certificate from DescribeCACertificate, with its JITP registration config. */
export function caCertificateOf(
  d: CACertificateDescription,
  registrationConfig: SdkRegistrationConfig | undefined,
  certificateId: string,
): CaCertificate {
  return fitModel(CaCertificateSchema, 'DescribeCACertificate', `caCert/${certificateId}`, {
    certificateId: d.certificateId ?? certificateId,
    status: d.status,
    certificatePem: d.certificatePem,
    autoRegistration: d.autoRegistrationStatus === 'ENABLE',
    certificateMode: d.certificateMode,
    registrationConfig: registrationConfigOf(registrationConfig),
  });
}

/** A CA's registration config as the model holds it: empty fields dropped, absent when nothing is left. */
export function registrationConfigOf(c: SdkRegistrationConfig | undefined): RegistrationConfig | undefined {
  if (c === undefined) return undefined;
  const out: RegistrationConfig = {
    ...(c.templateBody ? { templateBody: c.templateBody } : {}),
    ...(c.templateName ? { templateName: c.templateName } : {}),
    ...(c.roleArn ? { roleArn: c.roleArn } : {}),
  };
  return Object.keys(out).length === 0 ? undefined : out;
}

/** A provisioning template from DescribeProvisioningTemplate (its default version's body). */
export function provisioningTemplateOf(d: DescribeProvisioningTemplateResponse, name: string): ProvisioningTemplate {
  return fitModel(ProvisioningTemplateSchema, 'DescribeProvisioningTemplate', `provisioningTemplate/${name}`, {
    name: d.templateName ?? name,
    ...(d.description ? { description: d.description } : {}),
    templateBody: d.templateBody,
    type: d.type ?? 'FLEET_PROVISIONING',
    enabled: d.enabled ?? false,
    provisioningRoleArn: d.provisioningRoleArn,
    ...(d.preProvisioningHook?.targetArn
      ? {
          preProvisioningHook: {
            targetArn: d.preProvisioningHook.targetArn,
            ...(d.preProvisioningHook.payloadVersion ? { payloadVersion: d.preProvisioningHook.payloadVersion } : {}),
          },
        }
      : {}),
  });
}

/** A role alias from DescribeRoleAlias. */
export function roleAliasOf(d: RoleAliasDescription, name: string): RoleAlias {
  return fitModel(RoleAliasSchema, 'DescribeRoleAlias', `roleAlias/${name}`, {
    name: d.roleAlias ?? name,
    roleArn: d.roleArn,
    ...(d.credentialDurationSeconds !== undefined ? { credentialDurationSeconds: d.credentialDurationSeconds } : {}),
  });
}

/** The fleet-indexing configuration from GetIndexingConfiguration (modes left out when not set). */
export function indexingConfigurationOf(out: GetIndexingConfigurationResponse): IndexingConfiguration {
  const thing = out.thingIndexingConfiguration;
  const group = out.thingGroupIndexingConfiguration;
  const fields = (list: { name?: string; type?: string }[] | undefined) => (list ?? []).map((f) => ({ name: f.name, type: f.type }));
  return fitModel(IndexingConfigurationSchema, 'GetIndexingConfiguration', 'indexingConfiguration', {
    ...(thing?.thingIndexingMode ? { thingIndexingMode: thing.thingIndexingMode } : {}),
    ...(thing?.thingConnectivityIndexingMode ? { thingConnectivityIndexingMode: thing.thingConnectivityIndexingMode } : {}),
    ...(thing?.deviceDefenderIndexingMode ? { deviceDefenderIndexingMode: thing.deviceDefenderIndexingMode } : {}),
    ...(thing?.namedShadowIndexingMode ? { namedShadowIndexingMode: thing.namedShadowIndexingMode } : {}),
    customFields: fields(thing?.customFields),
    namedShadowNames: thing?.filter?.namedShadowNames ?? [],
    ...(group?.thingGroupIndexingMode ? { thingGroupIndexingMode: group.thingGroupIndexingMode } : {}),
    thingGroupCustomFields: fields(group?.customFields),
  });
}

/** A policy and its default document from GetPolicy. */
export function policyOf(output: GetPolicyResponse, name: string): Policy {
  return fitModel(PolicySchema, 'GetPolicy', `policy/${name}`, { name: output.policyName ?? name, document: output.policyDocument });
}

/** The versions ListPolicyVersions lists (those without an ID left out); none for a missing policy. */
export function policyVersionsOf(output: ListPolicyVersionsResponse | undefined): PolicyVersionInfo[] {
  return (output?.policyVersions ?? []).flatMap((v) =>
    v.versionId === undefined
      ? []
      : [
          {
            versionId: v.versionId,
            isDefault: v.isDefaultVersion ?? false,
            ...(v.createDate ? { createDate: v.createDate.toISOString() } : {}),
          },
        ],
  );
}

/** A policy target of the model from an ARN; `undefined` for neither a certificate nor a thing group. */
export function policyTargetOfArn(arn: string): PolicyTarget | undefined {
  const certificateId = certificateIdOfArn(arn);
  if (certificateId !== undefined) return { kind: 'certificate', certificateId };
  const groupName = thingGroupNameOfArn(arn);
  if (groupName !== undefined) return { kind: 'thingGroup', groupName };
  return undefined;
}
