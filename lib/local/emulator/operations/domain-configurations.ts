/**
 * Domain configurations (Create/Describe/List/Update/DeleteDomainConfiguration) and DescribeEndpoint:
 * the names devices put in SNI to reach a region's data plane. Certificates of custom domains are not
 * validated (no ACM here); the emulator's CA serves every name.
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-custom-endpoints-configurable.html
 */
import { createHash } from 'node:crypto';
import { seconds, type OperationContext, type OperationTable } from '../context';
import { invalidRequest, resourceAlreadyExists, resourceNotFound } from '../errors';
import { checkName, optionalInt, optionalString, requiredString } from '../input';
import { pageSize, paginate } from '../pagination';
import type { DomainConfigurationRecord } from '../state';

/** A domain configuration name: 1-128 of [\w.-] (API_CreateDomainConfiguration.html). */
const DOMAIN_CONFIGURATION_NAME = /^[\w.-]+$/;
/** Names AWS reserves for its own default configurations (they start with `iot:`). */
const RESERVED_PREFIX = 'iot:';

/**
 * The account-specific endpoint prefix; AWS gives each account a 14-character one
 * (e.g. `a3qjEXAMPLEffp`), deterministic here so every region of one account shares it.
 */
export function endpointPrefix(accountId: string): string {
  return `a${createHash('sha256').update(accountId).digest('hex').slice(0, 13)}`;
}

/** The host name of an endpoint type (API_DescribeEndpoint.html; iot:Data is the legacy VeriSign one). */
export function endpointAddress(accountId: string, region: string, endpointType = 'iot:Data'): string {
  const prefix = endpointPrefix(accountId);
  switch (endpointType) {
    case 'iot:Data':
      return `${prefix}.iot.${region}.amazonaws.com`;
    case 'iot:Data-ATS':
      return `${prefix}-ats.iot.${region}.amazonaws.com`;
    case 'iot:CredentialProvider':
      return `${prefix}.credentials.iot.${region}.amazonaws.com`;
    case 'iot:Jobs':
      return `${prefix}.jobs.iot.${region}.amazonaws.com`;
    default:
      throw invalidRequest(`Invalid endpointType: ${endpointType}`);
  }
}

function requireConfiguration(ctx: OperationContext, name: string): DomainConfigurationRecord {
  const record = ctx.state.domainConfigurations.get(name);
  if (!record) throw resourceNotFound(`Domain configuration ${name} does not exist`);
  return record;
}

function statusParam(value: string | undefined): DomainConfigurationRecord['status'] | undefined {
  if (value === undefined) return undefined;
  if (value !== 'ENABLED' && value !== 'DISABLED') throw invalidRequest(`Invalid domainConfigurationStatus: ${value}`);
  return value;
}

/** The handlers of the domain-configuration family. */
export const domainConfigurationOperations: OperationTable = {
  CreateDomainConfiguration(ctx, input) {
    const name = requiredString(input, 'domainConfigurationName');
    checkName('domainConfigurationName', name, DOMAIN_CONFIGURATION_NAME);
    if (name.startsWith(RESERVED_PREFIX)) throw invalidRequest(`domainConfigurationName may not start with ${RESERVED_PREFIX}`);
    if (ctx.state.domainConfigurations.has(name)) throw resourceAlreadyExists(`Domain configuration ${name} already exists`, name);
    const serviceType = optionalString(input, 'serviceType') ?? 'DATA';
    if (serviceType !== 'DATA' && serviceType !== 'CREDENTIAL_PROVIDER' && serviceType !== 'JOBS') throw invalidRequest(`Invalid serviceType: ${serviceType}`);
    const customDomain = optionalString(input, 'domainName');
    if (customDomain !== undefined) {
      if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(customDomain) || customDomain.length > 253) {
        throw invalidRequest(`domainName ${customDomain} is not a valid domain name`);
      }
      // One domain name belongs to one configuration in the account and region.
      for (const other of ctx.state.domainConfigurations.values()) {
        if (other.domainName.toLowerCase() === customDomain.toLowerCase()) throw resourceAlreadyExists(`Domain name ${customDomain} is already used by ${other.name}`, other.name);
      }
    }
    const record: DomainConfigurationRecord = {
      name,
      arn: ctx.arn(`domainconfiguration/${name}/${createHash('sha256').update(`${ctx.region}/${name}`).digest('hex').slice(0, 5)}`),
      // UNCONFIRMED: the generated name of a configuration without a custom domain.
      domainName: customDomain ?? `${endpointPrefix(ctx.accountId)}-${name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-ats.iot.${ctx.region}.amazonaws.com`,
      domainType: customDomain !== undefined ? 'CUSTOMER_MANAGED' : 'AWS_MANAGED',
      serviceType,
      status: 'ENABLED',
      lastStatusChangeDate: ctx.now,
    };
    ctx.state.domainConfigurations.set(name, record);
    return { body: { domainConfigurationName: name, domainConfigurationArn: record.arn } };
  },

  DescribeDomainConfiguration(ctx, input) {
    const r = requireConfiguration(ctx, requiredString(input, 'domainConfigurationName'));
    return {
      body: {
        domainConfigurationName: r.name,
        domainConfigurationArn: r.arn,
        domainName: r.domainName,
        serverCertificates: [],
        domainConfigurationStatus: r.status,
        serviceType: r.serviceType,
        domainType: r.domainType,
        lastStatusChangeDate: seconds(r.lastStatusChangeDate),
      },
    };
  },

  ListDomainConfigurations(ctx, input) {
    const serviceType = optionalString(input, 'serviceType');
    const size = pageSize(optionalInt(input, 'pageSize'), 'pageSize', 250);
    const sorted = [...ctx.state.domainConfigurations.values()]
      .filter((r) => serviceType === undefined || r.serviceType === serviceType)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const page = paginate(sorted, (r) => r.name, size, optionalString(input, 'marker'), 'marker');
    return {
      body: {
        domainConfigurations: page.items.map((r) => ({ domainConfigurationName: r.name, domainConfigurationArn: r.arn, serviceType: r.serviceType })),
        ...(page.next !== undefined ? { nextMarker: page.next } : {}),
      },
    };
  },

  UpdateDomainConfiguration(ctx, input) {
    const r = requireConfiguration(ctx, requiredString(input, 'domainConfigurationName'));
    const status = statusParam(optionalString(input, 'domainConfigurationStatus'));
    if (status !== undefined && status !== r.status) {
      r.status = status;
      r.lastStatusChangeDate = ctx.now;
    }
    return { body: { domainConfigurationName: r.name, domainConfigurationArn: r.arn } };
  },

  DeleteDomainConfiguration(ctx, input) {
    const r = requireConfiguration(ctx, requiredString(input, 'domainConfigurationName'));
    // "you must first disable it" (API_DeleteDomainConfiguration.html, UNCONFIRMED error type).
    if (r.status !== 'DISABLED') throw invalidRequest(`Domain configuration ${r.name} must be DISABLED before it is deleted`);
    ctx.state.domainConfigurations.delete(r.name);
    return { body: {} };
  },

  DescribeEndpoint(ctx, input) {
    return { body: { endpointAddress: endpointAddress(ctx.accountId, ctx.region, optionalString(input, 'endpointType')) } };
  },
};
