/**
 * The plan: turns differences into ordered operations, one per `RegistryWriter` call (plus the compound
 * `deletePolicy`, which also removes non-default versions). Safety rules are applied here: certificate
 * statuses are never widened, extra top-level resources are deleted only in mirror mode, and a mass
 * delete is refused without the override.
 *
 * Order (phase numbers ascending): thing types → static groups parents first, dynamic groups → policies →
 * CA certificates → certificates → things → membership removals → memberships, thing–principal and policy
 * attachments → type deprecations → deletes in reverse dependency order.
 *
 * One planner per kind (`PLANNERS`), as `diff.ts` has one comparison per kind; a planner reads only its
 * difference and the plan's context.
 */
import type {
  CaCertificate,
  ProvisioningTemplate,
  RoleAlias,
  IndexingConfiguration,
  PolicyTarget,
  SettableCertificateStatus,
  Thing,
  ThingGroup,
  ThingPrincipalType,
  ThingType,
} from './model';
import type {
  CaCertificateDifference,
  CertificateDifference,
  Difference,
  GroupMembershipDifference,
  IndexingConfigurationDifference,
  PolicyAttachmentDifference,
  PolicyDifference,
  ProvisioningTemplateDifference,
  RoleAliasDifference,
  ThingDifference,
  ThingGroupDifference,
  ThingPrincipalAttachmentDifference,
  ThingTypeDifference,
} from './diff';
import { resourceId, TOP_LEVEL_KINDS, type DifferenceKind } from './keys';
import { rewritePolicyDocument, type AccountRewrite } from './policy-document';
import { widenedIndexing } from './indexing';
import { arnRegion, expectedRegistrationConfig, rewriteTemplateBody } from './provisioning-template';
import {
  certificateStatusChange,
  DEFAULT_DELETE_MODE,
  massDeleteRefusal,
  targetCertificateStatus,
  type DeleteMode,
  type MassDeleteSettings,
} from './safety';
import { errorMessage, errorName } from './errors';

/** Phase numbers: operations run phase by phase, ascending; operations of one phase run concurrently. */
export const PHASES = {
  /** First: dynamic thing groups are created against the index. */
  indexingConfiguration: 50,
  thingTypes: 100,
  /** Plus the group's depth, so parents are created first. */
  thingGroups: 200,
  policies: 300,
  /** After policies (a template names them), before CA certificates (a JITP CA may name a template). */
  provisioningTemplates: 350,
  roleAliases: 350,
  caCertificates: 400,
  certificates: 500,
  things: 600,
  /** Before additions: AWS refuses a thing in two groups of one hierarchy, so a move removes first. */
  membershipRemovals: 690,
  /** Memberships, billing groups, and the detach half of a thing–principal type change. */
  relationships: 700,
  attachments: 710,
  deprecations: 800,
  detachPolicies: 900,
  /** Certificates and CA certificates made INACTIVE, thing types deprecated, before their deletion. */
  prepareDeletes: 905,
  detachPrincipals: 910,
  deleteThings: 930,
  deleteCertificates: 940,
  /** Before the CA certificates whose registration config may name them. */
  deleteProvisioningTemplates: 945,
  deleteRoleAliases: 945,
  deleteCaCertificates: 950,
  deletePolicies: 960,
  /** Plus (MAX_GROUP_DEPTH − depth), so children are deleted first. */
  deleteThingGroups: 1000,
  deleteThingTypes: 1200,
} as const;

const MAX_GROUP_DEPTH = 99;

/** Options of {@link plan}. */
export interface PlanOptions {
  sourceRegion: string;
  targetRegion: string;
  /** Set when the target registry is in another account: policy ARNs move to its account too. */
  accounts?: AccountRewrite;
  /** Default `retain`. */
  deleteMode?: DeleteMode;
  /** Lets a plan exceed the mass-delete limit. */
  allowMassDelete?: boolean;
  /** Number of things in the target, the base of the mass-delete limit (0 when unknown: limit 1). */
  targetThingCount?: number;
  massDelete?: MassDeleteSettings;
}

/** Fields of every operation. */
export interface OperationBase {
  /** Unique in the plan, e.g. `createThing:sensor-1`. */
  id: string;
  kind: DifferenceKind;
  key: string;
  action: 'create' | 'update' | 'delete';
  phase: number;
  /** Resource IDs (`kind:key`) this operation depends on; it is skipped when one of them failed. */
  requires: string[];
  /** Set on operations that exist only so that a top-level delete can succeed. */
  deletePreparation?: boolean;
}

/** The writer call of an operation, named after the `RegistryWriter` method. */
export type OperationCall =
  | { type: 'createThingType'; thingType: ThingType }
  | { type: 'updateThingType'; thingType: ThingType }
  | { type: 'setThingTypeDeprecated'; name: string; deprecated: boolean }
  | { type: 'deleteThingType'; name: string }
  | { type: 'createThingGroup'; group: ThingGroup }
  | { type: 'updateThingGroup'; group: ThingGroup }
  | { type: 'deleteThingGroup'; name: string; groupKind: ThingGroup['kind'] }
  | { type: 'createThing'; thing: Omit<Thing, 'groupNames'> }
  | { type: 'updateThing'; thing: Omit<Thing, 'groupNames' | 'billingGroupName'> }
  | { type: 'deleteThing'; name: string }
  | { type: 'addThingToGroup'; thingName: string; groupName: string }
  | { type: 'removeThingFromGroup'; thingName: string; groupName: string }
  | { type: 'addThingToBillingGroup'; thingName: string; billingGroupName: string }
  | { type: 'removeThingFromBillingGroup'; thingName: string; billingGroupName: string }
  | {
      type: 'registerCertificate';
      certificateId: string;
      certificatePem: string;
      status: SettableCertificateStatus;
      caCertificatePem?: string;
    }
  | { type: 'updateCertificateStatus'; certificateId: string; status: SettableCertificateStatus }
  | { type: 'deleteCertificate'; certificateId: string }
  | { type: 'registerCaCertificate'; caCertificate: CaCertificate }
  | { type: 'updateCaCertificate'; caCertificate: CaCertificate }
  | { type: 'deleteCaCertificate'; certificateId: string }
  /** The template's body is the source's with its embedded policies rewritten to the target region. */
  | { type: 'createProvisioningTemplate'; template: ProvisioningTemplate }
  /** `newBody`: a new default version holds the body; the other fields are updated in place. */
  | { type: 'updateProvisioningTemplate'; template: ProvisioningTemplate; newBody: boolean }
  | { type: 'deleteProvisioningTemplate'; name: string }
  /** The target's configuration widened to index what the source does (never narrowed). */
  | { type: 'updateIndexingConfiguration'; configuration: IndexingConfiguration }
  | { type: 'createRoleAlias'; roleAlias: RoleAlias }
  | { type: 'updateRoleAlias'; roleAlias: RoleAlias }
  | { type: 'deleteRoleAlias'; name: string }
  /** The document is the source's, rewritten to the target region (and account); the counts say how many ARNs changed. */
  | { type: 'createPolicy'; name: string; document: string; rewrittenArns: number; rewrittenAccounts: number }
  /** A new default version; at the 5-version limit apply deletes the oldest non-default one and retries. */
  | { type: 'createPolicyVersion'; name: string; document: string; rewrittenArns: number; rewrittenAccounts: number }
  /** Compound: apply deletes the non-default versions first. */
  | { type: 'deletePolicy'; name: string }
  | { type: 'attachPolicy'; policyName: string; target: PolicyTarget }
  | { type: 'detachPolicy'; policyName: string; target: PolicyTarget }
  | { type: 'attachThingPrincipal'; thingName: string; certificateId: string; principalType: ThingPrincipalType }
  | { type: 'detachThingPrincipal'; thingName: string; certificateId: string };

/** One planned write. */
export type Operation = OperationBase & OperationCall;

/** A difference the plan deliberately leaves alone, with why. */
export interface SkippedItem {
  kind: DifferenceKind;
  key: string;
  reason: string;
}

/** A difference that cannot be planned because an item is invalid (it becomes a failed outcome). */
export interface InvalidItem {
  kind: DifferenceKind;
  key: string;
  errorName: string;
  message: string;
}

/** Why the mass-delete guard removed the plan's deletes. */
export interface MassDeleteRefusal {
  reason: string;
  deletes: number;
  limit: number;
}

/** The ordered operations, what was skipped, and the mass-delete refusal if any. */
export interface Plan {
  operations: Operation[];
  skipped: SkippedItem[];
  invalid: InvalidItem[];
  refused?: MassDeleteRefusal;
}

type OperationInput = Omit<OperationBase, 'id' | 'requires'> & { requires?: string[] } & OperationCall;

const targetId = (t: PolicyTarget): string =>
  t.kind === 'certificate' ? resourceId('certificate', t.certificateId) : resourceId('thingGroup', t.groupName);

class PlanBuilder {
  readonly operations: Operation[] = [];
  readonly skipped: SkippedItem[] = [];
  readonly invalid: InvalidItem[] = [];
  private readonly ids = new Set<string>();

  add(input: OperationInput, idSuffix = ''): Operation {
    const base = `${input.type}:${input.key}${idSuffix}`;
    let id = base;
    for (let n = 2; this.ids.has(id); n += 1) id = `${base}#${n}`;
    this.ids.add(id);
    const op = { ...input, id, requires: [...new Set(input.requires ?? [])] } as Operation;
    this.operations.push(op);
    return op;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  skip(kind: DifferenceKind, key: string, reason: string): void {
    this.skipped.push({ kind, key, reason });
  }
}

const RETAINED = 'extra in the target; kept because deleteMode is retain';
const ORPHAN_RETAINED = 'extra in the target and its parent is absent in the source; kept because deleteMode is retain';

/** What every planner reads besides its difference: the plan so far, the options, and what the whole set of differences says. */
interface PlanContext {
  b: PlanBuilder;
  options: PlanOptions;
  /** Whether extra top-level resources are deleted (deleteMode `mirror`). */
  mirror: boolean;
  /** CA certificates the plan registers (a certificate can then be registered with its CA). */
  createdCas: Set<string>;
  /** The thing types' differences, by name (a deprecated type is undeprecated around an association). */
  typeDiffs: Map<string, ThingTypeDifference>;
}

/** Plans the operations of one difference (never an `invalid` one). */
type Planner<D extends Difference> = (d: D, ctx: PlanContext) => void;

/** Plans the operations that converge the target; see the module comment for the order. */
export function plan(differences: readonly Difference[], options: PlanOptions): Plan {
  const mode = options.deleteMode ?? DEFAULT_DELETE_MODE;
  const b = new PlanBuilder();
  const created = (kind: DifferenceKind) =>
    new Set(differences.filter((d) => d.kind === kind && d.change === 'missing').map((d) => d.key));
  const ctx: PlanContext = {
    b,
    options,
    mirror: mode === 'mirror',
    createdCas: created('caCertificate'),
    typeDiffs: new Map(differences.filter((d): d is ThingTypeDifference => d.kind === 'thingType').map((d) => [d.key, d])),
  };

  for (const d of differences) {
    if (d.change === 'invalid') {
      b.invalid.push({ kind: d.kind, key: d.key, errorName: d.error?.name ?? 'InvalidResourceError', message: d.error?.message ?? 'invalid item' });
      continue;
    }
    (PLANNERS[d.kind] as Planner<Difference>)(d, ctx);
  }

  addDeleteDependencies(b.operations, differences);
  const refused = guardMassDelete(b, options);
  const operations = [...b.operations].sort((x, y) => x.phase - y.phase);
  return { operations, skipped: b.skipped, invalid: b.invalid, ...(refused ? { refused } : {}) };
}

/** Thing types: created undeprecated and deprecated at the end, so things can still be associated with them. */
function planThingType(d: ThingTypeDifference, { b, mirror }: PlanContext): void {
  const id = resourceId('thingType', d.key);
  if (d.change === 'missing' && d.source) {
    b.add({ type: 'createThingType', kind: d.kind, key: d.key, action: 'create', phase: PHASES.thingTypes, thingType: { ...d.source, deprecated: false } });
    if (d.source.deprecated) {
      b.add({ type: 'setThingTypeDeprecated', kind: d.kind, key: d.key, action: 'update', phase: PHASES.deprecations, name: d.key, deprecated: true, requires: [id] }, ':true');
    }
  } else if (d.change === 'different' && d.source && d.target) {
    const fields = new Set(d.fields?.map((f) => f.field));
    if (fields.has('description') || fields.has('searchableAttributes') || fields.has('mqtt5Configuration')) {
      b.add({ type: 'updateThingType', kind: d.kind, key: d.key, action: 'update', phase: PHASES.thingTypes, thingType: d.source });
    }
    if (fields.has('deprecated')) {
      const deprecated = d.source.deprecated;
      b.add(
        { type: 'setThingTypeDeprecated', kind: d.kind, key: d.key, action: 'update', phase: deprecated ? PHASES.deprecations : PHASES.thingTypes, name: d.key, deprecated },
        `:${deprecated}`,
      );
    }
  } else if (d.change === 'extra' && d.target) {
    if (!mirror) b.skip(d.kind, d.key, RETAINED);
    else {
      if (!d.target.deprecated) {
        b.add({ type: 'setThingTypeDeprecated', kind: d.kind, key: d.key, action: 'update', phase: PHASES.prepareDeletes, name: d.key, deprecated: true, deletePreparation: true }, ':true');
      }
      b.add({ type: 'deleteThingType', kind: d.kind, key: d.key, action: 'delete', phase: PHASES.deleteThingTypes, name: d.key, requires: [id] });
    }
  }
}

/** Thing groups: parents first on create, children first on delete; kind and parent cannot change. */
function planThingGroup(d: ThingGroupDifference, { b, mirror }: PlanContext): void {
  const depth = Math.min(d.depth ?? 0, MAX_GROUP_DEPTH);
  if (d.change === 'missing' && d.source) {
    const parent = d.source.kind === 'static' ? d.source.parentName : undefined;
    b.add({
      type: 'createThingGroup', kind: d.kind, key: d.key, action: 'create', phase: PHASES.thingGroups + depth, group: d.source,
      requires: parent === undefined ? [] : [resourceId('thingGroup', parent)],
    });
  } else if (d.change === 'different' && d.source && d.target) {
    const fields = new Set(d.fields?.map((f) => f.field));
    if (fields.has('kind')) {
      b.skip(d.kind, d.key, `the group is ${d.source.kind} in the source and ${d.target.kind} in the target; a group cannot change kind (delete it in the target to recreate it)`);
      return;
    }
    if (fields.has('parentName')) {
      b.skip(d.kind, d.key, 'the parent of a thing group cannot change in AWS; delete the group in the target to recreate it under its new parent');
    }
    if ([...fields].some((f) => f !== 'parentName')) {
      b.add({ type: 'updateThingGroup', kind: d.kind, key: d.key, action: 'update', phase: PHASES.thingGroups + depth, group: d.source });
    }
  } else if (d.change === 'extra' && d.target) {
    if (!mirror) b.skip(d.kind, d.key, RETAINED);
    else {
      b.add({ type: 'deleteThingGroup', kind: d.kind, key: d.key, action: 'delete', phase: PHASES.deleteThingGroups + (MAX_GROUP_DEPTH - depth), name: d.key, groupKind: d.target.kind });
    }
  }
}

/** Policies: the source document, rewritten to the target region (and account); a change is a new default version. */
function planPolicy(d: PolicyDifference, { b, options, mirror }: PlanContext): void {
  if ((d.change === 'missing' || d.change === 'different') && d.source) {
    let rewritten;
    try {
      rewritten = rewritePolicyDocument(d.source.document, options.sourceRegion, options.targetRegion, d.key, options.accounts);
    } catch (error) {
      b.invalid.push({ kind: d.kind, key: d.key, errorName: errorName(error), message: errorMessage(error) });
      return;
    }
    b.add({
      type: d.change === 'missing' ? 'createPolicy' : 'createPolicyVersion', kind: d.kind, key: d.key,
      action: d.change === 'missing' ? 'create' : 'update', phase: PHASES.policies,
      name: d.key, document: rewritten.document, rewrittenArns: rewritten.rewrittenArns, rewrittenAccounts: rewritten.rewrittenAccounts,
    });
  } else if (d.change === 'extra') {
    if (!mirror) b.skip(d.kind, d.key, RETAINED);
    else b.add({ type: 'deletePolicy', kind: d.kind, key: d.key, action: 'delete', phase: PHASES.deletePolicies, name: d.key });
  }
}

/** Provisioning templates: the body rewritten to the target region; a hook in the source region is left for the operator. */
function planProvisioningTemplate(d: ProvisioningTemplateDifference, { b, options, mirror }: PlanContext): void {
  if ((d.change === 'missing' || d.change === 'different') && d.source) {
    const hookArn = d.source.preProvisioningHook?.targetArn;
    if (hookArn !== undefined && arnRegion(hookArn) === options.sourceRegion) {
      // Written as is, the secondary's provisioning would call the primary's region; written without
      // it, devices would provision unchecked. Neither is a copy: reported for the operator instead.
      b.skip(d.kind, d.key, `its pre-provisioning hook ${hookArn} is in the source region ${options.sourceRegion}; deploy the hook in ${options.targetRegion} and set it on the target's template`);
      return;
    }
    if (d.change === 'different' && d.target && d.target.type !== d.source.type) {
      b.skip(d.kind, d.key, `a provisioning template cannot change type (${d.target.type} in the target, ${d.source.type} in the source); delete it in the target to recreate it`);
      return;
    }
    let template: ProvisioningTemplate;
    try {
      template = { ...d.source, templateBody: rewriteTemplateBody(d.source.templateBody, options.sourceRegion, options.targetRegion, `provisioning template "${d.key}"`, options.accounts).body };
    } catch (error) {
      b.invalid.push({ kind: d.kind, key: d.key, errorName: errorName(error), message: errorMessage(error) });
      return;
    }
    if (d.change === 'missing') {
      b.add({ type: 'createProvisioningTemplate', kind: d.kind, key: d.key, action: 'create', phase: PHASES.provisioningTemplates, template });
    } else {
      const newBody = (d.fields ?? []).some((f) => f.field === 'templateBody');
      b.add({ type: 'updateProvisioningTemplate', kind: d.kind, key: d.key, action: 'update', phase: PHASES.provisioningTemplates, template, newBody });
    }
  } else if (d.change === 'extra') {
    if (!mirror) b.skip(d.kind, d.key, RETAINED);
    else b.add({ type: 'deleteProvisioningTemplate', kind: d.kind, key: d.key, action: 'delete', phase: PHASES.deleteProvisioningTemplates, name: d.key });
  }
}

/** The fleet-indexing configuration: widened to index what the source does, never narrowed. */
function planIndexingConfiguration(d: IndexingConfigurationDifference, { b }: PlanContext): void {
  if (d.change !== 'different' || !d.source || !d.target) return;
  if ((d.narrower ?? []).length === 0) {
    b.skip(d.kind, d.key, 'the target indexes more than the source; left as is (narrowing it could break its own queries and re-index its fleet)');
    return;
  }
  b.add({ type: 'updateIndexingConfiguration', kind: d.kind, key: d.key, action: 'update', phase: PHASES.indexingConfiguration, configuration: widenedIndexing(d.source, d.target) });
}

/** Role aliases: created or updated in place; an extra one deleted only in mirror mode. */
function planRoleAlias(d: RoleAliasDifference, { b, mirror }: PlanContext): void {
  if (d.change === 'missing' && d.source) {
    b.add({ type: 'createRoleAlias', kind: d.kind, key: d.key, action: 'create', phase: PHASES.roleAliases, roleAlias: d.source });
  } else if (d.change === 'different' && d.source) {
    b.add({ type: 'updateRoleAlias', kind: d.kind, key: d.key, action: 'update', phase: PHASES.roleAliases, roleAlias: d.source });
  } else if (d.change === 'extra') {
    if (!mirror) b.skip(d.kind, d.key, RETAINED);
    else b.add({ type: 'deleteRoleAlias', kind: d.kind, key: d.key, action: 'delete', phase: PHASES.deleteRoleAliases, name: d.key });
  }
}

/** CA certificates: registered with the registration config the target needs; made INACTIVE before a delete. */
function planCaCertificate(d: CaCertificateDifference, { b, options, mirror }: PlanContext): void {
  if ((d.change === 'missing' || d.change === 'different') && d.source) {
    let caCertificate: CaCertificate;
    try {
      const registrationConfig = expectedRegistrationConfig(d.source.registrationConfig, options, d.key);
      caCertificate = { ...d.source, ...(registrationConfig === undefined ? {} : { registrationConfig }) };
    } catch (error) {
      b.invalid.push({ kind: d.kind, key: d.key, errorName: errorName(error), message: errorMessage(error) });
      return;
    }
    if (d.change === 'missing') b.add({ type: 'registerCaCertificate', kind: d.kind, key: d.key, action: 'create', phase: PHASES.caCertificates, caCertificate });
    else b.add({ type: 'updateCaCertificate', kind: d.kind, key: d.key, action: 'update', phase: PHASES.caCertificates, caCertificate });
  } else if (d.change === 'extra' && d.target) {
    if (!mirror) b.skip(d.kind, d.key, RETAINED);
    else {
      if (d.target.status === 'ACTIVE') {
        b.add({ type: 'updateCaCertificate', kind: d.kind, key: d.key, action: 'update', phase: PHASES.prepareDeletes, caCertificate: { ...d.target, status: 'INACTIVE' }, deletePreparation: true });
      }
      b.add({ type: 'deleteCaCertificate', kind: d.kind, key: d.key, action: 'delete', phase: PHASES.deleteCaCertificates, certificateId: d.key, requires: [resourceId('caCertificate', d.key)] });
    }
  }
}

/** Certificates: registered with their CA when the target has it; statuses are never widened. */
function planCertificate(d: CertificateDifference, { b, mirror, createdCas }: PlanContext): void {
  if (d.change === 'missing' && d.source) {
    const caId = d.source.caCertificateId;
    const withCa = d.sourceCa !== undefined && caId !== undefined && (d.sourceCa.inTarget || createdCas.has(caId));
    b.add({
      type: 'registerCertificate', kind: d.kind, key: d.key, action: 'create', phase: PHASES.certificates,
      certificateId: d.key, certificatePem: d.source.certificatePem, status: targetCertificateStatus(d.source.status),
      ...(withCa && d.sourceCa ? { caCertificatePem: d.sourceCa.certificatePem } : {}),
      requires: withCa && caId !== undefined ? [resourceId('caCertificate', caId)] : [],
    });
  } else if (d.change === 'different' && d.source && d.target) {
    const change = certificateStatusChange(d.source.status, d.target.status);
    if (change.action === 'refuse') b.skip(d.kind, d.key, change.reason);
    else if (change.action === 'set') {
      b.add({ type: 'updateCertificateStatus', kind: d.kind, key: d.key, action: 'update', phase: PHASES.certificates, certificateId: d.key, status: change.status });
    }
  } else if (d.change === 'extra' && d.target) {
    if (!mirror) b.skip(d.kind, d.key, RETAINED);
    else {
      if (d.target.status === 'ACTIVE') {
        b.add({ type: 'updateCertificateStatus', kind: d.kind, key: d.key, action: 'update', phase: PHASES.prepareDeletes, certificateId: d.key, status: 'INACTIVE', deletePreparation: true });
      }
      b.add({ type: 'deleteCertificate', kind: d.kind, key: d.key, action: 'delete', phase: PHASES.deleteCertificates, certificateId: d.key, requires: [resourceId('certificate', d.key)] });
    }
  }
}

/** Things: created after their type, with the type undeprecated around a new association; billing groups moved. */
function planThing(d: ThingDifference, { b, mirror, typeDiffs }: PlanContext): void {
  const id = resourceId('thing', d.key);
  const s = d.source;
  const typeRequires = s?.thingTypeName === undefined ? [] : [resourceId('thingType', s.thingTypeName)];
  if (s !== undefined && d.targetTypeDeprecated && s.thingTypeName !== undefined) {
    // AWS refuses new associations with a deprecated type: undeprecate it, associate, deprecate it again.
    const type = s.thingTypeName;
    if (!b.has(`setThingTypeDeprecated:${type}:false`)) {
      b.add({ type: 'setThingTypeDeprecated', kind: 'thingType', key: type, action: 'update', phase: PHASES.thingTypes, name: type, deprecated: false }, ':false');
    }
    const sourceDeprecated = typeDiffs.get(type)?.source?.deprecated ?? true;
    if (sourceDeprecated && !b.has(`setThingTypeDeprecated:${type}:true`)) {
      b.add({ type: 'setThingTypeDeprecated', kind: 'thingType', key: type, action: 'update', phase: PHASES.deprecations, name: type, deprecated: true }, ':true');
    }
  }
  if (d.change === 'missing' && s) {
    const { groupNames: _groups, ...thing } = s;
    b.add({ type: 'createThing', kind: 'thing', key: d.key, action: 'create', phase: PHASES.things, thing, requires: typeRequires });
  } else if (d.change === 'different' && s && d.target) {
    const fields = new Set(d.fields?.map((f) => f.field));
    if (fields.has('thingTypeName') || fields.has('attributes')) {
      b.add({
        type: 'updateThing', kind: 'thing', key: d.key, action: 'update', phase: PHASES.things,
        thing: { name: s.name, ...(s.thingTypeName === undefined ? {} : { thingTypeName: s.thingTypeName }), attributes: s.attributes },
        requires: fields.has('thingTypeName') ? typeRequires : [],
      });
    }
    if (fields.has('billingGroupName')) {
      const before = d.target.billingGroupName;
      const after = s.billingGroupName;
      if (before !== undefined) {
        b.add({ type: 'removeThingFromBillingGroup', kind: 'thing', key: d.key, action: 'update', phase: PHASES.things, thingName: d.key, billingGroupName: before });
      }
      if (after !== undefined) {
        b.add({ type: 'addThingToBillingGroup', kind: 'thing', key: d.key, action: 'update', phase: PHASES.relationships, thingName: d.key, billingGroupName: after, requires: [id] });
      }
    }
  } else if (d.change === 'extra') {
    if (!mirror) b.skip('thing', d.key, RETAINED);
    else b.add({ type: 'deleteThing', kind: 'thing', key: d.key, action: 'delete', phase: PHASES.deleteThings, name: d.key });
  }
}

/** Static group memberships: a removal runs before additions (a thing is in one group of a hierarchy). */
function planGroupMembership(d: GroupMembershipDifference, { b, mirror }: PlanContext): void {
  const m = d.source ?? d.target;
  if (m === undefined) return;
  const requires = [resourceId('thing', m.thingName), resourceId('thingGroup', m.groupName)];
  if (d.change === 'missing') {
    b.add({ type: 'addThingToGroup', kind: d.kind, key: d.key, action: 'create', phase: PHASES.relationships, thingName: m.thingName, groupName: m.groupName, requires });
  } else if (d.change === 'extra') {
    if (!d.parentInSource && !mirror) b.skip(d.kind, d.key, ORPHAN_RETAINED);
    else {
      b.add({ type: 'removeThingFromGroup', kind: d.kind, key: d.key, action: 'delete', phase: d.parentInSource ? PHASES.membershipRemovals : PHASES.detachPrincipals, thingName: m.thingName, groupName: m.groupName, ...(d.parentInSource ? {} : { deletePreparation: true }) });
    }
  }
}

/** Thing–principal attachments: attached after the thing and certificate; a type change is a detach, then an attach. */
function planThingPrincipalAttachment(d: ThingPrincipalAttachmentDifference, { b, mirror }: PlanContext): void {
  const a = d.source ?? d.target;
  if (a === undefined) return;
  const own = resourceId('thingPrincipalAttachment', d.key);
  const attach = (requires: string[]) =>
    b.add({
      type: 'attachThingPrincipal', kind: d.kind, key: d.key, action: 'create', phase: PHASES.attachments,
      thingName: a.thingName, certificateId: a.certificateId, principalType: d.source?.type ?? 'NON_EXCLUSIVE_THING',
      requires: [...requires, resourceId('thing', a.thingName), resourceId('certificate', a.certificateId)],
    });
  if (d.change === 'missing') attach([]);
  else if (d.change === 'different') {
    // The type of an attachment cannot be changed in place: detach, then attach with the new type.
    b.add({ type: 'detachThingPrincipal', kind: d.kind, key: d.key, action: 'delete', phase: PHASES.relationships, thingName: a.thingName, certificateId: a.certificateId });
    attach([own]);
  } else if (d.change === 'extra') {
    if (!d.parentInSource && !mirror) b.skip(d.kind, d.key, ORPHAN_RETAINED);
    else {
      b.add({ type: 'detachThingPrincipal', kind: d.kind, key: d.key, action: 'delete', phase: PHASES.detachPrincipals, thingName: a.thingName, certificateId: a.certificateId, ...(d.parentInSource ? {} : { deletePreparation: true }) });
    }
  }
}

/** Policy attachments: attached after the policy and its target; an extra one detached when its parent is in the source, or in mirror mode. */
function planPolicyAttachment(d: PolicyAttachmentDifference, { b, mirror }: PlanContext): void {
  const a = d.source ?? d.target;
  if (a === undefined) return;
  if (d.change === 'missing') {
    b.add({ type: 'attachPolicy', kind: d.kind, key: d.key, action: 'create', phase: PHASES.attachments, policyName: a.policyName, target: a.target, requires: [resourceId('policy', a.policyName), targetId(a.target)] });
  } else if (d.change === 'extra') {
    if (!d.parentInSource && !mirror) b.skip(d.kind, d.key, ORPHAN_RETAINED);
    else {
      b.add({ type: 'detachPolicy', kind: d.kind, key: d.key, action: 'delete', phase: PHASES.detachPolicies, policyName: a.policyName, target: a.target, ...(d.parentInSource ? {} : { deletePreparation: true }) });
    }
  }
}

/** The planner of each kind, as `diff.ts` has one comparison per kind. */
const PLANNERS: { [K in DifferenceKind]: Planner<Extract<Difference, { kind: K }>> } = {
  indexingConfiguration: planIndexingConfiguration,
  thingType: planThingType,
  thingGroup: planThingGroup,
  policy: planPolicy,
  provisioningTemplate: planProvisioningTemplate,
  roleAlias: planRoleAlias,
  caCertificate: planCaCertificate,
  certificate: planCertificate,
  thing: planThing,
  groupMembership: planGroupMembership,
  thingPrincipalAttachment: planThingPrincipalAttachment,
  policyAttachment: planPolicyAttachment,
};

/** Makes each top-level delete depend on the detaches and deletes that must succeed before it (linear time). */
function addDeleteDependencies(operations: Operation[], differences: readonly Difference[]): void {
  const index = new Map<string, string[]>();
  const note = (slot: string, op: Operation) => {
    const list = index.get(slot) ?? [];
    list.push(resourceId(op.kind, op.key));
    index.set(slot, list);
  };
  const targetOf = new Map(differences.filter((d) => d.target !== undefined).map((d) => [resourceId(d.kind, d.key), d.target]));
  for (const op of operations) {
    if (op.type === 'detachThingPrincipal') {
      note(`thing:${op.thingName}`, op);
      note(`certificate:${op.certificateId}`, op);
    } else if (op.type === 'detachPolicy') {
      note(`policy:${op.policyName}`, op);
      note(targetId(op.target), op);
    } else if (op.type === 'deleteThingGroup') {
      const group = targetOf.get(resourceId('thingGroup', op.name)) as ThingGroup | undefined;
      if (group?.kind === 'static' && group.parentName !== undefined) note(`thingGroup:${group.parentName}`, op);
    } else if (op.type === 'deleteCertificate') {
      const caId = (targetOf.get(resourceId('certificate', op.certificateId)) as { caCertificateId?: string } | undefined)?.caCertificateId;
      if (caId !== undefined) note(`caCertificate:${caId}`, op);
    } else if (op.type === 'deleteThing' || op.type === 'updateThing') {
      const typeName = (targetOf.get(resourceId('thing', op.key)) as Thing | undefined)?.thingTypeName;
      if (typeName !== undefined) note(`thingType:${typeName}`, op);
    }
  }
  for (const op of operations) {
    if (op.action !== 'delete' || !TOP_LEVEL_KINDS.includes(op.kind)) continue;
    const extra = index.get(resourceId(op.kind, op.key)) ?? [];
    op.requires = [...new Set([...op.requires, ...extra])];
  }
}

/** Removes the top-level deletes (and their preparations) when they exceed the limit without the override. */
function guardMassDelete(b: PlanBuilder, options: PlanOptions): MassDeleteRefusal | undefined {
  const isTopLevelDelete = (op: Operation) => op.action === 'delete' && TOP_LEVEL_KINDS.includes(op.kind);
  const deletes = b.operations.filter(isTopLevelDelete);
  const refusal = massDeleteRefusal(deletes.length, options.targetThingCount ?? 0, options.massDelete, options.allowMassDelete);
  if (refusal === undefined) return undefined;
  const kept = b.operations.filter((op) => !isTopLevelDelete(op) && !op.deletePreparation);
  b.operations.splice(0, b.operations.length, ...kept);
  for (const op of deletes) b.skip(op.kind, op.key, refusal.reason);
  return refusal;
}
