/**
 * One region's registry, held in memory. Records keep times in epoch milliseconds; the operations turn
 * them into the API's epoch seconds. Every map is keyed by the resource's name (or certificate ID).
 */
import type { X509Certificate } from 'node:crypto';
import type { DynamicQuery } from './query';

/** A thing. */
export interface ThingRecord {
  name: string;
  id: string;
  arn: string;
  typeName?: string;
  attributes: Record<string, string>;
  version: number;
  billingGroupName?: string;
}

/** A thing type. */
export interface ThingTypeRecord {
  name: string;
  id: string;
  arn: string;
  properties: { thingTypeDescription?: string; searchableAttributes?: string[]; mqtt5Configuration?: unknown };
  deprecated: boolean;
  deprecationDate?: number;
  creationDate: number;
}

/** A static or dynamic thing group (dynamic ones have `dynamic`). */
export interface ThingGroupRecord {
  name: string;
  id: string;
  arn: string;
  parentName?: string;
  description?: string;
  attributes: Record<string, string>;
  version: number;
  creationDate: number;
  dynamic?: { queryString: string; indexName: string; queryVersion: string; query: DynamicQuery };
  /** Static members, by thing name. */
  members: Set<string>;
}

/** A billing group. */
export interface BillingGroupRecord {
  name: string;
  id: string;
  arn: string;
  description?: string;
  version: number;
  creationDate: number;
  members: Set<string>;
}

/** Device-certificate statuses of the API model. */
export type CertificateStatus = 'ACTIVE' | 'INACTIVE' | 'REVOKED' | 'PENDING_TRANSFER' | 'REGISTER_INACTIVE' | 'PENDING_ACTIVATION';

/** A registered device certificate (never a private key). */
export interface CertificateRecord {
  id: string;
  arn: string;
  pem: string;
  status: CertificateStatus;
  mode: 'DEFAULT' | 'SNI_ONLY';
  caCertificateId?: string;
  creationDate: number;
  lastModifiedDate: number;
  customerVersion: number;
  generationId: string;
  notBefore: number;
  notAfter: number;
  /** Registration order, the ListCertificates order. */
  seq: number;
}

/** A registered CA certificate. */
export interface CaCertificateRecord {
  id: string;
  arn: string;
  pem: string;
  x509: X509Certificate;
  status: 'ACTIVE' | 'INACTIVE';
  mode: 'DEFAULT' | 'SNI_ONLY';
  autoRegistrationStatus: 'ENABLE' | 'DISABLE';
  registrationConfig?: Record<string, unknown>;
  creationDate: number;
  lastModifiedDate: number;
  customerVersion: number;
  generationId: string;
  notBefore: number;
  notAfter: number;
  seq: number;
}

/** One version of a policy. */
export interface PolicyVersionRecord {
  versionId: string;
  document: string;
  createDate: number;
}

/** A policy with its versions. */
export interface PolicyRecord {
  name: string;
  arn: string;
  versions: Map<string, PolicyVersionRecord>;
  defaultVersionId: string;
  nextVersionNumber: number;
  creationDate: number;
  lastModifiedDate: number;
  generationId: string;
  seq: number;
}

/** A domain configuration (an endpoint name devices connect to). */
export interface DomainConfigurationRecord {
  name: string;
  arn: string;
  /** The custom domain name, or the AWS-managed endpoint name when none was given. */
  domainName: string;
  domainType: 'ENDPOINT' | 'AWS_MANAGED' | 'CUSTOMER_MANAGED';
  serviceType: 'DATA' | 'CREDENTIAL_PROVIDER' | 'JOBS';
  status: 'ENABLED' | 'DISABLED';
  lastStatusChangeDate: number;
}

/** A role alias: the IAM role the credentials provider hands a device. */
export interface RoleAliasRecord {
  name: string;
  arn: string;
  roleArn: string;
  credentialDurationSeconds: number;
  creationDate: number;
  lastModifiedDate: number;
}

/** The region's fleet-indexing configuration (every mode OFF until set). */
export interface IndexingConfigurationRecord {
  thingIndexingMode: string;
  thingConnectivityIndexingMode: string;
  deviceDefenderIndexingMode: string;
  namedShadowIndexingMode: string;
  customFields: { name: string; type: string }[];
  namedShadowNames: string[];
  thingGroupIndexingMode: string;
  thingGroupCustomFields: { name: string; type: string }[];
}

/** A bulk registration task (run to completion when started). */
export interface ThingRegistrationTaskRecord {
  taskId: string;
  templateBody: string;
  inputFileBucket: string;
  inputFileKey: string;
  roleArn: string;
  status: 'InProgress' | 'Completed' | 'Failed' | 'Cancelled' | 'Cancelling';
  successCount: number;
  failureCount: number;
  creationDate: number;
  lastModifiedDate: number;
  /** File-store keys (in the input bucket) of the two reports. */
  reports: { RESULTS: string; ERRORS: string };
  seq: number;
}

/** How a principal is attached to a thing. */
export type ThingPrincipalType = 'EXCLUSIVE_THING' | 'NON_EXCLUSIVE_THING';

/** The event-configuration keys of UpdateEventConfigurations. */
export const EVENT_CONFIG_KEYS = [
  'THING',
  'THING_GROUP',
  'THING_TYPE',
  'THING_GROUP_MEMBERSHIP',
  'THING_GROUP_HIERARCHY',
  'THING_TYPE_ASSOCIATION',
  'JOB',
  'JOB_EXECUTION',
  'POLICY',
  'CERTIFICATE',
  'CA_CERTIFICATE',
] as const;

/** One of the event-configuration keys. */
export type EventConfigKey = (typeof EVENT_CONFIG_KEYS)[number];

/** Everything one region holds. */
export interface RegionState {
  things: Map<string, ThingRecord>;
  thingTypes: Map<string, ThingTypeRecord>;
  thingGroups: Map<string, ThingGroupRecord>;
  billingGroups: Map<string, BillingGroupRecord>;
  certificates: Map<string, CertificateRecord>;
  caCertificates: Map<string, CaCertificateRecord>;
  policies: Map<string, PolicyRecord>;
  /** policy name → targets (cert ARNs, thing-group ARNs, Cognito IDs). */
  policyTargets: Map<string, Set<string>>;
  /** target → policy names. */
  targetPolicies: Map<string, Set<string>>;
  /** thing name → principal → type. */
  thingPrincipals: Map<string, Map<string, ThingPrincipalType>>;
  /** principal → thing name → type. */
  principalThings: Map<string, Map<string, ThingPrincipalType>>;
  eventConfig: { enabled: Record<EventConfigKey, boolean>; creationDate: number; lastModifiedDate: number };
  /** Domain configurations by name. */
  domainConfigurations: Map<string, DomainConfigurationRecord>;
  roleAliases: Map<string, RoleAliasRecord>;
  indexingConfiguration: IndexingConfigurationRecord;
  thingRegistrationTasks: Map<string, ThingRegistrationTaskRecord>;
  /** Stand-in for S3: `bucket/key` → content (bulk registration input files and reports). */
  files: Map<string, string>;
  /** Provisioning templates by name (records of operations/provisioning.ts), so the admin dump shows them. */
  provisioningTemplates: Map<string, unknown>;
  /** Monotonic counter for creation order. */
  seq: number;
}

/** A fresh, empty region; `registryEvents` says whether the registry event types start enabled. */
export function emptyRegion(now: number, registryEvents: 'all' | 'none'): RegionState {
  const enabled = Object.fromEntries(EVENT_CONFIG_KEYS.map((k) => [k, false])) as Record<EventConfigKey, boolean>;
  if (registryEvents === 'all') {
    for (const k of ['THING', 'THING_GROUP', 'THING_TYPE', 'THING_GROUP_MEMBERSHIP', 'THING_GROUP_HIERARCHY', 'THING_TYPE_ASSOCIATION'] as const) {
      enabled[k] = true;
    }
  }
  return {
    things: new Map(),
    thingTypes: new Map(),
    thingGroups: new Map(),
    billingGroups: new Map(),
    certificates: new Map(),
    caCertificates: new Map(),
    policies: new Map(),
    policyTargets: new Map(),
    targetPolicies: new Map(),
    thingPrincipals: new Map(),
    principalThings: new Map(),
    eventConfig: { enabled, creationDate: now, lastModifiedDate: now },
    domainConfigurations: new Map(),
    roleAliases: new Map(),
    thingRegistrationTasks: new Map(),
    files: new Map(),
    indexingConfiguration: {
      thingIndexingMode: 'OFF',
      thingConnectivityIndexingMode: 'OFF',
      deviceDefenderIndexingMode: 'OFF',
      namedShadowIndexingMode: 'OFF',
      customFields: [],
      namedShadowNames: [],
      thingGroupIndexingMode: 'OFF',
      thingGroupCustomFields: [],
    },
    provisioningTemplates: new Map(),
    seq: 0,
  };
}

const setOrMap = (v: unknown): unknown => {
  if (v instanceof Set) return [...v].sort();
  if (v instanceof Map) return Object.fromEntries([...v.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));
  return v;
};

/** A JSON-safe copy of a region for the admin dump (parsed X509 objects left out). */
export function dumpRegion(state: RegionState): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(state, (key, value: unknown) => {
      if (key === 'x509' || key === 'query') return undefined;
      return setOrMap(value);
    }),
  ) as Record<string, unknown>;
}
