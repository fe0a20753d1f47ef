/**
 * The port around one region's IoT registry: what the sync reads and writes. `lib/aws` implements it
 * over `@aws-sdk/client-iot`; tests may implement it in memory. Everything is keyed by name (or
 * certificate ID); implementations map keys to their region's ARNs themselves.
 *
 * Contract for every method: a missing resource on a `get*` is `undefined`, not an error; every
 * failure is thrown as one of the domain errors of `./errors` (never an SDK exception).
 */
import type {
  CaCertificate,
  ProvisioningTemplate,
  RoleAlias,
  IndexingConfiguration,
  Certificate,
  CertificateStatus,
  Policy,
  PolicyTarget,
  PolicyVersionInfo,
  SettableCertificateStatus,
  StaticThingGroup,
  Thing,
  ThingGroup,
  ThingPrincipalAttachment,
  ThingPrincipalType,
  ThingType,
} from './model';

/** A certificate as a listing returns it: enough to decide whether a describe is needed. */
export interface CertificateSummary {
  certificateId: string;
  status: CertificateStatus;
}

/** Filters for listing things (all optional; AWS lets ListThings filter by type or one attribute). */
export interface ThingFilter {
  thingTypeName?: string;
  namePrefix?: string;
  attribute?: { name: string; value: string };
}

/** One page of a listing, with the token to continue it (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** What a bulk registration task registered, once it has finished. */
export interface ThingRegistrationTaskThings {
  /** `InProgress`, `Cancelling` (still running), `Completed`, `Failed`, `Cancelled`. */
  status: string;
  /** Things named in the results report (empty while the task runs). */
  thingNames: string[];
}

/** Reads one region's registry. */
export interface RegistryReader {
  /** The region this reader reads. */
  readonly region: string;
  /** The account of this registry, when configured (policy ARNs move between accounts when the two differ). */
  readonly accountId?: string;

  listThingTypes(): AsyncIterable<ThingType>;
  getThingType(name: string): Promise<ThingType | undefined>;

  /** Every thing group, static and dynamic. */
  listThingGroups(): AsyncIterable<ThingGroup>;
  getThingGroup(name: string): Promise<ThingGroup | undefined>;

  /** Thing names, one page at a time (so a million-thing reconcile can stream and resume). */
  listThingNames(filter: ThingFilter, nextToken?: string): Promise<Page<string>>;
  /** Things in a static group (direct members). */
  listThingNamesInGroup(groupName: string, nextToken?: string): Promise<Page<string>>;
  /** The thing with its static group memberships. */
  getThing(name: string): Promise<Thing | undefined>;

  listCertificates(): AsyncIterable<CertificateSummary>;
  getCertificate(certificateId: string): Promise<Certificate | undefined>;

  /** Every provisioning template, with its default version's body. */
  listProvisioningTemplates(): AsyncIterable<ProvisioningTemplate>;
  getProvisioningTemplate(name: string): Promise<ProvisioningTemplate | undefined>;

  /** The region's fleet-indexing configuration (every mode OFF when indexing was never set up). */
  getIndexingConfiguration(): Promise<IndexingConfiguration>;

  /**
   * A bulk registration task's state and, once it has finished, the names of the things its results
   * report lists (undefined: no such task).
   */
  getThingRegistrationTaskThings(taskId: string): Promise<ThingRegistrationTaskThings | undefined>;

  listRoleAliases(): AsyncIterable<RoleAlias>;
  getRoleAlias(name: string): Promise<RoleAlias | undefined>;

  listCaCertificates(): AsyncIterable<CaCertificate>;
  getCaCertificate(certificateId: string): Promise<CaCertificate | undefined>;

  listPolicyNames(): AsyncIterable<string>;
  /** The policy with its default version's document. */
  getPolicy(name: string): Promise<Policy | undefined>;
  listPolicyVersions(name: string): Promise<PolicyVersionInfo[]>;
  /** Certificates and thing groups the policy is attached to (other target kinds are left out). */
  listPolicyTargets(policyName: string): Promise<PolicyTarget[]>;
  /** Policies attached directly to a certificate or thing group (not inherited ones). */
  listAttachedPolicies(target: PolicyTarget): Promise<string[]>;

  /** Certificates attached to a thing, with the attachment type. */
  listThingPrincipals(thingName: string): Promise<ThingPrincipalAttachment[]>;
  /** Things a certificate is attached to, with the attachment type. */
  listPrincipalThings(certificateId: string): Promise<ThingPrincipalAttachment[]>;
}

/** Writes one region's registry. Every method is one logical change; none of them reads first. */
export interface RegistryWriter {
  /** The region this writer writes. */
  readonly region: string;

  createThingType(type: ThingType): Promise<void>;
  updateThingType(type: ThingType): Promise<void>;
  /** Deprecates (`deprecated = true`) or undeprecates a thing type. */
  setThingTypeDeprecated(name: string, deprecated: boolean): Promise<void>;
  deleteThingType(name: string): Promise<void>;

  createThingGroup(group: ThingGroup): Promise<void>;
  /** Description and attributes (static) or query (dynamic); the parent cannot change in AWS. */
  updateThingGroup(group: ThingGroup): Promise<void>;
  deleteThingGroup(name: string, kind: ThingGroup['kind']): Promise<void>;

  createThing(thing: Omit<Thing, 'groupNames'>): Promise<void>;
  /** Sets the type (or removes it) and replaces the whole attribute set. */
  updateThing(thing: Omit<Thing, 'groupNames' | 'billingGroupName'>): Promise<void>;
  deleteThing(name: string): Promise<void>;
  addThingToGroup(thingName: string, group: Pick<StaticThingGroup, 'name'>): Promise<void>;
  removeThingFromGroup(thingName: string, groupName: string): Promise<void>;
  addThingToBillingGroup(thingName: string, billingGroupName: string): Promise<void>;
  removeThingFromBillingGroup(thingName: string, billingGroupName: string): Promise<void>;

  /**
   * Registers a certificate PEM under the same ID: with its CA's PEM when given (the CA must be
   * registered in this region), otherwise without a CA. An existing registration of the same ID is
   * success.
   */
  registerCertificate(input: {
    certificatePem: string;
    status: SettableCertificateStatus;
    caCertificatePem?: string;
  }): Promise<void>;
  updateCertificateStatus(certificateId: string, status: SettableCertificateStatus): Promise<void>;
  deleteCertificate(certificateId: string): Promise<void>;

  /** Registers a CA certificate (SNI_ONLY: it needs no verification certificate). */
  registerCaCertificate(ca: CaCertificate): Promise<void>;
  updateCaCertificate(ca: CaCertificate): Promise<void>;
  deleteCaCertificate(certificateId: string): Promise<void>;

  createProvisioningTemplate(template: ProvisioningTemplate): Promise<void>;
  /**
   * Updates enabled, description, role and hook; with `newBody`, first makes the body a new default
   * version (deleting the oldest non-default version at the version limit).
   */
  updateProvisioningTemplate(template: ProvisioningTemplate, options: { newBody: boolean }): Promise<void>;
  deleteProvisioningTemplate(name: string): Promise<void>;

  updateIndexingConfiguration(configuration: IndexingConfiguration): Promise<void>;

  createRoleAlias(alias: RoleAlias): Promise<void>;
  /** Role ARN and credential duration. */
  updateRoleAlias(alias: RoleAlias): Promise<void>;
  deleteRoleAlias(name: string): Promise<void>;

  createPolicy(name: string, document: string): Promise<void>;
  /** Creates a new version and makes it the default. Throws PolicyVersionLimitError at 5 versions. */
  createPolicyVersion(name: string, document: string): Promise<void>;
  deletePolicyVersion(name: string, versionId: string): Promise<void>;
  deletePolicy(name: string): Promise<void>;
  attachPolicy(policyName: string, target: PolicyTarget): Promise<void>;
  detachPolicy(policyName: string, target: PolicyTarget): Promise<void>;

  attachThingPrincipal(thingName: string, certificateId: string, type: ThingPrincipalType): Promise<void>;
  detachThingPrincipal(thingName: string, certificateId: string): Promise<void>;
}

/** One region's registry, read and written through one paced client. */
export interface Registry extends RegistryReader, RegistryWriter {}

/** The target region: read to compare, written to converge. */
export interface SyncTarget {
  reader: RegistryReader;
  writer: RegistryWriter;
}
