/**
 * The drift report in bounded memory: the run's chunk results are compared one keyed partition at a
 * time, and only the partition's counts, readiness and differences are kept. What a partition holds:
 *
 * - owned by the partition (compared and counted here): the things whose name hashes to it, with their
 *   principals and memberships; the certificates, and policy attachments to certificates, whose ID hashes
 *   to it; the policies whose name hashes to it. Partition 0 also owns the global kinds (thing types,
 *   groups, CAs, templates, role aliases, indexing, policy attachments to groups);
 * - looked up only (for a device's readiness, not counted): the certificates its things' principals name
 *   in either region, their policy attachments and policies, and every group-attached policy.
 *
 * A partition loads its items from every chunk result, one result at a time, so memory is one chunk plus
 * one partition (≈ devices ÷ partitions) plus the global kinds, whatever the fleet's size. What still
 * grows with the fleet: the report's own lists (not-ready devices and differences; the counts are
 * exact), and the global kinds (thing groups, group policies) when a fleet has one per device. The cost
 * is time: each partition reads the run's chunk results again.
 */
import type { DifferenceKind } from './keys';
import { DIFFERENCE_KINDS } from './keys';
import { diff } from './diff';
import type { AccountRewrite } from './policy-document';
import type { Certificate, Policy, PolicyAttachment, RegistrySnapshot, Thing, ThingPrincipalAttachment } from './model';
import {
  assembleDriftReport,
  deviceReadiness,
  itemCount,
  mergeReadiness,
  reportDifference,
  type DriftReport,
  type KindCounts,
  type ReadinessSummary,
  type ReportDifference,
  summariseReadiness,
} from './drift';
import {
  BILLING_GROUPS_NOT_COMPARED_NOTE,
  CERTIFICATES_COMPARED_NOTE,
  driftPartialPrefix,
  loadPartial,
  globalsSnapshot,
  membershipListings,
  UNREAD_CERTIFICATE_PEM,
  type DriftPartial,
  type DriftSide,
  type DriftStore,
  type DriftStream,
  type RegistryPartial,
} from './drift-read';
import { InvalidInputError } from './errors';

/** Things per partition when the count is derived from the fleet's size. */
export const DEVICES_PER_PARTITION = 10_000;
/**
 * At most this many partitions in one invocation: each partition reads every chunk result again, so the
 * time grows as partitions × fleet. 12 keeps a million devices within DriftFinish's 15 minutes with room
 * (docs/performance.md, "Drift memory"); beyond 120,000 things a partition holds things ÷ 12.
 */
export const MAX_PARTITIONS = 12;

/** Input of {@link buildPartitionedDriftReport}. */
export interface PartitionedDriftInput {
  store: DriftStore;
  runId: string;
  /** How many partitions (default: one per {@link DEVICES_PER_PARTITION} things of the larger region, at most {@link MAX_PARTITIONS}). */
  partitions?: number;
  sourceRegion: string;
  targetRegion: string;
  accounts?: AccountRewrite;
  generatedAt: string;
  notes?: string[];
}

/** The partition count for a fleet of `things` (the larger region's). */
export function defaultPartitions(things: number): number {
  return Math.min(MAX_PARTITIONS, Math.max(1, Math.ceil(things / DEVICES_PER_PARTITION)));
}

/** FNV-1a (32 bits) of a key, modulo the partition count: a stable, even spread of names and IDs. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

const SIDES: readonly DriftSide[] = ['source', 'target'];

/** Calls `visit` with every stored result of one stream of one side, one at a time. */
async function eachPartial(store: DriftStore, runId: string, side: DriftSide, stream: DriftStream, visit: (p: DriftPartial) => void): Promise<void> {
  for (const key of await store.list(`${driftPartialPrefix(runId, side)}${stream}/`)) visit(await loadPartial(store, key));
}

/** The first registry result of a side: the global kinds and the membership listings. */
async function globalsOf(store: DriftStore, runId: string, side: DriftSide): Promise<RegistryPartial> {
  const keys = await store.list(`${driftPartialPrefix(runId, side)}registry/`);
  const first = keys[0] === undefined ? undefined : ((await loadPartial(store, keys[0])) as RegistryPartial);
  if (first?.thingGroups === undefined) throw new InvalidInputError(`drift run ${runId}: the ${side} registry stream has no first chunk`);
  return first;
}

/** Things in the larger region, counted from the stored results (one pass, nothing kept). */
async function thingCount(store: DriftStore, runId: string): Promise<number> {
  let most = 0;
  for (const side of SIDES) {
    let n = 0;
    await eachPartial(store, runId, side, 'things', (p) => {
      if (p.stream === 'things') n += p.things.length;
    });
    most = Math.max(most, n);
  }
  return most;
}

interface PartitionResult {
  counts: Record<DifferenceKind, KindCounts>;
  readiness: ReadinessSummary;
  devices: DriftReport['devices'];
  differences: ReportDifference[];
}

const GLOBAL_KINDS = new Set<DifferenceKind>(['thingType', 'thingGroup', 'caCertificate', 'provisioningTemplate', 'roleAlias', 'indexingConfiguration']);

/** Reads one partition of both regions from the stored results and compares it. */
async function comparePartition(
  input: PartitionedDriftInput,
  globals: Record<DriftSide, RegistryPartial>,
  billingGroupsCompared: boolean,
  partition: number,
  partitions: number,
): Promise<PartitionResult> {
  const { store, runId } = input;
  const mine = (key: string) => partitionOf(key, partitions) === partition;
  const snapshots = {} as Record<DriftSide, RegistrySnapshot>;

  // Things, their principals and memberships.
  for (const side of SIDES) {
    const first = globals[side];
    const snapshot = globalsSnapshot(first);
    const listings = membershipListings(first);
    const groupsOf = new Map<string, string[]>();
    const billingOf = new Map<string, string>();
    await eachPartial(store, runId, side, 'registry', (p) => {
      if (p.stream !== 'registry') return;
      for (const m of p.memberships) {
        const listing = listings[m.listing];
        if (listing === undefined) continue;
        for (const thingName of m.thingNames) {
          if (!mine(thingName)) continue;
          if (listing.kind === 'billing') billingOf.set(thingName, listing.name);
          else groupsOf.set(thingName, [...(groupsOf.get(thingName) ?? []), listing.name]);
        }
      }
    });
    const things: Thing[] = [];
    const principals: ThingPrincipalAttachment[] = [];
    await eachPartial(store, runId, side, 'things', (p) => {
      if (p.stream !== 'things') return;
      for (const t of p.things) {
        if (!mine(t.name)) continue;
        const billingGroupName = billingGroupsCompared ? billingOf.get(t.name) : undefined;
        things.push({
          name: t.name,
          ...(t.thingTypeName === undefined ? {} : { thingTypeName: t.thingTypeName }),
          attributes: t.attributes,
          ...(billingGroupName === undefined ? {} : { billingGroupName }),
          groupNames: [...new Set(groupsOf.get(t.name) ?? [])].sort(),
        });
      }
      for (const a of p.principals) if (mine(a.thingName)) principals.push(a);
    });
    snapshot.things = things;
    snapshot.thingPrincipalAttachments = principals;
    snapshots[side] = snapshot;
  }

  // Certificates: the partition's own, and those its things name in either region (the same set both sides).
  const certificateIds = new Set<string>();
  for (const side of SIDES) for (const a of snapshots[side].thingPrincipalAttachments) certificateIds.add(a.certificateId);
  const wantCertificate = (id: string) => certificateIds.has(id) || mine(id);
  for (const side of SIDES) {
    await eachPartial(store, runId, side, 'certificates', (p) => {
      if (p.stream !== 'certificates') return;
      for (const c of p.certificates) {
        if (!wantCertificate(c.certificateId)) continue;
        const certificate: Certificate = { certificateId: c.certificateId, status: c.status, certificatePem: UNREAD_CERTIFICATE_PEM };
        snapshots[side].certificates.push(certificate);
      }
    });
  }

  // Policies: those attached to a wanted certificate or to a group, and the partition's own. A policy's
  // targets are stored with it, so one pass per side finds them; a policy wanted by the other region's
  // attachments only (attachments differ) is fetched by a second pass, only when there is one.
  const wantAttachment = (a: PolicyAttachment) => (a.target.kind === 'certificate' ? wantCertificate(a.target.certificateId) : true);
  const loaded = { source: new Set<string>(), target: new Set<string>() };
  for (const side of SIDES) {
    const policies: Policy[] = [];
    const attachments: PolicyAttachment[] = [];
    await eachPartial(store, runId, side, 'policies', (p) => {
      if (p.stream !== 'policies') return;
      const wanted = new Set<string>();
      for (const a of p.attachments) {
        if (!wantAttachment(a)) continue;
        attachments.push(a);
        wanted.add(a.policyName);
      }
      for (const policy of p.policies) {
        if (!wanted.has(policy.name) && !mine(policy.name)) continue;
        policies.push(policy);
        loaded[side].add(policy.name);
      }
    });
    snapshots[side].policies = policies;
    snapshots[side].policyAttachments = attachments;
  }
  for (const side of SIDES) {
    const other = side === 'source' ? loaded.target : loaded.source;
    const missing = new Set([...other].filter((name) => !loaded[side].has(name)));
    if (missing.size === 0) continue;
    await eachPartial(store, runId, side, 'policies', (p) => {
      if (p.stream !== 'policies') return;
      for (const policy of p.policies) if (missing.has(policy.name)) snapshots[side].policies.push(policy);
    });
  }

  const { source, target } = snapshots;
  const differences = diff(source, target, { sourceRegion: input.sourceRegion, targetRegion: input.targetRegion, ...(input.accounts ? { accounts: input.accounts } : {}) });
  const devices = deviceReadiness(source, target, differences, input.targetRegion);

  // What this partition owns: counted here and nowhere else.
  const owns = (d: { kind: DifferenceKind; key: string; source?: unknown; target?: unknown }): boolean => {
    if (GLOBAL_KINDS.has(d.kind)) return partition === 0;
    if (d.kind === 'certificate') return mine(d.key);
    if (d.kind === 'policy') return mine(d.key);
    if (d.kind === 'policyAttachment') {
      const a = (d.source ?? d.target) as PolicyAttachment | undefined;
      return a === undefined ? mine(d.key) : ownsAttachment(a);
    }
    return true; // things, memberships, thing principals: only the partition's own things were read
  };
  const ownsAttachment = (a: PolicyAttachment) => (a.target.kind === 'certificate' ? mine(a.target.certificateId) : partition === 0);
  const owned = (s: RegistrySnapshot): RegistrySnapshot => ({
    ...s,
    ...(partition === 0
      ? {}
      : { thingTypes: [], thingGroups: [], caCertificates: [], provisioningTemplates: [], roleAliases: [], indexingConfiguration: undefined }),
    certificates: s.certificates.filter((c) => mine(c.certificateId)),
    policies: s.policies.filter((p) => mine(p.name)),
    policyAttachments: s.policyAttachments.filter(ownsAttachment),
  });
  const [ownedSource, ownedTarget] = [owned(source), owned(target)];
  const counts = Object.fromEntries(
    DIFFERENCE_KINDS.map((kind) => [kind, { source: itemCount(ownedSource, kind), target: itemCount(ownedTarget, kind), missing: 0, different: 0, extra: 0, invalid: 0 }]),
  ) as Record<DifferenceKind, KindCounts>;
  const kept: ReportDifference[] = [];
  for (const d of differences) {
    if (!owns(d)) continue;
    counts[d.kind][d.change] += 1;
    kept.push(reportDifference(d));
  }
  return { counts, readiness: summariseReadiness(devices), devices: devices.filter((d) => d.status !== 'ready'), differences: kept };
}

/**
 * Builds the drift report of a run from its stored chunk results, one partition at a time: the same
 * report as comparing the two whole snapshots, in memory bounded by a partition.
 */
export async function buildPartitionedDriftReport(input: PartitionedDriftInput): Promise<DriftReport> {
  const globals = { source: await globalsOf(input.store, input.runId, 'source'), target: await globalsOf(input.store, input.runId, 'target') };
  const billingGroupsCompared = SIDES.every((side) => globals[side].billingGroups !== null && globals[side].billingGroups !== undefined);
  const partitions = input.partitions ?? defaultPartitions(await thingCount(input.store, input.runId));
  if (!Number.isInteger(partitions) || partitions < 1) throw new InvalidInputError(`partitions: must be a positive integer, got ${partitions}`);

  const byKind = Object.fromEntries(DIFFERENCE_KINDS.map((kind) => [kind, { source: 0, target: 0, missing: 0, different: 0, extra: 0, invalid: 0 }])) as Record<DifferenceKind, KindCounts>;
  const readiness: ReadinessSummary[] = [];
  const devices: DriftReport['devices'] = [];
  const differences: ReportDifference[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const result = await comparePartition(input, globals, billingGroupsCompared, partition, partitions);
    for (const kind of DIFFERENCE_KINDS) for (const field of ['source', 'target', 'missing', 'different', 'extra', 'invalid'] as const) byKind[kind][field] += result.counts[kind][field];
    readiness.push(result.readiness);
    devices.push(...result.devices);
    differences.push(...result.differences);
  }
  // The whole comparison's order: by kind (creation order), then key; the global kinds keep the diff's order.
  const rank = new Map(DIFFERENCE_KINDS.map((kind, i) => [kind, i]));
  const order = differences.map((d, i) => ({ d, i }));
  order.sort((a, b) => {
    const byRank = (rank.get(a.d.kind) ?? 0) - (rank.get(b.d.kind) ?? 0);
    if (byRank !== 0) return byRank;
    if (GLOBAL_KINDS.has(a.d.kind)) return a.i - b.i;
    return a.d.key < b.d.key ? -1 : a.d.key > b.d.key ? 1 : a.i - b.i;
  });
  devices.sort((a, b) => (a.thingName < b.thingName ? -1 : a.thingName > b.thingName ? 1 : 0));
  const notes = [CERTIFICATES_COMPARED_NOTE, ...(billingGroupsCompared ? [] : [BILLING_GROUPS_NOT_COMPARED_NOTE]), ...(input.notes ?? [])];
  return assembleDriftReport(input, { byKind, readiness: mergeReadiness(readiness), devices, differences: order.map((o) => o.d), notes });
}
