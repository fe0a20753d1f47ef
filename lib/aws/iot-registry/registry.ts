/**
 * The `Registry` port over `@aws-sdk/client-iot` for one region: the port's table of contents, each
 * operation handed to the module of its family, all of them over one {@link RegistryCalls} edge and one
 * `IoTClient` whose every command is paced by a {@link QuotaPacer}.
 */
import type { IoTClient } from '@aws-sdk/client-iot';
import type {
  CaCertificate,
  Certificate,
  IndexingConfiguration,
  Policy,
  PolicyTarget,
  PolicyVersionInfo,
  ProvisioningTemplate,
  RoleAlias,
  SettableCertificateStatus,
  StaticThingGroup,
  Thing,
  ThingGroup,
  ThingPrincipalAttachment,
  ThingPrincipalType,
  ThingType,
} from '../../core/model';
import type { CertificateSummary, Page, Registry, ThingFilter, ThingRegistrationTaskThings } from '../../core/port';
import { attachQuotaPacer, QuotaPacer, type QuotaMetrics, type QuotaOptions } from '../quota';
import { AccountIdLearner } from './account-id';
import { RegistryCalls, type AdapterLogger } from './calls';
import { Certificates } from './certificates';
import { Policies } from './policies';
import { PrincipalListing } from './principal-listing';
import { ProvisioningKinds } from './provisioning';
import { TargetArns } from './target-arns';
import { ThingGroups } from './thing-groups';
import { ThingPrincipals } from './thing-principals';
import { ThingTypes } from './thing-types';
import { Things } from './things';

/** Options of an {@link IotRegistry}. */
export interface IotRegistryOptions {
  /** A client for `region`, created with `maxAttempts: 1` (this registry paces and retries). */
  client: IoTClient;
  region: string;
  /** The account ID, when known; otherwise learned from the first ARN a response carries. */
  accountId?: string;
  /** A pacer to share, or options for this registry's own. */
  quotas?: QuotaPacer | QuotaOptions;
  logger?: AdapterLogger;
}

/** What the registry saw besides its calls: quota counters and the principals/targets it left out. */
export interface IotRegistryStats {
  region: string;
  quota: QuotaMetrics;
  /** Principals and policy targets that are not certificates or thing groups (e.g. Cognito identities). */
  skipped: { principals: number; policyTargets: number };
  /** Whether the V1 principal listings are used because the service did not know V2. */
  principalListingV1: boolean;
}

/** The IoT registry of one region, as the `Registry` port. */
export class IotRegistry implements Registry {
  readonly region: string;
  /** The configured account ID; the learned one (from ARNs) is kept apart so that it cannot change a comparison mid-run. */
  readonly accountId: string | undefined;
  private readonly pacer: QuotaPacer;
  private readonly thingTypes: ThingTypes;
  private readonly thingGroups: ThingGroups;
  private readonly things: Things;
  private readonly certificates: Certificates;
  private readonly policies: Policies;
  private readonly principalListing: PrincipalListing;
  private readonly thingPrincipals: ThingPrincipals;
  private readonly provisioning: ProvisioningKinds;

  constructor(options: IotRegistryOptions) {
    this.region = options.region;
    this.accountId = options.accountId;
    this.pacer = options.quotas instanceof QuotaPacer ? options.quotas : new QuotaPacer(options.quotas);
    attachQuotaPacer(options.client, this.pacer);
    const calls = new RegistryCalls(options.client, options.region, new AccountIdLearner(options.accountId), options.logger);
    this.thingTypes = new ThingTypes(calls);
    this.thingGroups = new ThingGroups(calls);
    this.things = new Things(calls, this.thingGroups);
    this.certificates = new Certificates(calls);
    const targetArns = new TargetArns(calls, this.thingGroups);
    this.policies = new Policies(calls, targetArns);
    this.principalListing = new PrincipalListing(calls);
    this.thingPrincipals = new ThingPrincipals(calls, targetArns, this.principalListing);
    this.provisioning = new ProvisioningKinds(calls);
  }

  /** Quota counters and skip counts since this registry was created. */
  stats(): IotRegistryStats {
    return {
      region: this.region,
      quota: this.pacer.metrics(),
      skipped: { principals: this.thingPrincipals.skippedPrincipals, policyTargets: this.policies.skippedTargets },
      principalListingV1: this.principalListing.usesV1,
    };
  }

  // ---------------------------------------------------------------- thing types (thing-types.ts)

  listThingTypes(): AsyncIterable<ThingType> {
    return this.thingTypes.list();
  }
  getThingType(name: string): Promise<ThingType | undefined> {
    return this.thingTypes.get(name);
  }
  createThingType(type: ThingType): Promise<void> {
    return this.thingTypes.create(type);
  }
  updateThingType(type: ThingType): Promise<void> {
    return this.thingTypes.update(type);
  }
  setThingTypeDeprecated(name: string, deprecated: boolean): Promise<void> {
    return this.thingTypes.setDeprecated(name, deprecated);
  }
  deleteThingType(name: string): Promise<void> {
    return this.thingTypes.delete(name);
  }

  // ---------------------------------------------------------------- thing groups (thing-groups.ts)

  listThingGroups(): AsyncIterable<ThingGroup> {
    return this.thingGroups.list();
  }
  getThingGroup(name: string): Promise<ThingGroup | undefined> {
    return this.thingGroups.get(name);
  }
  createThingGroup(group: ThingGroup): Promise<void> {
    return this.thingGroups.create(group);
  }
  updateThingGroup(group: ThingGroup): Promise<void> {
    return this.thingGroups.update(group);
  }
  deleteThingGroup(name: string, kind: ThingGroup['kind']): Promise<void> {
    return this.thingGroups.delete(name, kind);
  }

  // ---------------------------------------------------------------- things (things.ts)

  listThingNames(filter: ThingFilter, nextToken?: string): Promise<Page<string>> {
    return this.things.listNames(filter, nextToken);
  }
  /** Direct members of a static group; a missing group has none. */
  listThingNamesInGroup(groupName: string, nextToken?: string): Promise<Page<string>> {
    return this.things.listNamesInGroup(groupName, nextToken);
  }
  getThing(name: string): Promise<Thing | undefined> {
    return this.things.get(name);
  }
  createThing(thing: Omit<Thing, 'groupNames'>): Promise<void> {
    return this.things.create(thing);
  }
  updateThing(thing: Omit<Thing, 'groupNames' | 'billingGroupName'>): Promise<void> {
    return this.things.update(thing);
  }
  deleteThing(name: string): Promise<void> {
    return this.things.delete(name);
  }
  addThingToGroup(thingName: string, group: Pick<StaticThingGroup, 'name'>): Promise<void> {
    return this.things.addToGroup(thingName, group);
  }
  removeThingFromGroup(thingName: string, groupName: string): Promise<void> {
    return this.things.removeFromGroup(thingName, groupName);
  }
  addThingToBillingGroup(thingName: string, billingGroupName: string): Promise<void> {
    return this.things.addToBillingGroup(thingName, billingGroupName);
  }
  removeThingFromBillingGroup(thingName: string, billingGroupName: string): Promise<void> {
    return this.things.removeFromBillingGroup(thingName, billingGroupName);
  }

  // ---------------------------------------------------------------- certificates and CAs (certificates.ts)

  listCertificates(): AsyncIterable<CertificateSummary> {
    return this.certificates.list();
  }
  getCertificate(certificateId: string): Promise<Certificate | undefined> {
    return this.certificates.get(certificateId);
  }
  registerCertificate(input: { certificatePem: string; status: SettableCertificateStatus; caCertificatePem?: string }): Promise<void> {
    return this.certificates.register(input);
  }
  updateCertificateStatus(certificateId: string, status: SettableCertificateStatus): Promise<void> {
    return this.certificates.updateStatus(certificateId, status);
  }
  deleteCertificate(certificateId: string): Promise<void> {
    return this.certificates.delete(certificateId);
  }
  listCaCertificates(): AsyncIterable<CaCertificate> {
    return this.certificates.listCas();
  }
  getCaCertificate(certificateId: string): Promise<CaCertificate | undefined> {
    return this.certificates.getCa(certificateId);
  }
  /** Registers the CA in SNI_ONLY mode; an existing registration of the same ID is success. */
  registerCaCertificate(ca: CaCertificate): Promise<void> {
    return this.certificates.registerCa(ca);
  }
  updateCaCertificate(ca: CaCertificate): Promise<void> {
    return this.certificates.updateCa(ca);
  }
  deleteCaCertificate(certificateId: string): Promise<void> {
    return this.certificates.deleteCa(certificateId);
  }

  // ---------------------------------------------------------------- provisioning kinds (provisioning.ts)

  listProvisioningTemplates(): AsyncIterable<ProvisioningTemplate> {
    return this.provisioning.listTemplates();
  }
  getProvisioningTemplate(name: string): Promise<ProvisioningTemplate | undefined> {
    return this.provisioning.getTemplate(name);
  }
  /** Creates the template; an existing one of the same name is a conflict the next run converges. */
  createProvisioningTemplate(template: ProvisioningTemplate): Promise<void> {
    return this.provisioning.createTemplate(template);
  }
  updateProvisioningTemplate(template: ProvisioningTemplate, options: { newBody: boolean }): Promise<void> {
    return this.provisioning.updateTemplate(template, options);
  }
  deleteProvisioningTemplate(name: string): Promise<void> {
    return this.provisioning.deleteTemplate(name);
  }
  listRoleAliases(): AsyncIterable<RoleAlias> {
    return this.provisioning.listRoleAliases();
  }
  getRoleAlias(name: string): Promise<RoleAlias | undefined> {
    return this.provisioning.getRoleAlias(name);
  }
  createRoleAlias(alias: RoleAlias): Promise<void> {
    return this.provisioning.createRoleAlias(alias);
  }
  updateRoleAlias(alias: RoleAlias): Promise<void> {
    return this.provisioning.updateRoleAlias(alias);
  }
  deleteRoleAlias(name: string): Promise<void> {
    return this.provisioning.deleteRoleAlias(name);
  }
  getIndexingConfiguration(): Promise<IndexingConfiguration> {
    return this.provisioning.getIndexingConfiguration();
  }
  updateIndexingConfiguration(configuration: IndexingConfiguration): Promise<void> {
    return this.provisioning.updateIndexingConfiguration(configuration);
  }
  getThingRegistrationTaskThings(taskId: string): Promise<ThingRegistrationTaskThings | undefined> {
    return this.provisioning.getRegistrationTaskThings(taskId);
  }

  // ---------------------------------------------------------------- policies and attachments (policies.ts)

  listPolicyNames(): AsyncIterable<string> {
    return this.policies.listNames();
  }
  getPolicy(name: string): Promise<Policy | undefined> {
    return this.policies.get(name);
  }
  /** The policy's versions; a missing policy has none. */
  listPolicyVersions(name: string): Promise<PolicyVersionInfo[]> {
    return this.policies.listVersions(name);
  }
  /** Certificates and thing groups the policy is attached to; a missing policy has none. */
  listPolicyTargets(policyName: string): Promise<PolicyTarget[]> {
    return this.policies.listTargets(policyName);
  }
  /** Policies attached directly to the target; a missing target has none. */
  listAttachedPolicies(target: PolicyTarget): Promise<string[]> {
    return this.policies.listAttached(target);
  }
  createPolicy(name: string, document: string): Promise<void> {
    return this.policies.create(name, document);
  }
  createPolicyVersion(name: string, document: string): Promise<void> {
    return this.policies.createVersion(name, document);
  }
  deletePolicyVersion(name: string, versionId: string): Promise<void> {
    return this.policies.deleteVersion(name, versionId);
  }
  deletePolicy(name: string): Promise<void> {
    return this.policies.delete(name);
  }
  attachPolicy(policyName: string, target: PolicyTarget): Promise<void> {
    return this.policies.attach(policyName, target);
  }
  detachPolicy(policyName: string, target: PolicyTarget): Promise<void> {
    return this.policies.detach(policyName, target);
  }

  // ---------------------------------------------------------------- thing principals (thing-principals.ts)

  /** Certificates attached to the thing (other principal kinds are skipped); a missing thing has none. */
  listThingPrincipals(thingName: string): Promise<ThingPrincipalAttachment[]> {
    return this.thingPrincipals.listOfThing(thingName);
  }
  /** Things the certificate is attached to; a missing certificate has none. */
  listPrincipalThings(certificateId: string): Promise<ThingPrincipalAttachment[]> {
    return this.thingPrincipals.listOfCertificate(certificateId);
  }
  attachThingPrincipal(thingName: string, certificateId: string, type: ThingPrincipalType): Promise<void> {
    return this.thingPrincipals.attach(thingName, certificateId, type);
  }
  detachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    return this.thingPrincipals.detach(thingName, certificateId);
  }
}
