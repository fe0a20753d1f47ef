/**
 * The drift report and failover readiness, pure: what differs between the two regions (the typed
 * differences of ./diff, both directions, every kind) and, per device, whether it could connect and work
 * in the target right now (like Route 53 ARC's readiness checks).
 *
 * A device is a thing of the source. It is **ready** when, in the target:
 * - its thing exists and matches (type, attributes, billing group, static group memberships);
 * - each of its ACTIVE source certificates is registered and ACTIVE, and attached to the thing;
 * - each policy those certificates carry — attached to the certificate, or to one of the thing's static
 *   groups or their ancestors — exists with an equivalent document (after the region rewrite) and is
 *   attached the same way (to the certificate; to the group, which the target thing reaches).
 *
 * Differences that do not stop a device connecting (an attachment's exclusive/non-exclusive type, a group's
 * description, an extra policy attachment) are reported as differences but leave the device ready.
 *
 * A device with no ACTIVE certificate in the source is **not applicable**: it cannot connect in the
 * source either, so a failover changes nothing for it. It is listed with the reason "no ACTIVE
 * certificate in source" and left out of the percentage, so that a fully synced fleet with retired or
 * revoked devices reads 100 %: `readinessPercent = ready ÷ (source devices − not applicable)`, 100 when
 * no device is applicable.
 */
import type { RegistrySnapshot, ThingGroup } from './model';
import { DIFFERENCE_KINDS, policyAttachmentKey, thingPrincipalKey, type DifferenceKind } from './keys';
import { diff, type Change, type Difference, type DiffContext, type FieldDifference, type GroupMembershipDifference } from './diff';
import type { QuotaComparison } from './quota-readiness';
import { connectChecker } from './connect-readiness';

/** How ready one device is. */
export type DeviceStatus = 'ready' | 'not-ready' | 'not-applicable';

/** One device's readiness, with the reasons when it is not ready. */
export interface DeviceReadiness {
  thingName: string;
  status: DeviceStatus;
  reasons: string[];
  /** The drill would connect it: its certificates authenticate and a policy allows iot:Connect (lib/core/connect-readiness). */
  connectReady: boolean;
  /** It has every permission it has in the source (status 'ready'). */
  fullyReady: boolean;
  /** Why it would not connect, in the drill's words (only when not connect-ready and applicable). */
  connectReasons?: string[];
}

/** The fleet's readiness. */
export interface ReadinessSummary {
  /** Things in the source. */
  devices: number;
  ready: number;
  notReady: number;
  notApplicable: number;
  /** ready ÷ (devices − notApplicable) × 100, two decimals; 100 when no device is applicable. */
  readinessPercent: number;
  /** Applicable devices that would connect in the target (some may still lack a permission). */
  connectReady?: number;
  /** connectReady ÷ (devices − notApplicable) × 100, two decimals; 100 when no device is applicable. */
  connectReadinessPercent?: number;
}

/** Counts of one kind: items on each side and differences by change. */
export interface KindCounts {
  source: number;
  target: number;
  missing: number;
  different: number;
  extra: number;
  invalid: number;
}

/** One difference as reported: no item bodies (no certificate PEMs), the differing fields with both values. */
export interface ReportDifference {
  kind: DifferenceKind;
  key: string;
  change: Change;
  fields?: FieldDifference[];
  /** A short description: a certificate's status, or why an item is invalid. */
  detail?: string;
}

/** How the regions were read, when known. */
export interface ReadingStats {
  calls: number;
  callsByOperation?: Record<string, number>;
  callsPerDevice?: number;
  wallSeconds?: number;
}

/** A connection drill's result (`iot-registry-sync drill --json`), shown beside the readiness it should agree with. */
export interface DrillOutcome {
  region: string;
  devices: number;
  connected: number;
  refused: { thingName: string; reason: string }[];
}

/** The drift report: one run's comparison of two regions. */
export interface DriftReport {
  reportVersion: 1;
  sourceRegion: string;
  targetRegion: string;
  generatedAt: string;
  /** No difference of any kind. */
  inSync: boolean;
  totals: { differences: number; missing: number; different: number; extra: number; invalid: number };
  byKind: Record<DifferenceKind, KindCounts>;
  readiness: ReadinessSummary;
  /** Devices that are not ready or not applicable, by name. */
  devices: DeviceReadiness[];
  differences: ReportDifference[];
  /** What the read could not compare, and similar caveats. */
  notes: string[];
  reading?: ReadingStats;
  /** Applied IoT Core quotas compared between the regions (./quota-readiness), when read. */
  quotas?: QuotaComparison;
  /** The drill's result, when one ran against the target. */
  drill?: DrillOutcome;
}

/** Input of {@link buildDriftReport}. */
export interface DriftReportInput extends DiffContext {
  source: RegistrySnapshot;
  target: RegistrySnapshot;
  generatedAt: string;
  notes?: string[];
  reading?: ReadingStats;
}

const shortId = (certificateId: string): string => certificateId.slice(0, 12);

/** The static groups `names` and all their ancestors. */
function withAncestors(names: readonly string[], groups: Map<string, ThingGroup>): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    let current: string | undefined = name;
    while (current !== undefined && !out.has(current)) {
      out.add(current);
      const group = groups.get(current);
      current = group?.kind === 'static' ? group.parentName : undefined;
    }
  }
  return out;
}

function describeFields(fields: readonly FieldDifference[] | undefined): string {
  return (fields ?? []).map((f) => f.field).join(', ');
}

/** Indexes of one snapshot that readiness looks things up in. */
function indexOf(snapshot: RegistrySnapshot) {
  const policiesByCertificate = new Map<string, string[]>();
  const policiesByGroup = new Map<string, string[]>();
  for (const a of snapshot.policyAttachments) {
    const map = a.target.kind === 'certificate' ? policiesByCertificate : policiesByGroup;
    const key = a.target.kind === 'certificate' ? a.target.certificateId : a.target.groupName;
    map.set(key, [...(map.get(key) ?? []), a.policyName]);
  }
  const principalsByThing = new Map<string, string[]>();
  for (const a of snapshot.thingPrincipalAttachments) principalsByThing.set(a.thingName, [...(principalsByThing.get(a.thingName) ?? []), a.certificateId]);
  return {
    things: new Map(snapshot.things.map((t) => [t.name, t])),
    groups: new Map(snapshot.thingGroups.map((g) => [g.name, g])),
    certificates: new Map(snapshot.certificates.map((c) => [c.certificateId, c])),
    attachmentKeys: new Set(snapshot.policyAttachments.map(policyAttachmentKey)),
    principalKeys: new Set(snapshot.thingPrincipalAttachments.map(thingPrincipalKey)),
    policiesByCertificate,
    policiesByGroup,
    principalsByThing,
  };
}

/**
 * Each source device's readiness in the target, by thing name. `differences` is `diff(source, target)`;
 * `targetRegion` resolves the target's policy ARNs (default: the region of its first IoT ARN).
 */
export function deviceReadiness(source: RegistrySnapshot, target: RegistrySnapshot, differences: readonly Difference[], targetRegion?: string): DeviceReadiness[] {
  const s = indexOf(source);
  const t = indexOf(target);
  const canConnect = connectChecker(targetRegion ?? regionOfPolicies(target), target);
  const differenceOf = new Map(differences.map((d) => [`${d.kind}|${d.key}`, d]));
  const membershipsOf = new Map<string, GroupMembershipDifference[]>();
  for (const d of differences) {
    if (d.kind !== 'groupMembership') continue;
    const thingName = (d.source ?? d.target)?.thingName as string;
    membershipsOf.set(thingName, [...(membershipsOf.get(thingName) ?? []), d]);
  }
  const policyProblem = (name: string): string | undefined => {
    const d = differenceOf.get(`policy|${name}`);
    if (d === undefined || d.change === 'extra') return undefined;
    if (d.change === 'missing') return `policy ${name} missing in target`;
    if (d.change === 'different') return `policy ${name} document differs in target`;
    return `policy ${name} could not be compared: ${d.error?.message ?? 'invalid'}`;
  };

  return [...source.things]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((thing): DeviceReadiness => {
      const activeCertificates = (s.principalsByThing.get(thing.name) ?? []).filter((id) => s.certificates.get(id)?.status === 'ACTIVE');
      if (activeCertificates.length === 0) {
        return { thingName: thing.name, status: 'not-applicable', reasons: ['no ACTIVE certificate in source'], connectReady: false, fullyReady: false };
      }
      const reasons: string[] = [];
      const thingDifference = differenceOf.get(`thing|${thing.name}`);
      if (thingDifference?.change === 'missing') reasons.push('thing missing in target');
      else if (thingDifference?.change === 'different') reasons.push(`thing differs in target: ${describeFields(thingDifference.fields)}`);
      else if (thingDifference?.change === 'invalid') reasons.push(`thing could not be compared: ${thingDifference.error?.message ?? 'invalid'}`);
      // A missing thing's memberships are missing with it: one reason says it.
      for (const m of thingDifference?.change === 'missing' ? [] : (membershipsOf.get(thing.name) ?? [])) {
        const groupName = (m.source ?? m.target)?.groupName as string;
        reasons.push(m.change === 'missing' ? `not in group ${groupName} in target` : `in extra group ${groupName} in target`);
      }

      for (const certificateId of activeCertificates) {
        const id = shortId(certificateId);
        const targetCertificate = t.certificates.get(certificateId);
        if (targetCertificate === undefined) reasons.push(`certificate ${id} missing in target`);
        else if (targetCertificate.status !== 'ACTIVE') reasons.push(`certificate ${id} is ${targetCertificate.status} in target`);
        if (!t.principalKeys.has(thingPrincipalKey({ thingName: thing.name, certificateId }))) {
          reasons.push(`certificate ${id} not attached to the thing in target`);
        }
        for (const policyName of s.policiesByCertificate.get(certificateId) ?? []) {
          const problem = policyProblem(policyName);
          if (problem !== undefined) reasons.push(problem);
          if (!t.attachmentKeys.has(policyAttachmentKey({ policyName, target: { kind: 'certificate', certificateId } }))) {
            reasons.push(`policy ${policyName} not attached to certificate ${id} in target`);
          }
        }
      }

      // Group policies apply to the thing (whichever certificate it connects with) through its groups and their ancestors.
      const targetThing = t.things.get(thing.name);
      const reachable = withAncestors(targetThing?.groupNames ?? [], t.groups);
      for (const groupName of [...withAncestors(thing.groupNames, s.groups)].sort()) {
        for (const policyName of s.policiesByGroup.get(groupName) ?? []) {
          const problem = policyProblem(policyName);
          if (problem !== undefined) reasons.push(problem);
          if (!t.attachmentKeys.has(policyAttachmentKey({ policyName, target: { kind: 'thingGroup', groupName } }))) {
            reasons.push(`policy ${policyName} not attached to group ${groupName} in target`);
          } else if (targetThing !== undefined && !reachable.has(groupName)) {
            reasons.push(`group ${groupName} (policy ${policyName}) not reached by the thing in target`);
          }
        }
      }
      const connect = canConnect(thing.name, activeCertificates);
      // What the registry comparison calls harmless (an extra attachment) can still stop it connecting: an extra Deny.
      if (reasons.length === 0 && !connect.connectReady) reasons.push(...connect.reasons.map((r) => `cannot connect in target: ${r}`));
      const unique = [...new Set(reasons)];
      return {
        thingName: thing.name,
        status: unique.length === 0 ? 'ready' : 'not-ready',
        reasons: unique,
        connectReady: connect.connectReady,
        fullyReady: unique.length === 0,
        ...(connect.connectReady ? {} : { connectReasons: connect.reasons }),
      };
    });
}

/** Sums device readiness up. */
export function summariseReadiness(devices: readonly DeviceReadiness[]): ReadinessSummary {
  const count = (status: DeviceStatus) => devices.filter((d) => d.status === status).length;
  const ready = count('ready');
  const notReady = count('not-ready');
  const notApplicable = count('not-applicable');
  const applicable = devices.length - notApplicable;
  const readinessPercent = applicable === 0 ? 100 : Math.round((ready / applicable) * 10_000) / 100;
  const connectReady = devices.filter((d) => d.status !== 'not-applicable' && d.connectReady).length;
  const connectReadinessPercent = applicable === 0 ? 100 : Math.round((connectReady / applicable) * 10_000) / 100;
  return { devices: devices.length, ready, notReady, notApplicable, readinessPercent, connectReady, connectReadinessPercent };
}

/** Adds up the readiness of disjoint sets of devices (the partitions of one fleet), percentages recomputed. */
export function mergeReadiness(parts: readonly ReadinessSummary[]): ReadinessSummary {
  const sum = (field: 'devices' | 'ready' | 'notReady' | 'notApplicable' | 'connectReady') => parts.reduce((n, p) => n + (p[field] ?? 0), 0);
  const [devices, ready, notReady, notApplicable, connectReady] = [sum('devices'), sum('ready'), sum('notReady'), sum('notApplicable'), sum('connectReady')];
  const applicable = devices - notApplicable;
  const percent = (n: number) => (applicable === 0 ? 100 : Math.round((n / applicable) * 10_000) / 100);
  return { devices, ready, notReady, notApplicable, readinessPercent: percent(ready), connectReady, connectReadinessPercent: percent(connectReady) };
}

/** The region of the first IoT ARN in a snapshot's policies ('unknown' when none names one). */
function regionOfPolicies(snapshot: RegistrySnapshot): string {
  for (const p of snapshot.policies) {
    const m = /arn:aws[a-z-]*:iot:([a-z0-9-]+):\d{12}:/.exec(p.document);
    if (m) return m[1] as string;
  }
  return 'unknown';
}

const SNAPSHOT_FIELD: Record<Exclude<DifferenceKind, 'groupMembership' | 'indexingConfiguration'>, keyof RegistrySnapshot> = {
  thingType: 'thingTypes',
  thingGroup: 'thingGroups',
  policy: 'policies',
  provisioningTemplate: 'provisioningTemplates',
  roleAlias: 'roleAliases',
  caCertificate: 'caCertificates',
  certificate: 'certificates',
  thing: 'things',
  thingPrincipalAttachment: 'thingPrincipalAttachments',
  policyAttachment: 'policyAttachments',
};

/** How many items of a kind a snapshot holds (a report's per-kind source and target counts). */
export function itemCount(snapshot: RegistrySnapshot, kind: DifferenceKind): number {
  if (kind === 'groupMembership') return snapshot.things.reduce((n, t) => n + t.groupNames.length, 0);
  if (kind === 'indexingConfiguration') return snapshot.indexingConfiguration === undefined ? 0 : 1;
  return (snapshot[SNAPSHOT_FIELD[kind]] as readonly unknown[] | undefined)?.length ?? 0;
}

/** A difference without item bodies. */
export function reportDifference(d: Difference): ReportDifference {
  const out: ReportDifference = { kind: d.kind, key: d.key, change: d.change };
  if (d.fields !== undefined && d.fields.length > 0) out.fields = d.fields;
  if (d.change === 'invalid' && d.error !== undefined) out.detail = `${d.error.side}: ${d.error.message}`;
  else if (d.kind === 'certificate' && d.change !== 'different') out.detail = `status ${(d.source ?? d.target)?.status ?? 'unknown'}`;
  return out;
}

/** Compares the two snapshots and builds the report: every difference, counts per kind, readiness per device. */
export function buildDriftReport(input: DriftReportInput): DriftReport {
  const context = { sourceRegion: input.sourceRegion, targetRegion: input.targetRegion, accounts: input.accounts };
  const differences = diff(input.source, input.target, context);
  const devices = deviceReadiness(input.source, input.target, differences, input.targetRegion);
  const byKind = Object.fromEntries(
    DIFFERENCE_KINDS.map((kind) => [
      kind,
      { source: itemCount(input.source, kind), target: itemCount(input.target, kind), missing: 0, different: 0, extra: 0, invalid: 0 },
    ]),
  ) as Record<DifferenceKind, KindCounts>;
  for (const d of differences) byKind[d.kind][d.change] += 1;
  return assembleDriftReport(input, {
    byKind,
    readiness: summariseReadiness(devices),
    devices: devices.filter((d) => d.status !== 'ready'),
    differences: differences.map(reportDifference),
    notes: input.notes ?? [],
    ...(input.reading === undefined ? {} : { reading: input.reading }),
  });
}

/** A report from its parts (the whole comparison's or the partitioned one's): the header, and the totals counted from the differences. */
export function assembleDriftReport(
  header: Pick<DriftReportInput, 'sourceRegion' | 'targetRegion' | 'generatedAt'>,
  parts: Pick<DriftReport, 'byKind' | 'readiness' | 'devices' | 'differences' | 'notes' | 'reading'>,
): DriftReport {
  const totals = { differences: parts.differences.length, missing: 0, different: 0, extra: 0, invalid: 0 };
  for (const d of parts.differences) totals[d.change] += 1;
  return {
    reportVersion: 1,
    sourceRegion: header.sourceRegion,
    targetRegion: header.targetRegion,
    generatedAt: header.generatedAt,
    inSync: parts.differences.length === 0,
    totals,
    byKind: parts.byKind,
    readiness: parts.readiness,
    devices: parts.devices,
    differences: parts.differences,
    notes: parts.notes,
    ...(parts.reading === undefined ? {} : { reading: parts.reading }),
  };
}

/** The process exit code of a drift check: 0 in sync, 2 differences found (as `terraform plan -detailed-exitcode`). */
export function driftExitCode(report: Pick<DriftReport, 'inSync'>): number {
  return report.inSync ? 0 : 2;
}

/** The compact summary of a report: the detail of the "Registry Drift Report" event. */
export interface DriftSummary {
  sourceRegion: string;
  targetRegion: string;
  generatedAt: string;
  inSync: boolean;
  differences: number;
  differencesByKind: Partial<Record<DifferenceKind, number>>;
  readiness: ReadinessSummary;
}

/** The summary of a report (small enough for an event or a state's output). */
export function summariseDriftReport(report: DriftReport): DriftSummary {
  const differencesByKind: Partial<Record<DifferenceKind, number>> = {};
  for (const kind of DIFFERENCE_KINDS) {
    const c = report.byKind[kind];
    const n = c.missing + c.different + c.extra + c.invalid;
    if (n > 0) differencesByKind[kind] = n;
  }
  return {
    sourceRegion: report.sourceRegion,
    targetRegion: report.targetRegion,
    generatedAt: report.generatedAt,
    inSync: report.inSync,
    differences: report.totals.differences,
    differencesByKind,
    readiness: report.readiness,
  };
}
