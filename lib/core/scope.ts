/**
 * Scoped reads: which resources a sync reads, in both regions alike (the diff compares exactly what
 * both snapshots hold). A relationship ref (`thingPrincipals`, `policyAttachments`) also reads its parent
 * (the thing; the certificate or group), because whether an extra relationship is removed in retain
 * mode depends on whether its parent exists in the source; the parent is then converged as well.
 */
import { z } from 'zod';
import {
  CertificateIdSchema,
  PolicyNameSchema,
  PolicyTargetSchema,
  ProvisioningTemplateNameSchema,
  RoleAliasNameSchema,
  RegistryNameSchema,
  ThingNameSchema,
  emptySnapshot,
  policyAttachmentKey,
  policyTargetKey,
  thingPrincipalKey,
  type PolicyTarget,
  type Certificate,
  type RegistrySnapshot,
  type Thing,
  type ThingGroup,
} from './model';
import type { RegistryReader, ThingFilter } from './port';
import { mapWithConcurrency } from './concurrency';
import { InvalidResourceError, ResourceNotFoundError, TransientServiceError } from './errors';
import type { DeleteMode } from './safety';

/** Validates a ref arriving at a boundary (Lambda input, CLI). */
export const ResourceRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('thingType'), name: RegistryNameSchema }),
  z.strictObject({ kind: z.literal('thingGroup'), name: RegistryNameSchema }),
  z.strictObject({ kind: z.literal('policy'), name: PolicyNameSchema }),
  z.strictObject({ kind: z.literal('caCertificate'), certificateId: CertificateIdSchema }),
  z.strictObject({ kind: z.literal('provisioningTemplate'), name: ProvisioningTemplateNameSchema }),
  z.strictObject({ kind: z.literal('roleAlias'), name: RoleAliasNameSchema }),
  /** The region's fleet-indexing configuration (one per region). */
  z.strictObject({ kind: z.literal('indexingConfiguration') }),
  /** The devices a bulk registration task registered (expanded into their stages; never read as a resource). */
  z.strictObject({ kind: z.literal('thingRegistrationTask'), taskId: z.string().min(1).max(40) }),
  z.strictObject({ kind: z.literal('certificate'), certificateId: CertificateIdSchema }),
  /** The thing with its static group memberships. */
  z.strictObject({ kind: z.literal('thing'), name: ThingNameSchema }),
  /** The thing–principal attachments of one thing (and the thing). */
  z.strictObject({ kind: z.literal('thingPrincipals'), thingName: ThingNameSchema }),
  /** The policies attached to one certificate or group (and that certificate or group). */
  z.strictObject({ kind: z.literal('policyAttachments'), target: PolicyTargetSchema }),
]);
/** A reference to one resource, or to the relationships of one parent, to read and converge. */
export type ResourceRef = z.infer<typeof ResourceRefSchema>;

/** A stable string for a ref (for de-duplication and logs). */
export function refKey(ref: ResourceRef): string {
  switch (ref.kind) {
    case 'thingType':
    case 'thingGroup':
    case 'policy':
    case 'thing':
    case 'provisioningTemplate':
    case 'roleAlias':
      return `${ref.kind}:${ref.name}`;
    case 'caCertificate':
    case 'certificate':
      return `${ref.kind}:${ref.certificateId}`;
    case 'thingPrincipals':
      return `thingPrincipals:${ref.thingName}`;
    case 'indexingConfiguration':
      return 'indexingConfiguration';
    case 'thingRegistrationTask':
      return `thingRegistrationTask:${ref.taskId}`;
    case 'policyAttachments':
      return `policyAttachments:${policyTargetKey(ref.target)}`;
  }
}

/** Removes duplicate refs, keeping the first occurrence. */
export function uniqueRefs(refs: readonly ResourceRef[]): ResourceRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = refKey(ref);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const DEFAULT_CONCURRENCY = 8;

/** Builds a snapshot from reads, each resource read once and stored once. */
class SnapshotCollector {
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly items = {
    thingTypes: new Map<string, RegistrySnapshot['thingTypes'][number]>(),
    thingGroups: new Map<string, ThingGroup>(),
    things: new Map<string, RegistrySnapshot['things'][number]>(),
    certificates: new Map<string, RegistrySnapshot['certificates'][number]>(),
    caCertificates: new Map<string, RegistrySnapshot['caCertificates'][number]>(),
    policies: new Map<string, RegistrySnapshot['policies'][number]>(),
    policyAttachments: new Map<string, RegistrySnapshot['policyAttachments'][number]>(),
    thingPrincipalAttachments: new Map<string, RegistrySnapshot['thingPrincipalAttachments'][number]>(),
    provisioningTemplates: new Map<string, NonNullable<RegistrySnapshot['provisioningTemplates']>[number]>(),
    roleAliases: new Map<string, NonNullable<RegistrySnapshot['roleAliases']>[number]>(),
  };
  private roleAliasesRead = false;
  private indexing: RegistrySnapshot['indexingConfiguration'];
  /** Whether templates were read (only then does the snapshot hold the field, and the diff compare them). */
  private templatesRead = false;

  constructor(readonly reader: RegistryReader) {}

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let pending = this.memo.get(key) as Promise<T> | undefined;
    if (pending === undefined) {
      pending = read();
      this.memo.set(key, pending);
    }
    return pending;
  }

  async thingType(name: string) {
    const t = await this.once(`thingType:${name}`, () => this.reader.getThingType(name));
    if (t) this.items.thingTypes.set(name, t);
    return t;
  }
  async thingGroup(name: string) {
    const g = await this.once(`thingGroup:${name}`, () => this.reader.getThingGroup(name));
    if (g) this.items.thingGroups.set(name, g);
    return g;
  }
  async thing(name: string) {
    const t = await this.once(`thing:${name}`, () => this.reader.getThing(name));
    if (t) this.items.things.set(name, t);
    return t;
  }
  async certificate(id: string) {
    const c = await this.once(`certificate:${id}`, () => this.reader.getCertificate(id));
    if (c) this.items.certificates.set(id, c);
    return c;
  }
  async caCertificate(id: string) {
    const c = await this.once(`caCertificate:${id}`, () => this.reader.getCaCertificate(id));
    if (c) this.items.caCertificates.set(id, c);
    return c;
  }
  async provisioningTemplate(name: string) {
    this.templatesRead = true;
    const t = await this.once(`provisioningTemplate:${name}`, () => this.reader.getProvisioningTemplate(name));
    if (t) this.items.provisioningTemplates.set(name, t);
    return t;
  }
  /** Every provisioning template of the region. */
  async allProvisioningTemplates() {
    this.templatesRead = true;
    for await (const t of this.reader.listProvisioningTemplates()) this.items.provisioningTemplates.set(t.name, t);
  }
  async roleAlias(name: string) {
    this.roleAliasesRead = true;
    const a = await this.once(`roleAlias:${name}`, () => this.reader.getRoleAlias(name));
    if (a) this.items.roleAliases.set(name, a);
    return a;
  }
  /** Every role alias of the region. */
  async allRoleAliases() {
    this.roleAliasesRead = true;
    for await (const a of this.reader.listRoleAliases()) this.items.roleAliases.set(a.name, a);
  }
  async indexingConfiguration() {
    this.indexing = await this.once('indexingConfiguration', () => this.reader.getIndexingConfiguration());
    return this.indexing;
  }
  async policy(name: string) {
    const p = await this.once(`policy:${name}`, () => this.reader.getPolicy(name));
    if (p) this.items.policies.set(name, p);
    return p;
  }
  /** The thing's certificates, when the thing exists. */
  async thingPrincipals(thingName: string) {
    const thing = await this.thing(thingName);
    if (thing === undefined) return [];
    const attachments = await this.once(`thingPrincipals:${thingName}`, () => this.reader.listThingPrincipals(thingName));
    for (const a of attachments) this.items.thingPrincipalAttachments.set(thingPrincipalKey(a), a);
    return attachments;
  }
  /** The policy names attached to a certificate or group, when it exists. */
  async policyAttachments(target: PolicyTarget) {
    const parent = target.kind === 'certificate' ? await this.certificate(target.certificateId) : await this.thingGroup(target.groupName);
    if (parent === undefined) return [];
    const names = await this.once(`policyAttachments:${policyTargetKey(target)}`, () => this.reader.listAttachedPolicies(target));
    for (const policyName of names) {
      const a = { policyName, target };
      this.items.policyAttachments.set(policyAttachmentKey(a), a);
    }
    return names;
  }
  add<K extends keyof SnapshotCollector['items']>(field: K, key: string, item: NonNullable<RegistrySnapshot[K]>[number]): void {
    (this.items[field] as Map<string, NonNullable<RegistrySnapshot[K]>[number]>).set(key, item);
  }

  async readRef(ref: ResourceRef): Promise<void> {
    switch (ref.kind) {
      case 'thingType':
        await this.thingType(ref.name);
        return;
      case 'thingGroup':
        await this.thingGroup(ref.name);
        return;
      case 'policy':
        await this.policy(ref.name);
        return;
      case 'caCertificate':
        await this.caCertificate(ref.certificateId);
        return;
      case 'provisioningTemplate':
        await this.provisioningTemplate(ref.name);
        return;
      case 'roleAlias':
        await this.roleAlias(ref.name);
        return;
      case 'indexingConfiguration':
        await this.indexingConfiguration();
        return;
      case 'thingRegistrationTask':
        // Not a resource: changeStages expands it into the devices the task registered.
        return;
      case 'certificate':
        await this.certificate(ref.certificateId);
        return;
      case 'thing':
        await this.thing(ref.name);
        return;
      case 'thingPrincipals':
        await this.thingPrincipals(ref.thingName);
        return;
      case 'policyAttachments':
        await this.policyAttachments(ref.target);
        return;
    }
  }

  snapshot(): RegistrySnapshot {
    const sorted = <T>(m: Map<string, T>): T[] => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    return {
      thingTypes: sorted(this.items.thingTypes),
      thingGroups: sorted(this.items.thingGroups),
      things: sorted(this.items.things),
      certificates: sorted(this.items.certificates),
      caCertificates: sorted(this.items.caCertificates),
      policies: sorted(this.items.policies),
      policyAttachments: sorted(this.items.policyAttachments),
      thingPrincipalAttachments: sorted(this.items.thingPrincipalAttachments),
      ...(this.templatesRead ? { provisioningTemplates: sorted(this.items.provisioningTemplates) } : {}),
      ...(this.roleAliasesRead ? { roleAliases: sorted(this.items.roleAliases) } : {}),
      ...(this.indexing !== undefined ? { indexingConfiguration: this.indexing } : {}),
    };
  }
}

/** Reads exactly the resources the refs name (absent ones are simply absent from the snapshot). */
export async function readResources(
  reader: RegistryReader,
  refs: readonly ResourceRef[],
  options: { concurrency?: number } = {},
): Promise<RegistrySnapshot> {
  const collector = new SnapshotCollector(reader);
  await mapWithConcurrency(uniqueRefs(refs), options.concurrency ?? DEFAULT_CONCURRENCY, (ref) => collector.readRef(ref));
  return collector.snapshot();
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function allThingNames(reader: RegistryReader, filter: ThingFilter): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await reader.listThingNames(filter, nextToken);
    names.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return names;
}

/** Options of {@link readAll}. */
export interface ReadAllOptions {
  /** Only these things and what is reachable from them. */
  thingFilter?: ThingFilter;
  /** Reads in flight at once (default 8). */
  concurrency?: number;
}

/**
 * Reads the whole registry, or, with a thing filter, the matching things and what is reachable from
 * them: their types, static groups and ancestors, certificates and their CAs, the policies attached to
 * those certificates and groups, and the attachments.
 */
export async function readAll(reader: RegistryReader, options: ReadAllOptions = {}): Promise<RegistrySnapshot> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const c = new SnapshotCollector(reader);
  if (options.thingFilter === undefined) {
    for (const t of await collect(reader.listThingTypes())) c.add('thingTypes', t.name, t);
    for (const g of await collect(reader.listThingGroups())) c.add('thingGroups', g.name, g);
    for (const ca of await collect(reader.listCaCertificates())) c.add('caCertificates', ca.certificateId, ca);
    await c.allProvisioningTemplates();
    await c.allRoleAliases();
    await c.indexingConfiguration();
    const names = await allThingNames(reader, {});
    await mapWithConcurrency(names, concurrency, (name) => c.thingPrincipals(name));
    const certificates = await collect(reader.listCertificates());
    await mapWithConcurrency(certificates, concurrency, (summary) => c.certificate(summary.certificateId));
    const policyNames = await collect(reader.listPolicyNames());
    await mapWithConcurrency(policyNames, concurrency, async (name) => {
      if ((await c.policy(name)) === undefined) return;
      for (const target of await reader.listPolicyTargets(name)) c.add('policyAttachments', policyAttachmentKey({ policyName: name, target }), { policyName: name, target });
    });
    return c.snapshot();
  }

  const names = await allThingNames(reader, options.thingFilter);
  const things = (await mapWithConcurrency(names, concurrency, (name) => c.thing(name))).filter((t) => t !== undefined);
  const typeNames = [...new Set(things.flatMap((t) => (t.thingTypeName === undefined ? [] : [t.thingTypeName])))];
  await mapWithConcurrency(typeNames, concurrency, (name) => c.thingType(name));
  // Groups level by level, so each ancestor is read once.
  const groups = new Set<string>();
  let level = [...new Set(things.flatMap((t) => t.groupNames))];
  while (level.length > 0) {
    level.forEach((name) => groups.add(name));
    const read = await mapWithConcurrency(level, concurrency, (name) => c.thingGroup(name));
    level = [...new Set(read.flatMap((g) => (g?.kind === 'static' && g.parentName !== undefined && !groups.has(g.parentName) ? [g.parentName] : [])))];
  }
  const attachments = (await mapWithConcurrency(things, concurrency, (t) => c.thingPrincipals(t.name))).flat();
  const certIds = [...new Set(attachments.map((a) => a.certificateId))];
  const certs = (await mapWithConcurrency(certIds, concurrency, (id) => c.certificate(id))).filter((x) => x !== undefined);
  const caIds = [...new Set(certs.flatMap((x) => (x.caCertificateId === undefined ? [] : [x.caCertificateId])))];
  await mapWithConcurrency(caIds, concurrency, (id) => c.caCertificate(id));
  const targets: PolicyTarget[] = [
    ...certs.map((x) => ({ kind: 'certificate' as const, certificateId: x.certificateId })),
    ...[...groups].map((groupName) => ({ kind: 'thingGroup' as const, groupName })),
  ];
  const policyNames = [...new Set((await mapWithConcurrency(targets, concurrency, (t) => c.policyAttachments(t))).flat())];
  await mapWithConcurrency(policyNames, concurrency, (name) => c.policy(name));
  return c.snapshot();
}

/** The refs that cover a snapshot: every resource, and the relationships of every thing, certificate and static group. */
export function snapshotRefs(snapshot: RegistrySnapshot): ResourceRef[] {
  return uniqueRefs([
    ...snapshot.thingTypes.map((t) => ({ kind: 'thingType' as const, name: t.name })),
    ...snapshot.thingGroups.map((g) => ({ kind: 'thingGroup' as const, name: g.name })),
    ...snapshot.policies.map((p) => ({ kind: 'policy' as const, name: p.name })),
    ...snapshot.caCertificates.map((c) => ({ kind: 'caCertificate' as const, certificateId: c.certificateId })),
    ...(snapshot.provisioningTemplates ?? []).map((t) => ({ kind: 'provisioningTemplate' as const, name: t.name })),
    ...(snapshot.roleAliases ?? []).map((a) => ({ kind: 'roleAlias' as const, name: a.name })),
    ...(snapshot.indexingConfiguration !== undefined ? [{ kind: 'indexingConfiguration' as const }] : []),
    ...snapshot.certificates.map((c) => ({ kind: 'certificate' as const, certificateId: c.certificateId })),
    ...snapshot.things.map((t) => ({ kind: 'thing' as const, name: t.name })),
    ...snapshot.things.map((t) => ({ kind: 'thingPrincipals' as const, thingName: t.name })),
    ...snapshot.certificates.map((c) => ({ kind: 'policyAttachments' as const, target: { kind: 'certificate' as const, certificateId: c.certificateId } })),
    ...snapshot.thingGroups
      .filter((g) => g.kind === 'static')
      .map((g) => ({ kind: 'policyAttachments' as const, target: { kind: 'thingGroup' as const, groupName: g.name } })),
  ]);
}

/** Merges snapshots, one item per key (the first snapshot wins). */
export function mergeSnapshots(...snapshots: RegistrySnapshot[]): RegistrySnapshot {
  const out = emptySnapshot();
  const keyed = <T>(field: keyof RegistrySnapshot, keyOf: (item: T) => string) => {
    const seen = new Map<string, T>();
    for (const s of snapshots) for (const item of s[field] as T[]) if (!seen.has(keyOf(item))) seen.set(keyOf(item), item);
    (out[field] as T[]) = [...seen.values()];
  };
  keyed<RegistrySnapshot['thingTypes'][number]>('thingTypes', (x) => x.name);
  keyed<ThingGroup>('thingGroups', (x) => x.name);
  keyed<RegistrySnapshot['things'][number]>('things', (x) => x.name);
  keyed<RegistrySnapshot['certificates'][number]>('certificates', (x) => x.certificateId);
  keyed<RegistrySnapshot['caCertificates'][number]>('caCertificates', (x) => x.certificateId);
  keyed<RegistrySnapshot['policies'][number]>('policies', (x) => x.name);
  keyed<RegistrySnapshot['policyAttachments'][number]>('policyAttachments', policyAttachmentKey);
  keyed<RegistrySnapshot['thingPrincipalAttachments'][number]>('thingPrincipalAttachments', thingPrincipalKey);
  if (snapshots.some((s) => s.provisioningTemplates !== undefined)) {
    const seen = new Map<string, NonNullable<RegistrySnapshot['provisioningTemplates']>[number]>();
    for (const s of snapshots) for (const t of s.provisioningTemplates ?? []) if (!seen.has(t.name)) seen.set(t.name, t);
    out.provisioningTemplates = [...seen.values()];
  }
  const indexing = snapshots.find((s) => s.indexingConfiguration !== undefined)?.indexingConfiguration;
  if (indexing !== undefined) out.indexingConfiguration = indexing;
  if (snapshots.some((s) => s.roleAliases !== undefined)) {
    const seen = new Map<string, NonNullable<RegistrySnapshot['roleAliases']>[number]>();
    for (const s of snapshots) for (const a of s.roleAliases ?? []) if (!seen.has(a.name)) seen.set(a.name, a);
    out.roleAliases = [...seen.values()];
  }
  return out;
}

/**
 * Refs that a sync of `refs` needs on top of them, decided from what was read: the CA of each source
 * certificate (so a missing certificate is registered with its CA), the type of each source thing (so a
 * deprecated type can be undeprecated around an association), and in mirror mode, for each resource
 * present only in the target, the relationships that must be detached before it can be deleted.
 */
export async function supportingRefs(
  target: RegistryReader,
  source: RegistrySnapshot,
  targetSnapshot: RegistrySnapshot,
  deleteMode: DeleteMode,
): Promise<ResourceRef[]> {
  const refs: ResourceRef[] = [
    ...source.certificates.flatMap((c) => (c.caCertificateId === undefined ? [] : [{ kind: 'caCertificate' as const, certificateId: c.caCertificateId }])),
    ...source.things.flatMap((t) => (t.thingTypeName === undefined ? [] : [{ kind: 'thingType' as const, name: t.thingTypeName }])),
  ];
  if (deleteMode !== 'mirror') return uniqueRefs(refs);
  const inSource = (field: keyof RegistrySnapshot, key: string, keyOf: (x: never) => string) =>
    (source[field] as never[]).some((x) => keyOf(x) === key);
  for (const thing of targetSnapshot.things) {
    if (!inSource('things', thing.name, (x: { name: string }) => x.name)) refs.push({ kind: 'thingPrincipals', thingName: thing.name });
  }
  for (const cert of targetSnapshot.certificates) {
    if (inSource('certificates', cert.certificateId, (x: { certificateId: string }) => x.certificateId)) continue;
    refs.push({ kind: 'policyAttachments', target: { kind: 'certificate', certificateId: cert.certificateId } });
    for (const a of await target.listPrincipalThings(cert.certificateId)) refs.push({ kind: 'thingPrincipals', thingName: a.thingName });
  }
  for (const group of targetSnapshot.thingGroups) {
    if (group.kind === 'static' && !inSource('thingGroups', group.name, (x: { name: string }) => x.name)) {
      refs.push({ kind: 'policyAttachments', target: { kind: 'thingGroup', groupName: group.name } });
    }
  }
  for (const policy of targetSnapshot.policies) {
    if (inSource('policies', policy.name, (x: { name: string }) => x.name)) continue;
    for (const t of await target.listPolicyTargets(policy.name)) refs.push({ kind: 'policyAttachments', target: t });
  }
  return uniqueRefs(refs);
}

/**
 * How an event-driven sync treats a reference: the changed resource (and its own attachments) is
 * converged; what it depends on is only ensured to exist in the target (synced when absent), because
 * its own changes arrive as events of their own. This keeps an event to a few calls at the low IoT quotas.
 */
export const StageItemSchema = z.strictObject({ ref: ResourceRefSchema, mode: z.enum(['converge', 'ensure']) });
/** One reference of a change's stages, with how to treat it. */
export type StageItem = z.infer<typeof StageItemSchema>;

/** Whether the resource a reference names exists in a region (for an attachment set: its parent). */
export async function refExists(reader: RegistryReader, ref: ResourceRef): Promise<boolean> {
  switch (ref.kind) {
    case 'thingType':
      return (await reader.getThingType(ref.name)) !== undefined;
    case 'thingGroup':
      return (await reader.getThingGroup(ref.name)) !== undefined;
    case 'policy':
      return (await reader.getPolicy(ref.name)) !== undefined;
    case 'caCertificate':
      return (await reader.getCaCertificate(ref.certificateId)) !== undefined;
    case 'provisioningTemplate':
      return (await reader.getProvisioningTemplate(ref.name)) !== undefined;
    case 'roleAlias':
      return (await reader.getRoleAlias(ref.name)) !== undefined;
    case 'indexingConfiguration':
    case 'thingRegistrationTask':
      return true;
    case 'certificate':
      return (await reader.getCertificate(ref.certificateId)) !== undefined;
    case 'thing':
      return (await reader.getThing(ref.name)) !== undefined;
    case 'thingPrincipals':
      return (await reader.getThing(ref.thingName)) !== undefined;
    case 'policyAttachments':
      return ref.target.kind === 'certificate'
        ? (await reader.getCertificate(ref.target.certificateId)) !== undefined
        : (await reader.getThingGroup(ref.target.groupName)) !== undefined;
  }
}

/**
 * The stages still to run in the target: converged items always; ensured dependencies only where the
 * target lacks them. On a steady-state fleet that leaves a change with one or two stages, which is what
 * Standard workflows bill (state transitions) and what the IoT read quotas pay for.
 */
export async function pendingStages(target: RegistryReader, stages: StageItem[][], concurrency = 8): Promise<ResourceRef[][]> {
  const pending: ResourceRef[][] = [];
  for (const stage of stages) {
    const keep = await mapWithConcurrency(stage, concurrency, async (item) => item.mode === 'converge' || !(await refExists(target, item.ref)));
    const refs = stage.filter((_, i) => keep[i]).map((item) => item.ref);
    if (refs.length > 0) pending.push(refs);
  }
  return pending;
}

/** Static groups with their ancestors, one stage per depth, roots first. */
async function groupStages(source: RegistryReader, names: readonly string[]): Promise<{ stages: ResourceRef[][]; all: string[] }> {
  const parentOf = new Map<string, string | undefined>();
  let pending = [...new Set(names)];
  while (pending.length > 0) {
    const next: string[] = [];
    for (const name of pending) {
      if (parentOf.has(name)) continue;
      const group = await source.getThingGroup(name);
      const parent = group?.kind === 'static' ? group.parentName : undefined;
      parentOf.set(name, parent);
      if (parent !== undefined && !parentOf.has(parent)) next.push(parent);
    }
    pending = next;
  }
  const depthOf = (name: string): number => {
    let depth = 0;
    for (let p = parentOf.get(name); p !== undefined && depth < 100; p = parentOf.get(p)) depth += 1;
    return depth;
  };
  const stages: ResourceRef[][] = [];
  for (const name of [...parentOf.keys()].sort()) {
    const depth = depthOf(name);
    (stages[depth] ??= []).push({ kind: 'thingGroup', name });
  }
  return { stages: stages.filter((s) => s !== undefined), all: [...parentOf.keys()] };
}

const certTarget = (certificateId: string): PolicyTarget => ({ kind: 'certificate', certificateId });
const groupTarget = (groupName: string): PolicyTarget => ({ kind: 'thingGroup', groupName });
const policyRefs = (names: readonly string[]): ResourceRef[] => names.map((name) => ({ kind: 'policy', name }));

/**
 * The ordered stages an event-driven sync of `ref` runs, reading the source only for what they need:
 * a thing after its type, groups (parents first) and certificates; a certificate after its policies
 * and CA; a group after its policies and ancestors; attachments after their policies and parent.
 * A ref absent in the source yields just itself (the target then deletes or keeps it per mode).
 */
export async function changeStages(source: RegistryReader, ref: ResourceRef): Promise<StageItem[][]> {
  const ensure = (refs: ResourceRef[]): StageItem[] => uniqueRefs(refs).map((r) => ({ ref: r, mode: 'ensure' }));
  const converge = (refs: ResourceRef[]): StageItem[] => refs.map((r) => ({ ref: r, mode: 'converge' }));
  const stages = await (async (): Promise<StageItem[][]> => {
    switch (ref.kind) {
      case 'thing': {
        const thing = await source.getThing(ref.name);
        if (thing === undefined) return [converge([ref])];
        return deviceStages(source, [thing]);
      }
      case 'certificate': {
        const cert = await source.getCertificate(ref.certificateId);
        if (cert === undefined) return [converge([ref])];
        // A certificate attached to things is part of their devices: converge each device whole.
        const things = (await mapWithConcurrency(await source.listPrincipalThings(cert.certificateId), 8, (a) => source.getThing(a.thingName))).filter(
          (t): t is Thing => t !== undefined,
        );
        return deviceStages(source, things, [cert]);
      }
      case 'thingGroup': {
        const group = await source.getThingGroup(ref.name);
        if (group === undefined) return [converge([ref])];
        // A dynamic group's query runs against the fleet index: the target must index what the source does first.
        if (group.kind === 'dynamic') return [converge([{ kind: 'indexingConfiguration' }]), converge([ref])];
        const groups = await groupStages(source, [group.name]);
        const policies = await source.listAttachedPolicies(groupTarget(group.name));
        const ancestors = groups.stages.slice(0, -1);
        return [ensure(policyRefs(policies)), ...ancestors.map(ensure), converge([ref]), converge([{ kind: 'policyAttachments', target: groupTarget(group.name) }])];
      }
      case 'thingPrincipals': {
        const thing = await source.getThing(ref.thingName);
        if (thing === undefined) return [converge([ref])];
        return deviceStages(source, [thing]);
      }
      case 'policyAttachments': {
        const t = ref.target;
        const parent: ResourceRef = t.kind === 'certificate' ? certRef(t.certificateId) : { kind: 'thingGroup', name: t.groupName };
        return [ensure(policyRefs(await source.listAttachedPolicies(t))), ensure([parent]), converge([ref])];
      }
      case 'thingType':
      case 'policy':
      case 'provisioningTemplate':
      case 'roleAlias':
      case 'indexingConfiguration':
        return [converge([ref])];
      case 'thingRegistrationTask':
        return taskDeviceStages(source, ref.taskId);
      case 'caCertificate': {
        // A JITP CA may name its template: ensure the template first.
        const templateName = (await source.getCaCertificate(ref.certificateId))?.registrationConfig?.templateName;
        return templateName === undefined ? [converge([ref])] : [ensure([{ kind: 'provisioningTemplate', name: templateName }]), converge([ref])];
      }
    }
  })();
  return stages.filter((stage) => stage.length > 0);
}

const certRef = (certificateId: string): ResourceRef => ({ kind: 'certificate', certificateId });

/**
 * The stages that converge whole devices: each thing (type, attributes, billing group, static group
 * memberships), each certificate attached to it (status) with its policy attachments, the policies those
 * attach (created when missing, region rewritten), and the thing–principal attachments with their type.
 * Devices provisioned over the data plane (fleet provisioning, JITP) leave no CloudTrail record of their
 * certificate, policy attachment or thing attachment (aws-facts §11,
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-using-cloudtrail.html), so the one event they
 * do produce must bring all of it. Dependencies that have events of their own (type, groups, CA,
 * policies) are only ensured: data-plane provisioning only ever creates a policy, while every policy
 * update is a control-plane call (CreatePolicyVersion, SetDefaultPolicyVersion) that CloudTrail records
 * and that syncs on its own event, so converging policies here would only repeat that work per device.
 * The attachments are converged. A converged item reads both regions and writes nothing (principle 2).
 *
 * Stages: [type, root groups, CAs, policies (all ensured)] → deeper group levels → [certificates, things] →
 * [thing–principal attachments, certificate policy attachments].
 */
export async function deviceStages(source: RegistryReader, things: readonly Thing[], extraCertificates: readonly Certificate[] = []): Promise<StageItem[][]> {
  const ensure = (refs: ResourceRef[]): StageItem[] => uniqueRefs(refs).map((r) => ({ ref: r, mode: 'ensure' }));
  const converge = (refs: ResourceRef[]): StageItem[] => uniqueRefs(refs).map((r) => ({ ref: r, mode: 'converge' }));
  const groups = await groupStages(source, things.flatMap((t) => t.groupNames));
  const certIds = [
    ...new Set([
      ...extraCertificates.map((c) => c.certificateId),
      ...(await mapWithConcurrency(things, 8, (t) => source.listThingPrincipals(t.name))).flat().map((a) => a.certificateId),
    ]),
  ].sort();
  const known = new Map(extraCertificates.map((c) => [c.certificateId, c] as const));
  const certs = (await mapWithConcurrency(certIds, 8, async (id) => known.get(id) ?? (await source.getCertificate(id)))).filter((c): c is Certificate => c !== undefined);
  const policies = [...new Set((await mapWithConcurrency(certs, 8, (c) => source.listAttachedPolicies(certTarget(c.certificateId)))).flat())].sort();
  const types = things.flatMap((t): ResourceRef[] => (t.thingTypeName === undefined ? [] : [{ kind: 'thingType', name: t.thingTypeName }]));
  const cas = certs.flatMap((c): ResourceRef[] => (c.caCertificateId === undefined ? [] : [{ kind: 'caCertificate', certificateId: c.caCertificateId }]));
  const [rootGroups = [], ...deeperGroups] = groups.stages;
  const stages: StageItem[][] = [
    ensure([...types, ...rootGroups, ...cas, ...policyRefs(policies)]),
    ...deeperGroups.map(ensure),
    converge([...certs.map((c) => certRef(c.certificateId)), ...things.map((t): ResourceRef => ({ kind: 'thing', name: t.name }))]),
    converge([
      ...things.map((t): ResourceRef => ({ kind: 'thingPrincipals', thingName: t.name })),
      ...certs.map((c): ResourceRef => ({ kind: 'policyAttachments', target: certTarget(c.certificateId) })),
    ]),
  ];
  return stages.filter((stage) => stage.length > 0);
}

/**
 * Most devices one bulk registration task's event converges in one execution: each device adds a few
 * refs to the state (Step Functions caps a state's payload at 256 KiB), and the inner Map paces them at
 * ten in flight. A larger task fails with a clear error (nothing dropped silently); its things still
 * converge from their own registry events, and `reconcile` covers them.
 */
export const MAX_TASK_DEVICES_PER_EXECUTION = 500;

/**
 * The stages that converge every device a bulk registration task registered, read from the task's
 * results report (https://docs.aws.amazon.com/iot/latest/developerguide/bulk-provisioning.html). A task
 * still running throws TransientServiceError so the state machine's Retry waits with backoff.
 */
async function taskDeviceStages(source: RegistryReader, taskId: string): Promise<StageItem[][]> {
  const task = await source.getThingRegistrationTaskThings(taskId);
  if (task === undefined) throw new ResourceNotFoundError(`thing registration task ${taskId} does not exist in ${source.region}`);
  if (task.status === 'InProgress' || task.status === 'Cancelling') {
    throw new TransientServiceError(`thing registration task ${taskId} is still ${task.status}; its devices converge once it has finished`);
  }
  if (task.thingNames.length > MAX_TASK_DEVICES_PER_EXECUTION) {
    throw new InvalidResourceError(
      `thing registration task ${taskId} registered ${task.thingNames.length} things, more than ${MAX_TASK_DEVICES_PER_EXECUTION} one execution converges; they converge from their own registry events, or run reconcile`,
    );
  }
  const things = (await mapWithConcurrency(task.thingNames, 8, (name) => source.getThing(name))).filter((t): t is Thing => t !== undefined);
  return things.length === 0 ? [] : deviceStages(source, things);
}
