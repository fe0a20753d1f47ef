/**
 * The re-run of a fleet that is already (mostly) converged, read through lists first: both regions are
 * read the way the drift report reads them (`../drift-read`: listings with the largest pages, a call per
 * device only where AWS has no listing), compared, and only what differs is read in full and converged.
 * A converged fleet then costs the drift read's calls and no write, instead of a describe of every
 * resource. The drift read compares certificates by ID and status (the ID is the SHA-256 of the DER), so
 * a certificate whose CA alone differs is not seen here; the streaming reconcile does see it.
 */
import { diff, type Difference } from '../diff';
import { loadDriftSnapshots, memoryDriftStore, readDriftRun, type DriftListings, type ThingSummary } from '../drift-read';
import type { Page } from '../port';
import { mapWithConcurrency } from '../concurrency';
import type { ResourceRef } from '../resource-ref';
import { addReport, convergeRefs, emptyReport, reconcileGlobals, reconcileThingPage, withReruns, type RunContext, type UnitReport } from './engine';

/** The drift listings of both regions. */
export interface ReconcileListings {
  source: DriftListings;
  target: DriftListings;
}

/** What a lists-first pass found and did. */
export interface ListsFirstReport extends UnitReport {
  /** Differences the lists showed (before converging). */
  listedDifferences: number;
  /** Source things (all of them were compared). */
  sourceThings: number;
}

const GLOBAL = new Set(['thingType', 'thingGroup', 'caCertificate']);

/** Where one difference is converged: its thing, its certificate, its policy, or the globals. */
function workOf(d: Difference, thingsOfCertificate: Map<string, string[]>): { thing?: string; certificate?: string; policy?: string; globals?: true } {
  const item = (d.source ?? d.target) as Record<string, unknown> | undefined;
  switch (d.kind) {
    case 'thing':
      return { thing: d.key };
    case 'groupMembership':
      return { thing: d.key.split('|')[0]! };
    case 'thingPrincipalAttachment':
      return { thing: String(item?.thingName) };
    case 'certificate': {
      const things = thingsOfCertificate.get(d.key);
      return things?.length ? { thing: things[0]! } : { certificate: d.key };
    }
    case 'policy':
      return { policy: d.key };
    case 'policyAttachment': {
      const target = item?.target as { kind: string; certificateId?: string } | undefined;
      if (target?.kind !== 'certificate') return { globals: true };
      const things = thingsOfCertificate.get(target.certificateId!);
      return things?.length ? { thing: things[0]! } : { certificate: target.certificateId! };
    }
    default:
      return GLOBAL.has(d.kind) ? { globals: true } : {};
  }
}

/**
 * Reads both regions through their listings, diffs, and converges only the things, certificates,
 * policies and globals that differ (retain mode: what only the target has is reported, not deleted).
 */
export async function reconcileListsFirst(ctx: RunContext, listings: ReconcileListings, pagesInFlight: number, attempts = 3): Promise<ListsFirstReport> {
  const store = memoryDriftStore();
  const runId = 'reconcile';
  await readDriftRun(runId, {
    regions: { source: { reader: ctx.source, listings: listings.source }, target: { reader: ctx.target.reader, listings: listings.target } },
    store,
    concurrency: ctx.concurrency,
  });
  const { source, target } = await loadDriftSnapshots(store, runId);
  const differences = diff(source, target, { sourceRegion: ctx.sourceRegion, targetRegion: ctx.targetRegion });
  const thingsOfCertificate = new Map<string, string[]>();
  for (const a of source.thingPrincipalAttachments) thingsOfCertificate.set(a.certificateId, [...(thingsOfCertificate.get(a.certificateId) ?? []), a.thingName]);

  const things = new Set<string>();
  const certificates = new Set<string>();
  const policies = new Set<string>();
  let globals = false;
  const report = emptyReport();
  for (const d of differences) {
    if (d.change === 'extra' && !d.parentInSource) {
      // Retain mode keeps what only the target has; counted, as the streaming reconcile counts it.
      report.totals.skipped += 1;
      continue;
    }
    const work = workOf(d, thingsOfCertificate);
    if (work.thing !== undefined) things.add(work.thing);
    if (work.certificate !== undefined) certificates.add(work.certificate);
    if (work.policy !== undefined) policies.add(work.policy);
    if (work.globals) globals = true;
  }
  if (globals) addReport(report, await withReruns(attempts, () => reconcileGlobals(ctx, false, 'retain'), ctx.details));
  if (policies.size > 0) addReport(report, await ctx.policies.ensure([...policies]));
  if (certificates.size > 0) {
    const refs = [...certificates].flatMap((certificateId): ResourceRef[] => [
      { kind: 'certificate', certificateId },
      { kind: 'policyAttachments', target: { kind: 'certificate', certificateId } },
    ]);
    addReport(report, await withReruns(attempts, () => convergeRefs(ctx, refs, 'retain'), ctx.details));
  }
  const names = [...things];
  const pages: string[][] = [];
  for (let i = 0; i < names.length; i += ctx.settings.pageSize) pages.push(names.slice(i, i + ctx.settings.pageSize));
  const reports = await mapWithConcurrency(pages, pagesInFlight, (page) => withReruns(attempts, () => reconcileThingPage(ctx, page), ctx.details));
  for (const r of reports) addReport(report, r);
  // Deprecations wait for the things (AWS refuses a new thing of a deprecated type), as in the `final` stage.
  if (globals) addReport(report, await withReruns(attempts, () => reconcileGlobals(ctx, true, 'retain'), ctx.details));
  report.totals.things = source.things.length;
  return { ...report, listedDifferences: differences.length, sourceThings: source.things.length };
}

/**
 * Whether a run should read through lists first: the first listing page of the target holds at least
 * half as many things as the source's (a re-run). Into an empty target the streaming reconcile is
 * cheaper: it reads each source thing once, where the lists would read the source twice.
 */
export async function looksConverged(listings: ReconcileListings): Promise<{ converged: boolean; listings: ReconcileListings }> {
  const [s, t] = await Promise.all([listings.source.listThings(), listings.target.listThings()]);
  return {
    converged: s.items.length > 0 && t.items.length * 2 >= s.items.length,
    // The drift read starts with the same pages: it gets them from here instead of listing them again.
    listings: { source: withFirstPage(listings.source, s), target: withFirstPage(listings.target, t) },
  };
}

/** The listings, answering the first ListThings page from `first` once. */
function withFirstPage(listings: DriftListings, first: Page<ThingSummary>): DriftListings {
  let unused = true;
  const wrapped: DriftListings = Object.create(listings) as DriftListings;
  wrapped.listThings = async (nextToken) => {
    if (nextToken === undefined && unused) {
      unused = false;
      return first;
    }
    return listings.listThings(nextToken);
  };
  return wrapped;
}
