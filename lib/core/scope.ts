/**
 * Scoped reads: which resources a sync reads, in both regions alike (the diff compares exactly what
 * both snapshots hold). A relationship ref (`thingPrincipals`, `policyAttachments`) also reads its parent
 * (the thing; the certificate or group), because whether an extra relationship is removed in retain
 * mode depends on whether its parent exists in the source; the parent is then converged as well.
 * The event path's stages (what one change converges, in which order) are in `./change-stages`.
 */
import {
  emptySnapshot,
  type PolicyTarget,
  type RegistrySnapshot,
  type ThingGroup,
} from './model';
import { policyAttachmentKey, refKey, thingPrincipalKey, uniqueRefs } from './keys';
import type { RegistryReader, ThingFilter } from './port';
import { mapWithConcurrency } from './concurrency';
import type { DeleteMode } from './safety';
import type { ResourceRef } from './resource-ref';

const DEFAULT_CONCURRENCY = 8;

/** Builds a snapshot from reads, each resource read once and stored once. */
class SnapshotCollector {
  /** One read per ref, keyed by `refKey`. */
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
    const t = await this.once(refKey({ kind: 'thingType', name }), () => this.reader.getThingType(name));
    if (t) this.items.thingTypes.set(name, t);
    return t;
  }
  async thingGroup(name: string) {
    const g = await this.once(refKey({ kind: 'thingGroup', name }), () => this.reader.getThingGroup(name));
    if (g) this.items.thingGroups.set(name, g);
    return g;
  }
  async thing(name: string) {
    const t = await this.once(refKey({ kind: 'thing', name }), () => this.reader.getThing(name));
    if (t) this.items.things.set(name, t);
    return t;
  }
  async certificate(id: string) {
    const c = await this.once(refKey({ kind: 'certificate', certificateId: id }), () => this.reader.getCertificate(id));
    if (c) this.items.certificates.set(id, c);
    return c;
  }
  async caCertificate(id: string) {
    const c = await this.once(refKey({ kind: 'caCertificate', certificateId: id }), () => this.reader.getCaCertificate(id));
    if (c) this.items.caCertificates.set(id, c);
    return c;
  }
  async provisioningTemplate(name: string) {
    this.templatesRead = true;
    const t = await this.once(refKey({ kind: 'provisioningTemplate', name }), () => this.reader.getProvisioningTemplate(name));
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
    const a = await this.once(refKey({ kind: 'roleAlias', name }), () => this.reader.getRoleAlias(name));
    if (a) this.items.roleAliases.set(name, a);
    return a;
  }
  /** Every role alias of the region. */
  async allRoleAliases() {
    this.roleAliasesRead = true;
    for await (const a of this.reader.listRoleAliases()) this.items.roleAliases.set(a.name, a);
  }
  async indexingConfiguration() {
    this.indexing = await this.once(refKey({ kind: 'indexingConfiguration' }), () => this.reader.getIndexingConfiguration());
    return this.indexing;
  }
  async policy(name: string) {
    const p = await this.once(refKey({ kind: 'policy', name }), () => this.reader.getPolicy(name));
    if (p) this.items.policies.set(name, p);
    return p;
  }
  /** The thing's certificates, when the thing exists. */
  async thingPrincipals(thingName: string) {
    const thing = await this.thing(thingName);
    if (thing === undefined) return [];
    const attachments = await this.once(refKey({ kind: 'thingPrincipals', thingName }), () => this.reader.listThingPrincipals(thingName));
    for (const a of attachments) this.items.thingPrincipalAttachments.set(thingPrincipalKey(a), a);
    return attachments;
  }
  /** The policy names attached to a certificate or group, when it exists. */
  async policyAttachments(target: PolicyTarget) {
    const parent = target.kind === 'certificate' ? await this.certificate(target.certificateId) : await this.thingGroup(target.groupName);
    if (parent === undefined) return [];
    const names = await this.once(refKey({ kind: 'policyAttachments', target }), () => this.reader.listAttachedPolicies(target));
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
        // Not a resource: changeStages (./change-stages) expands it into the devices the task registered.
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
