/**
 * An in-memory `Registry` for fast tests of the core. It honours the port contract (a missing resource
 * on a get is `undefined`; failures are domain errors) and the AWS rules the core depends on, logs every
 * call (`calls`, `writeCalls()`), and can inject faults. Certificate IDs are the SHA-256 of the DER.
 */
import { certificateIdOf } from '../../lib/local/certificates';
import {
  CertificateStateError,
  InvalidResourceError,
  PolicyVersionLimitError,
  ResourceConflictError,
  ResourceNotFoundError,
} from '../../lib/core/errors';
import {
  PolicyNameSchema,
  RegistryNameSchema,
  ThingNameSchema,
  type CaCertificate,
  type ProvisioningTemplate,
  type RoleAlias,
  type IndexingConfiguration,
  IndexingConfigurationSchema,
  type Certificate,
  type Policy,
  type PolicyAttachment,
  type PolicyTarget,
  type PolicyVersionInfo,
  type RegistrySnapshot,
  type SettableCertificateStatus,
  type StaticThingGroup,
  type Thing,
  type ThingGroup,
  type ThingPrincipalAttachment,
  type ThingPrincipalType,
  type ThingType,
} from '../../lib/core/model';
import { policyAttachmentKey, policyTargetKey, thingPrincipalKey } from '../../lib/core/keys';
import type { CertificateSummary, Page, Registry, ThingFilter, ThingRegistrationTaskThings } from '../../lib/core/port';

/** One logged call. */
export interface RegistryCall {
  method: string;
  args: unknown[];
}

/** A fault: the next matching calls of `method` throw `error` instead of running. */
export interface Fault {
  method: string;
  error: () => Error;
  match?: (args: unknown[]) => boolean;
  /** How many calls fail (default: all). */
  times?: number;
}

/** Options of the registry. */
export interface InMemoryRegistryOptions {
  region: string;
  /** The registry's account, as a configured adapter knows it. */
  accountId?: string;
  /** Clock (ms) for the 5-minute rule on thing type deletion. */
  now?: () => number;
  /** Page size of `listThingNames` (default 250). */
  pageSize?: number;
  /** Billing groups that exist (they are not synced resources). */
  billingGroups?: string[];
}

/** The writer methods, for `writeCalls()`. */
export const WRITE_METHODS: ReadonlySet<string> = new Set([
  'createThingType', 'updateThingType', 'setThingTypeDeprecated', 'deleteThingType',
  'createThingGroup', 'updateThingGroup', 'deleteThingGroup',
  'createThing', 'updateThing', 'deleteThing', 'addThingToGroup', 'removeThingFromGroup',
  'addThingToBillingGroup', 'removeThingFromBillingGroup',
  'registerCertificate', 'updateCertificateStatus', 'deleteCertificate',
  'registerCaCertificate', 'updateCaCertificate', 'deleteCaCertificate',
  'createProvisioningTemplate', 'updateProvisioningTemplate', 'deleteProvisioningTemplate',
  'createRoleAlias', 'updateRoleAlias', 'deleteRoleAlias', 'updateIndexingConfiguration',
  'createPolicy', 'createPolicyVersion', 'deletePolicyVersion', 'deletePolicy', 'attachPolicy', 'detachPolicy',
  'attachThingPrincipal', 'detachThingPrincipal',
]);

const DEPRECATION_WAIT_MS = 5 * 60 * 1000;
const MAX_POLICY_VERSIONS = 5;

interface StoredThing {
  thing: Omit<Thing, 'groupNames'>;
  groups: Set<string>;
}
interface StoredPolicy {
  versions: { versionId: string; document: string; isDefault: boolean; createDate: string }[];
  nextVersion: number;
}

const clone = <T>(value: T): T => structuredClone(value);

function certificateIdFromPem(pem: string, what: string): string {
  try {
    return certificateIdOf(pem);
  } catch (error) {
    throw new InvalidResourceError(`${what}: the PEM is not a valid X.509 certificate`, { cause: error });
  }
}

function checkName(schema: typeof ThingNameSchema | typeof PolicyNameSchema, name: string, what: string): void {
  const result = schema.safeParse(name);
  if (!result.success) throw new InvalidResourceError(`${what} "${name.slice(0, 60)}": ${result.error.issues[0]?.message}`);
}

/** One region's registry in memory. */
export class InMemoryRegistry implements Registry {
  readonly region: string;
  readonly accountId: string | undefined;
  readonly calls: RegistryCall[] = [];
  private readonly now: () => number;
  private readonly pageSize: number;
  private readonly faults: Fault[] = [];
  private readonly billingGroups: Set<string>;

  private readonly types = new Map<string, ThingType & { deprecatedAt?: number }>();
  private readonly groups = new Map<string, ThingGroup>();
  private readonly things = new Map<string, StoredThing>();
  private readonly certificates = new Map<string, Certificate>();
  private readonly cas = new Map<string, CaCertificate>();
  private readonly templates = new Map<string, ProvisioningTemplate>();
  private readonly roleAliases = new Map<string, RoleAlias>();
  private indexing: IndexingConfiguration = IndexingConfigurationSchema.parse({});
  private readonly policies = new Map<string, StoredPolicy>();
  private readonly attachments = new Map<string, PolicyAttachment>();
  private readonly principals = new Map<string, ThingPrincipalAttachment>();

  constructor(options: InMemoryRegistryOptions) {
    this.region = options.region;
    this.accountId = options.accountId;
    this.now = options.now ?? (() => Date.now());
    this.pageSize = options.pageSize ?? 250;
    this.billingGroups = new Set(options.billingGroups ?? []);
  }

  /** Calls of writer methods only. */
  writeCalls(): RegistryCall[] {
    return this.calls.filter((c) => WRITE_METHODS.has(c.method));
  }

  /** Makes matching calls fail (see {@link Fault}). */
  injectFault(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /** Adds a billing group (they exist outside the synced model). */
  addBillingGroup(name: string): void {
    this.billingGroups.add(name);
  }

  /**
   * Loads items as they are, without the service's checks: for seeding fleets quickly and for items a
   * real registry might return oddly (an over-long name, an unknown status, a malformed document).
   */
  seed(snapshot: Partial<RegistrySnapshot>): void {
    for (const t of snapshot.thingTypes ?? []) this.types.set(t.name, clone(t));
    for (const g of snapshot.thingGroups ?? []) this.groups.set(g.name, clone(g));
    for (const t of snapshot.things ?? []) {
      const { groupNames, ...thing } = clone(t);
      this.things.set(t.name, { thing: { ...thing, attributes: thing.attributes ?? {} }, groups: new Set(groupNames ?? []) });
      if (thing.billingGroupName !== undefined) this.billingGroups.add(thing.billingGroupName);
    }
    for (const c of snapshot.certificates ?? []) this.certificates.set(c.certificateId, clone(c));
    for (const c of snapshot.caCertificates ?? []) this.cas.set(c.certificateId, clone(c));
    for (const t of snapshot.provisioningTemplates ?? []) this.templates.set(t.name, clone(t));
    for (const a of snapshot.roleAliases ?? []) this.roleAliases.set(a.name, clone(a));
    if (snapshot.indexingConfiguration !== undefined) this.indexing = clone(snapshot.indexingConfiguration);
    for (const p of snapshot.policies ?? []) {
      this.policies.set(p.name, { versions: [{ versionId: '1', document: p.document, isDefault: true, createDate: this.isoNow() }], nextVersion: 2 });
    }
    for (const a of snapshot.policyAttachments ?? []) this.attachments.set(policyAttachmentKey(a), clone(a));
    for (const a of snapshot.thingPrincipalAttachments ?? []) {
      this.principals.set(thingPrincipalKey(a), clone({ ...a, type: a.type ?? 'NON_EXCLUSIVE_THING' }));
    }
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  private record(method: string, args: unknown[]): void {
    this.calls.push({ method, args: clone(args) });
    const fault = this.faults.find((f) => f.method === method && (f.match?.(args) ?? true) && (f.times ?? 1) > 0);
    if (fault === undefined) return;
    if (fault.times !== undefined) fault.times -= 1;
    throw fault.error();
  }

  // ---- reader -------------------------------------------------------------------------------------

  async *listThingTypes(): AsyncIterable<ThingType> {
    this.record('listThingTypes', []);
    for (const t of this.types.values()) yield this.publicType(t);
  }
  private publicType(t: ThingType & { deprecatedAt?: number }): ThingType {
    const { deprecatedAt: _at, ...type } = t;
    return clone(type);
  }
  async getThingType(name: string): Promise<ThingType | undefined> {
    this.record('getThingType', [name]);
    const t = this.types.get(name);
    return t && this.publicType(t);
  }
  async *listThingGroups(): AsyncIterable<ThingGroup> {
    this.record('listThingGroups', []);
    for (const g of this.groups.values()) yield clone(g);
  }
  async getThingGroup(name: string): Promise<ThingGroup | undefined> {
    this.record('getThingGroup', [name]);
    const g = this.groups.get(name);
    return g && clone(g);
  }
  async listThingNames(filter: ThingFilter, nextToken?: string): Promise<Page<string>> {
    this.record('listThingNames', [filter, nextToken]);
    const names = [...this.things.values()]
      .filter(({ thing }) => filter.thingTypeName === undefined || thing.thingTypeName === filter.thingTypeName)
      .filter(({ thing }) => filter.namePrefix === undefined || thing.name.startsWith(filter.namePrefix))
      .filter(({ thing }) => filter.attribute === undefined || thing.attributes[filter.attribute.name] === filter.attribute.value)
      .map(({ thing }) => thing.name)
      .sort();
    return this.page(names, nextToken);
  }
  private page(names: string[], nextToken?: string): Page<string> {
    const start = nextToken === undefined ? 0 : Number(nextToken);
    const items = names.slice(start, start + this.pageSize);
    const end = start + items.length;
    return end < names.length ? { items, nextToken: String(end) } : { items };
  }
  async listThingNamesInGroup(groupName: string, nextToken?: string): Promise<Page<string>> {
    this.record('listThingNamesInGroup', [groupName, nextToken]);
    const names = [...this.things.values()].filter((t) => t.groups.has(groupName)).map((t) => t.thing.name).sort();
    return this.page(names, nextToken);
  }
  async getThing(name: string): Promise<Thing | undefined> {
    this.record('getThing', [name]);
    const t = this.things.get(name);
    return t && { ...clone(t.thing), groupNames: [...t.groups].sort() };
  }
  async *listCertificates(): AsyncIterable<CertificateSummary> {
    this.record('listCertificates', []);
    for (const c of this.certificates.values()) yield { certificateId: c.certificateId, status: c.status };
  }
  async getCertificate(certificateId: string): Promise<Certificate | undefined> {
    this.record('getCertificate', [certificateId]);
    const c = this.certificates.get(certificateId);
    return c && clone(c);
  }
  async *listCaCertificates(): AsyncIterable<CaCertificate> {
    this.record('listCaCertificates', []);
    for (const c of this.cas.values()) yield clone(c);
  }
  async getCaCertificate(certificateId: string): Promise<CaCertificate | undefined> {
    this.record('getCaCertificate', [certificateId]);
    const c = this.cas.get(certificateId);
    return c && clone(c);
  }
  async *listProvisioningTemplates(): AsyncIterable<ProvisioningTemplate> {
    this.record('listProvisioningTemplates', []);
    for (const t of this.templates.values()) yield clone(t);
  }
  async getProvisioningTemplate(name: string): Promise<ProvisioningTemplate | undefined> {
    this.record('getProvisioningTemplate', [name]);
    const t = this.templates.get(name);
    return t && clone(t);
  }
  async createProvisioningTemplate(template: ProvisioningTemplate): Promise<void> {
    this.record('createProvisioningTemplate', [template]);
    if (this.templates.has(template.name)) throw new ResourceConflictError(`provisioning template ${template.name} already exists`);
    this.templates.set(template.name, clone(template));
  }
  async updateProvisioningTemplate(template: ProvisioningTemplate, options: { newBody: boolean }): Promise<void> {
    this.record('updateProvisioningTemplate', [template, options]);
    const current = this.templates.get(template.name);
    if (current === undefined) throw new ResourceNotFoundError(`provisioning template ${template.name} does not exist`);
    this.templates.set(template.name, clone({ ...template, type: current.type, templateBody: options.newBody ? template.templateBody : current.templateBody }));
  }
  async deleteProvisioningTemplate(name: string): Promise<void> {
    this.record('deleteProvisioningTemplate', [name]);
    if (!this.templates.delete(name)) throw new ResourceNotFoundError(`provisioning template ${name} does not exist`);
  }
  async getIndexingConfiguration(): Promise<IndexingConfiguration> {
    this.record('getIndexingConfiguration', []);
    return clone(this.indexing);
  }
  async updateIndexingConfiguration(configuration: IndexingConfiguration): Promise<void> {
    this.record('updateIndexingConfiguration', [configuration]);
    this.indexing = clone(configuration);
  }
  /** Bulk registration tasks the test says ran in this region. */
  readonly registrationTasks = new Map<string, ThingRegistrationTaskThings>();
  async getThingRegistrationTaskThings(taskId: string): Promise<ThingRegistrationTaskThings | undefined> {
    this.record('getThingRegistrationTaskThings', [taskId]);
    const t = this.registrationTasks.get(taskId);
    return t && clone(t);
  }
  async *listRoleAliases(): AsyncIterable<RoleAlias> {
    this.record('listRoleAliases', []);
    for (const a of this.roleAliases.values()) yield clone(a);
  }
  async getRoleAlias(name: string): Promise<RoleAlias | undefined> {
    this.record('getRoleAlias', [name]);
    const a = this.roleAliases.get(name);
    return a && clone(a);
  }
  async createRoleAlias(alias: RoleAlias): Promise<void> {
    this.record('createRoleAlias', [alias]);
    if (this.roleAliases.has(alias.name)) throw new ResourceConflictError(`role alias ${alias.name} already exists`);
    this.roleAliases.set(alias.name, clone(alias));
  }
  async updateRoleAlias(alias: RoleAlias): Promise<void> {
    this.record('updateRoleAlias', [alias]);
    if (!this.roleAliases.has(alias.name)) throw new ResourceNotFoundError(`role alias ${alias.name} does not exist`);
    this.roleAliases.set(alias.name, clone(alias));
  }
  async deleteRoleAlias(name: string): Promise<void> {
    this.record('deleteRoleAlias', [name]);
    if (!this.roleAliases.delete(name)) throw new ResourceNotFoundError(`role alias ${name} does not exist`);
  }
  async *listPolicyNames(): AsyncIterable<string> {
    this.record('listPolicyNames', []);
    for (const name of this.policies.keys()) yield name;
  }
  async getPolicy(name: string): Promise<Policy | undefined> {
    this.record('getPolicy', [name]);
    const p = this.policies.get(name);
    const version = p?.versions.find((v) => v.isDefault);
    return version && { name, document: version.document };
  }
  async listPolicyVersions(name: string): Promise<PolicyVersionInfo[]> {
    this.record('listPolicyVersions', [name]);
    const p = this.requirePolicy(name);
    return p.versions.map(({ versionId, isDefault, createDate }) => ({ versionId, isDefault, createDate }));
  }
  async listPolicyTargets(policyName: string): Promise<PolicyTarget[]> {
    this.record('listPolicyTargets', [policyName]);
    return [...this.attachments.values()].filter((a) => a.policyName === policyName).map((a) => clone(a.target));
  }
  async listAttachedPolicies(target: PolicyTarget): Promise<string[]> {
    this.record('listAttachedPolicies', [target]);
    const key = policyTargetKey(target);
    return [...this.attachments.values()].filter((a) => policyTargetKey(a.target) === key).map((a) => a.policyName).sort();
  }
  async listThingPrincipals(thingName: string): Promise<ThingPrincipalAttachment[]> {
    this.record('listThingPrincipals', [thingName]);
    this.requireThing(thingName);
    return [...this.principals.values()].filter((a) => a.thingName === thingName).map(clone);
  }
  async listPrincipalThings(certificateId: string): Promise<ThingPrincipalAttachment[]> {
    this.record('listPrincipalThings', [certificateId]);
    return [...this.principals.values()].filter((a) => a.certificateId === certificateId).map(clone);
  }

  // ---- writer -------------------------------------------------------------------------------------

  private requireThing(name: string): StoredThing {
    const t = this.things.get(name);
    if (t === undefined) throw new ResourceNotFoundError(`thing "${name}" does not exist in ${this.region}`);
    return t;
  }
  private requirePolicy(name: string): StoredPolicy {
    const p = this.policies.get(name);
    if (p === undefined) throw new ResourceNotFoundError(`policy "${name}" does not exist in ${this.region}`);
    return p;
  }
  private requireCertificate(id: string): Certificate {
    const c = this.certificates.get(id);
    if (c === undefined) throw new ResourceNotFoundError(`certificate ${id} does not exist in ${this.region}`);
    return c;
  }
  private requireAssociableType(name: string | undefined): void {
    if (name === undefined) return;
    const type = this.types.get(name);
    if (type === undefined) throw new ResourceNotFoundError(`thing type "${name}" does not exist in ${this.region}`);
    if (type.deprecated) throw new InvalidResourceError(`thing type "${name}" is deprecated: no new thing may use it`);
  }
  private checkAttributes(thing: Pick<Thing, 'name' | 'thingTypeName' | 'attributes'>): void {
    const max = thing.thingTypeName === undefined ? 3 : 50;
    if (Object.keys(thing.attributes).length > max) {
      throw new InvalidResourceError(`thing "${thing.name}": at most ${max} attributes ${thing.thingTypeName === undefined ? 'without' : 'with'} a thing type`);
    }
  }

  async createThingType(type: ThingType): Promise<void> {
    this.record('createThingType', [type]);
    checkName(RegistryNameSchema, type.name, 'thing type');
    if (this.types.has(type.name)) throw new ResourceConflictError(`thing type "${type.name}" already exists`);
    this.types.set(type.name, clone({ ...type, deprecated: false }));
  }
  async updateThingType(type: ThingType): Promise<void> {
    this.record('updateThingType', [type]);
    const current = this.types.get(type.name);
    if (current === undefined) throw new ResourceNotFoundError(`thing type "${type.name}" does not exist`);
    const { description, searchableAttributes, mqtt5Configuration } = clone(type);
    this.types.set(type.name, {
      ...current,
      searchableAttributes,
      ...(description === undefined ? { description: undefined } : { description }),
      ...(mqtt5Configuration === undefined ? { mqtt5Configuration: undefined } : { mqtt5Configuration }),
    });
  }
  async setThingTypeDeprecated(name: string, deprecated: boolean): Promise<void> {
    this.record('setThingTypeDeprecated', [name, deprecated]);
    const current = this.types.get(name);
    if (current === undefined) throw new ResourceNotFoundError(`thing type "${name}" does not exist`);
    const { deprecatedAt: _at, ...rest } = current;
    this.types.set(name, deprecated ? { ...rest, deprecated, deprecatedAt: this.now() } : { ...rest, deprecated });
  }
  async deleteThingType(name: string): Promise<void> {
    this.record('deleteThingType', [name]);
    const type = this.types.get(name);
    if (type === undefined) return;
    if (!type.deprecated || type.deprecatedAt === undefined || this.now() - type.deprecatedAt < DEPRECATION_WAIT_MS) {
      throw new ResourceConflictError(`thing type "${name}" must be deprecated for 5 minutes before it can be deleted`);
    }
    if ([...this.things.values()].some((t) => t.thing.thingTypeName === name)) {
      throw new ResourceConflictError(`thing type "${name}" is still used by things`);
    }
    this.types.delete(name);
  }

  async createThingGroup(group: ThingGroup): Promise<void> {
    this.record('createThingGroup', [group]);
    checkName(RegistryNameSchema, group.name, 'thing group');
    if (group.kind === 'static' && group.parentName !== undefined) {
      const parent = this.groups.get(group.parentName);
      if (parent === undefined) throw new ResourceNotFoundError(`parent group "${group.parentName}" does not exist`);
      if (parent.kind !== 'static') throw new InvalidResourceError(`a dynamic group cannot be a parent`);
    }
    if (this.groups.has(group.name)) throw new ResourceConflictError(`thing group "${group.name}" already exists`);
    this.groups.set(group.name, clone(group));
  }
  async updateThingGroup(group: ThingGroup): Promise<void> {
    this.record('updateThingGroup', [group]);
    const current = this.groups.get(group.name);
    if (current === undefined) throw new ResourceNotFoundError(`thing group "${group.name}" does not exist`);
    if (current.kind !== group.kind) throw new InvalidResourceError(`thing group "${group.name}" is ${current.kind}`);
    // The parent is fixed at creation: it is never changed by an update.
    const parent = current.kind === 'static' ? current.parentName : undefined;
    const updated = clone(group);
    if (updated.kind === 'static') {
      delete updated.parentName;
      if (parent !== undefined) updated.parentName = parent;
    }
    this.groups.set(group.name, updated);
  }
  async deleteThingGroup(name: string, kind: ThingGroup['kind']): Promise<void> {
    this.record('deleteThingGroup', [name, kind]);
    if (!this.groups.has(name)) return;
    if ([...this.groups.values()].some((g) => g.kind === 'static' && g.parentName === name)) {
      throw new ResourceConflictError(`thing group "${name}" still has child groups`);
    }
    this.groups.delete(name);
    for (const t of this.things.values()) t.groups.delete(name);
    for (const [key, a] of this.attachments) if (a.target.kind === 'thingGroup' && a.target.groupName === name) this.attachments.delete(key);
  }

  async createThing(thing: Omit<Thing, 'groupNames'>): Promise<void> {
    this.record('createThing', [thing]);
    checkName(ThingNameSchema, thing.name, 'thing');
    this.requireAssociableType(thing.thingTypeName);
    this.checkAttributes(thing);
    if (thing.billingGroupName !== undefined && !this.billingGroups.has(thing.billingGroupName)) {
      throw new ResourceNotFoundError(`billing group "${thing.billingGroupName}" does not exist`);
    }
    if (this.things.has(thing.name)) throw new ResourceConflictError(`thing "${thing.name}" already exists with another configuration`);
    this.things.set(thing.name, { thing: clone(thing), groups: new Set() });
  }
  async updateThing(thing: Omit<Thing, 'groupNames' | 'billingGroupName'>): Promise<void> {
    this.record('updateThing', [thing]);
    const stored = this.requireThing(thing.name);
    if (thing.thingTypeName !== stored.thing.thingTypeName) this.requireAssociableType(thing.thingTypeName);
    this.checkAttributes(thing);
    const { billingGroupName } = stored.thing;
    stored.thing = { ...clone(thing), ...(billingGroupName === undefined ? {} : { billingGroupName }) };
  }
  async deleteThing(name: string): Promise<void> {
    this.record('deleteThing', [name]);
    if (!this.things.has(name)) return;
    if ([...this.principals.values()].some((a) => a.thingName === name)) {
      throw new ResourceConflictError(`thing "${name}" still has attached principals`);
    }
    this.things.delete(name);
  }
  async addThingToGroup(thingName: string, group: Pick<StaticThingGroup, 'name'>): Promise<void> {
    this.record('addThingToGroup', [thingName, group]);
    const thing = this.requireThing(thingName);
    const target = this.groups.get(group.name);
    if (target === undefined) throw new ResourceNotFoundError(`thing group "${group.name}" does not exist`);
    if (target.kind !== 'static') throw new InvalidResourceError(`thing group "${group.name}" is dynamic`);
    if (thing.groups.has(group.name)) return;
    const root = this.rootOf(group.name);
    const clash = [...thing.groups].find((g) => this.rootOf(g) === root);
    if (clash !== undefined) {
      throw new ResourceConflictError(`thing "${thingName}" is already in "${clash}", in the same hierarchy as "${group.name}"`);
    }
    if (thing.groups.size >= 10) throw new ResourceConflictError(`thing "${thingName}" is already in 10 groups`);
    thing.groups.add(group.name);
  }
  private rootOf(name: string): string {
    let current = name;
    for (let i = 0; i < 100; i += 1) {
      const g = this.groups.get(current);
      if (g?.kind !== 'static' || g.parentName === undefined) return current;
      current = g.parentName;
    }
    return current;
  }
  async removeThingFromGroup(thingName: string, groupName: string): Promise<void> {
    this.record('removeThingFromGroup', [thingName, groupName]);
    this.requireThing(thingName).groups.delete(groupName);
  }
  async addThingToBillingGroup(thingName: string, billingGroupName: string): Promise<void> {
    this.record('addThingToBillingGroup', [thingName, billingGroupName]);
    const thing = this.requireThing(thingName);
    if (!this.billingGroups.has(billingGroupName)) throw new ResourceNotFoundError(`billing group "${billingGroupName}" does not exist`);
    thing.thing.billingGroupName = billingGroupName;
  }
  async removeThingFromBillingGroup(thingName: string, billingGroupName: string): Promise<void> {
    this.record('removeThingFromBillingGroup', [thingName, billingGroupName]);
    const thing = this.requireThing(thingName);
    if (thing.thing.billingGroupName === billingGroupName) delete thing.thing.billingGroupName;
  }

  async registerCertificate(input: { certificatePem: string; status: SettableCertificateStatus; caCertificatePem?: string }): Promise<void> {
    this.record('registerCertificate', [input]);
    const certificateId = certificateIdFromPem(input.certificatePem, 'certificate');
    let caCertificateId: string | undefined;
    if (input.caCertificatePem !== undefined) {
      caCertificateId = certificateIdFromPem(input.caCertificatePem, 'CA certificate');
      const ca = this.cas.get(caCertificateId);
      if (ca === undefined) throw new ResourceNotFoundError(`CA certificate ${caCertificateId} is not registered in ${this.region}`);
      if (ca.status !== 'ACTIVE') throw new CertificateStateError(`CA certificate ${caCertificateId} is not ACTIVE`);
    }
    if (this.certificates.has(certificateId)) return;
    this.certificates.set(certificateId, {
      certificateId,
      status: input.status,
      certificatePem: input.certificatePem,
      ...(caCertificateId === undefined ? { certificateMode: 'SNI_ONLY' as const } : { caCertificateId, certificateMode: this.cas.get(caCertificateId)?.certificateMode ?? 'DEFAULT' }),
    });
  }
  async updateCertificateStatus(certificateId: string, status: SettableCertificateStatus): Promise<void> {
    this.record('updateCertificateStatus', [certificateId, status]);
    const cert = this.requireCertificate(certificateId);
    if (cert.status === 'REVOKED' && status !== 'REVOKED') {
      throw new CertificateStateError(`certificate ${certificateId} is REVOKED and cannot become ${status}`);
    }
    cert.status = status;
  }
  async deleteCertificate(certificateId: string): Promise<void> {
    this.record('deleteCertificate', [certificateId]);
    const cert = this.requireCertificate(certificateId);
    if (cert.status === 'ACTIVE') throw new CertificateStateError(`certificate ${certificateId} is ACTIVE; make it INACTIVE first`);
    const attached =
      [...this.principals.values()].some((a) => a.certificateId === certificateId) ||
      [...this.attachments.values()].some((a) => a.target.kind === 'certificate' && a.target.certificateId === certificateId);
    if (attached) throw new ResourceConflictError(`certificate ${certificateId} is still attached to a thing or policy`);
    this.certificates.delete(certificateId);
  }

  async registerCaCertificate(ca: CaCertificate): Promise<void> {
    this.record('registerCaCertificate', [ca]);
    const id = certificateIdFromPem(ca.certificatePem, 'CA certificate');
    if (this.cas.has(id)) throw new ResourceConflictError(`CA certificate ${id} is already registered`);
    this.cas.set(id, { ...clone(ca), certificateId: id, certificateMode: 'SNI_ONLY' });
  }
  async updateCaCertificate(ca: CaCertificate): Promise<void> {
    this.record('updateCaCertificate', [ca]);
    const current = this.cas.get(ca.certificateId);
    if (current === undefined) throw new ResourceNotFoundError(`CA certificate ${ca.certificateId} does not exist`);
    const { registrationConfig: _replaced, ...rest } = current;
    this.cas.set(ca.certificateId, {
      ...rest,
      status: ca.status,
      autoRegistration: ca.autoRegistration,
      ...(ca.registrationConfig === undefined ? {} : { registrationConfig: clone(ca.registrationConfig) }),
    });
  }
  async deleteCaCertificate(certificateId: string): Promise<void> {
    this.record('deleteCaCertificate', [certificateId]);
    const ca = this.cas.get(certificateId);
    if (ca === undefined) throw new ResourceNotFoundError(`CA certificate ${certificateId} does not exist`);
    if (ca.status === 'ACTIVE') throw new CertificateStateError(`CA certificate ${certificateId} is ACTIVE; make it INACTIVE first`);
    this.cas.delete(certificateId);
  }

  private checkDocument(name: string, document: string): void {
    try {
      JSON.parse(document);
    } catch (error) {
      throw new InvalidResourceError(`policy "${name}": malformed document`, { cause: error });
    }
  }
  async createPolicy(name: string, document: string): Promise<void> {
    this.record('createPolicy', [name, document]);
    checkName(PolicyNameSchema, name, 'policy');
    this.checkDocument(name, document);
    if (this.policies.has(name)) throw new ResourceConflictError(`policy "${name}" already exists`);
    this.policies.set(name, { versions: [{ versionId: '1', document, isDefault: true, createDate: this.isoNow() }], nextVersion: 2 });
  }
  async createPolicyVersion(name: string, document: string): Promise<void> {
    this.record('createPolicyVersion', [name, document]);
    const p = this.requirePolicy(name);
    this.checkDocument(name, document);
    if (p.versions.length >= MAX_POLICY_VERSIONS) throw new PolicyVersionLimitError(`policy "${name}" already has ${MAX_POLICY_VERSIONS} versions`);
    for (const v of p.versions) v.isDefault = false;
    p.versions.push({ versionId: String(p.nextVersion), document, isDefault: true, createDate: this.isoNow() });
    p.nextVersion += 1;
  }
  async deletePolicyVersion(name: string, versionId: string): Promise<void> {
    this.record('deletePolicyVersion', [name, versionId]);
    const p = this.requirePolicy(name);
    const version = p.versions.find((v) => v.versionId === versionId);
    if (version === undefined) throw new ResourceNotFoundError(`policy "${name}" has no version ${versionId}`);
    if (version.isDefault) throw new ResourceConflictError(`version ${versionId} is the default version of policy "${name}"`);
    p.versions = p.versions.filter((v) => v !== version);
  }
  async deletePolicy(name: string): Promise<void> {
    this.record('deletePolicy', [name]);
    const p = this.requirePolicy(name);
    if ([...this.attachments.values()].some((a) => a.policyName === name)) throw new ResourceConflictError(`policy "${name}" is still attached`);
    if (p.versions.length > 1) throw new ResourceConflictError(`policy "${name}" still has non-default versions`);
    this.policies.delete(name);
  }
  async attachPolicy(policyName: string, target: PolicyTarget): Promise<void> {
    this.record('attachPolicy', [policyName, target]);
    this.requirePolicy(policyName);
    if (target.kind === 'certificate') this.requireCertificate(target.certificateId);
    else {
      const group = this.groups.get(target.groupName);
      if (group === undefined) throw new ResourceNotFoundError(`thing group "${target.groupName}" does not exist`);
      if (group.kind === 'dynamic') throw new InvalidResourceError(`dynamic group "${target.groupName}" cannot carry policies`);
    }
    const a = { policyName, target: clone(target) };
    this.attachments.set(policyAttachmentKey(a), a);
  }
  async detachPolicy(policyName: string, target: PolicyTarget): Promise<void> {
    this.record('detachPolicy', [policyName, target]);
    this.attachments.delete(policyAttachmentKey({ policyName, target }));
  }
  async attachThingPrincipal(thingName: string, certificateId: string, type: ThingPrincipalType): Promise<void> {
    this.record('attachThingPrincipal', [thingName, certificateId, type]);
    this.requireThing(thingName);
    this.requireCertificate(certificateId);
    const key = thingPrincipalKey({ thingName, certificateId });
    const existing = this.principals.get(key);
    if (existing !== undefined) {
      if (existing.type === type) return;
      throw new ResourceConflictError(`certificate ${certificateId} is already attached to "${thingName}" as ${existing.type}`);
    }
    const others = [...this.principals.values()].filter((a) => a.certificateId === certificateId);
    if (others.some((a) => a.type === 'EXCLUSIVE_THING') || (type === 'EXCLUSIVE_THING' && others.length > 0)) {
      throw new ResourceConflictError(`certificate ${certificateId} is exclusively attached elsewhere or cannot become exclusive`);
    }
    this.principals.set(key, { thingName, certificateId, type });
  }
  async detachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    this.record('detachThingPrincipal', [thingName, certificateId]);
    this.principals.delete(thingPrincipalKey({ thingName, certificateId }));
  }
}
