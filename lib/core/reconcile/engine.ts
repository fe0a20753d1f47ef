/**
 * The streaming reconcile's units of work, pure over the registry port: one page of things, the
 * global resources, a chunk of a listing. Each unit reads both regions for exactly its scope, diffs,
 * plans and applies, and returns counts, never the items: memory stays bounded by the page. The
 * in-process driver (`./run`) and the Step Functions Lambdas run the same units.
 */
import { diff, type Difference } from '../diff';
import { apply, type ApplyResult, type Outcome } from '../apply';
import { plan, type Operation, type Plan } from '../plan';
import { accountRewrite, type AccountRewrite } from '../policy-document';
import { RERUNNABLE_ERROR_NAMES } from '../errors';
import { mapWithConcurrency } from '../concurrency';
import { silentLogger, type Logger } from '../logger';
import { emptySnapshot, type PolicyTarget, type RegistrySnapshot, type Thing } from '../model';
import type { Page, RegistryReader, SyncTarget } from '../port';
import { massDeleteRefusal, type DeleteMode } from '../safety';
import { failureRecordOf } from '../failure-record';
import { mergeSnapshots, readResources, supportingRefs } from '../scope';
import type { ResourceRef } from '../resource-ref';
import { refKey, uniqueRefs, type DifferenceKind } from '../keys';
import {
  addTotals,
  copyTotals,
  emptyTotals,
  extraRefs,
  isWholeFleet,
  MAX_FAILURE_RECORDS,
  type ReconcileCursor,
  type ReconcileScope,
  type ReconcileSettings,
  type ReconcileTotals,
} from './settings';

/** Kinds the `globals` and `final` stages converge; a page leaves them alone. */
const GLOBAL_KINDS: ReadonlySet<DifferenceKind> = new Set(['thingType', 'thingGroup', 'caCertificate', 'provisioningTemplate', 'roleAlias', 'indexingConfiguration']);

/** What a unit found and did, with whether re-running it may fix its failures. */
export interface UnitReport {
  totals: ReconcileTotals;
  /** Some failure is re-runnable (throttled, transient, a concurrent writer, a dependency in flight). */
  rerunnable: boolean;
}

/** Everything a reconcile found and did, item by item (kept only when a caller asks, e.g. small fleets and tests). */
export interface ReconcileDetails {
  differences: Difference[];
  operations: Operation[];
  skipped: Plan['skipped'];
  invalid: Plan['invalid'];
  outcomes: Outcome[];
}

/** Settings and collaborators of one run, shared by its units. */
export interface RunContext {
  source: RegistryReader;
  target: SyncTarget;
  settings: ReconcileSettings;
  sourceRegion: string;
  targetRegion: string;
  /** Set when the target registry is in another account (policy ARNs move to it). */
  accounts: AccountRewrite | undefined;
  /** Reads and writes in flight at once inside one unit. */
  concurrency: number;
  logger: Logger;
  policies: PolicyConvergence;
  /** Source certificate IDs this process has converged (skips per-item checks of later stages). */
  seenCertificates: Set<string>;
  /** When set, every difference, operation and outcome is appended here. */
  details?: ReconcileDetails;
  /** Listings without tokens (certificates, policies), kept open across units in one process. */
  listings: Map<string, OpenListing<unknown>>;
  /**
   * Both regions' reads of a thing type or CA certificate, once per run: a thing's diff needs them as
   * context only (the `globals` stage converged them before the first thing), so each is read once, not
   * once per thing.
   */
  contextReads: Map<string, Promise<[RegistrySnapshot, RegistrySnapshot]>>;
}

/** Options of {@link createRunContext}. */
export interface RunContextOptions {
  sourceRegion?: string;
  targetRegion?: string;
  concurrency?: number;
  logger?: Logger;
  collectDetails?: boolean;
}

/** A run's context over two registries. */
export function createRunContext(source: RegistryReader, target: SyncTarget, settings: ReconcileSettings, options: RunContextOptions = {}): RunContext {
  const ctx: RunContext = {
    source,
    target,
    settings,
    sourceRegion: options.sourceRegion ?? source.region,
    targetRegion: options.targetRegion ?? target.reader.region,
    accounts: accountRewrite(source.accountId, target.reader.accountId),
    concurrency: options.concurrency ?? 16,
    logger: options.logger ?? silentLogger,
    policies: undefined as unknown as PolicyConvergence,
    seenCertificates: new Set(),
    listings: new Map(),
    contextReads: new Map(),
    ...(options.collectDetails ? { details: { differences: [], operations: [], skipped: [], invalid: [], outcomes: [] } } : {}),
  };
  ctx.policies = new PolicyConvergence(ctx);
  return ctx;
}

/** What diff and plan need to rewrite policy ARNs from the source to the target. */
function rewriteScope(ctx: RunContext) {
  return { sourceRegion: ctx.sourceRegion, targetRegion: ctx.targetRegion, accounts: ctx.accounts };
}

// ------------------------------------------------------------------------------------------ reports


/** Adds one unit's report to another (in place). */
export function addReport(into: UnitReport, more: UnitReport): UnitReport {
  addTotals(into.totals, more.totals);
  into.rerunnable ||= more.rerunnable;
  return into;
}

/** A report of nothing. */
export function emptyReport(): UnitReport {
  return { totals: emptyTotals(), rerunnable: false };
}

/**
 * Diffs two snapshots, plans, and applies unless the run is a dry run. `keep` filters the differences
 * (a page leaves global kinds alone); `drop` removes planned operations (deferred deprecations).
 */
async function converge(
  ctx: RunContext,
  source: RegistrySnapshot,
  target: RegistrySnapshot,
  options: { deleteMode: DeleteMode; keep?: (d: Difference) => boolean; drop?: (op: Operation) => boolean },
): Promise<UnitReport> {
  const all = diff(source, target, rewriteScope(ctx));
  const differences = options.keep ? all.filter(options.keep) : all;
  // The run-wide guard decides on deletes before any is planned, so each unit's plan may delete.
  const p = plan(differences, { ...rewriteScope(ctx), deleteMode: options.deleteMode, allowMassDelete: true });
  if (options.drop) p.operations = p.operations.filter((op) => !options.drop!(op));
  const totals = emptyTotals();
  totals.differences = differences.length;
  totals.operations = p.operations.length;
  totals.invalid = p.invalid.length;
  let outcomes: Outcome[] = [];
  if (ctx.settings.dryRun) {
    totals.skipped = p.skipped.length;
  } else if (p.operations.length > 0 || p.skipped.length > 0 || p.invalid.length > 0) {
    const applied: ApplyResult = await apply(p, ctx.target, { concurrency: ctx.concurrency, logger: ctx.logger });
    outcomes = applied.outcomes;
    Object.assign(totals, {
      created: applied.totals.created,
      updated: applied.totals.updated,
      deleted: applied.totals.deleted,
      skipped: applied.totals.skipped,
      failed: applied.totals.failed,
    });
    for (const [kind, k] of Object.entries(applied.summary)) if (k) totals.byKind[kind] = [k.created, k.updated, k.deleted, k.skipped, k.failed];
  }
  const failed = outcomes.filter((o) => o.status === 'failed');
  totals.failures = failed.slice(0, MAX_FAILURE_RECORDS).map(failureRecordOf);
  if (ctx.details) {
    ctx.details.differences.push(...differences);
    ctx.details.operations.push(...p.operations);
    ctx.details.skipped.push(...p.skipped);
    ctx.details.invalid.push(...p.invalid);
    ctx.details.outcomes.push(...outcomes);
  }
  return { totals, rerunnable: failed.some((o) => RERUNNABLE_ERROR_NAMES.includes(o.errorName ?? '')) };
}

/** Reads the same refs in both regions at once. */
async function readBoth(ctx: RunContext, refs: ResourceRef[]): Promise<[RegistrySnapshot, RegistrySnapshot]> {
  if (refs.length === 0) return [emptySnapshot(), emptySnapshot()];
  const read = { concurrency: ctx.concurrency };
  return Promise.all([readResources(ctx.source, refs, read), readResources(ctx.target.reader, refs, read)]);
}

const certTarget = (certificateId: string): PolicyTarget => ({ kind: 'certificate', certificateId });

// ------------------------------------------------------------------------------------------ policies

/**
 * Converges each policy once per run (single flight): pages that share a policy wait for the one
 * convergence instead of racing to create it. Remembers whether each policy exists in the source, which
 * spares the later stages a call per policy.
 */
export class PolicyConvergence {
  private readonly inSource = new Map<string, Promise<boolean>>();

  constructor(private readonly ctx: RunContext) {}

  /** Whether the policy is known to exist in the source (`undefined`: not converged by this run). */
  async known(name: string): Promise<boolean | undefined> {
    const pending = this.inSource.get(name);
    return pending === undefined ? undefined : pending;
  }

  /** Converges the policies not converged yet, waits for those in flight; reports what it did itself. */
  async ensure(names: readonly string[]): Promise<UnitReport> {
    const fresh = [...new Set(names)].filter((n) => !this.inSource.has(n));
    let own: Promise<{ report: UnitReport; present: Set<string>; retry: Set<string> }> | undefined;
    if (fresh.length > 0) {
      own = this.converge(fresh);
      for (const name of fresh) this.inSource.set(name, own.then((r) => r.present.has(name)));
      // A policy that failed for a re-runnable reason is forgotten, so a later page (or a retry) converges it again.
      void own.then((r) => r.retry.forEach((name) => this.inSource.delete(name)), () => fresh.forEach((name) => this.inSource.delete(name)));
    }
    await Promise.all(names.map((n) => this.inSource.get(n)));
    return own ? (await own).report : emptyReport();
  }

  private async converge(names: string[]) {
    const refs: ResourceRef[] = names.map((name) => ({ kind: 'policy', name }));
    const [s, t] = await readBoth(this.ctx, refs);
    const report = await converge(this.ctx, s, t, { deleteMode: 'retain' });
    const retry = new Set(this.ctx.settings.dryRun ? [] : report.totals.failures.filter((f) => RERUNNABLE_ERROR_NAMES.includes(f.errorName)).map((f) => f.key));
    return { report, present: new Set(s.policies.map((p) => p.name)), retry };
  }
}

// ------------------------------------------------------------------------------------------ globals

/** Types, groups, CA certificates and the policies attached to static groups, of one region. */
async function readGlobals(reader: RegistryReader, concurrency: number): Promise<RegistrySnapshot> {
  const s = emptySnapshot();
  for await (const t of reader.listThingTypes()) s.thingTypes.push(t);
  for await (const g of reader.listThingGroups()) s.thingGroups.push(g);
  for await (const ca of reader.listCaCertificates()) s.caCertificates.push(ca);
  s.provisioningTemplates = [];
  for await (const t of reader.listProvisioningTemplates()) s.provisioningTemplates.push(t);
  s.roleAliases = [];
  for await (const a of reader.listRoleAliases()) s.roleAliases.push(a);
  s.indexingConfiguration = await reader.getIndexingConfiguration();
  const names = s.thingGroups.filter((g) => g.kind === 'static').map((g) => g.name);
  const lists = await mapWithConcurrency(names, concurrency, (groupName) => reader.listAttachedPolicies({ kind: 'thingGroup', groupName }));
  names.forEach((groupName, i) => {
    for (const policyName of lists[i] ?? []) s.policyAttachments.push({ policyName, target: { kind: 'thingGroup', groupName } });
  });
  return s;
}

/**
 * The global resources: types, groups (parents first), CA certificates, group policy attachments and
 * the policies they name. At the start of a run (`final` false) nothing is deleted and deprecations wait
 * for the things (AWS refuses a new thing of a deprecated type); the `final` pass applies them, and in
 * mirror mode deletes what only the target has. Returns the number of global extras (for the guard).
 */
export async function reconcileGlobals(ctx: RunContext, final: boolean, deleteMode: DeleteMode): Promise<UnitReport & { extras: number }> {
  const [s, t] = await Promise.all([readGlobals(ctx.source, ctx.concurrency), readGlobals(ctx.target.reader, ctx.concurrency)]);
  const policies = await ctx.policies.ensure([...s.policyAttachments, ...t.policyAttachments].map((a) => a.policyName));
  const report = await converge(ctx, s, t, {
    deleteMode: final ? deleteMode : 'retain',
    ...(final ? {} : { drop: (op: Operation) => op.type === 'setThingTypeDeprecated' && op.deprecated }),
  });
  const extras = diff(s, t, rewriteScope(ctx)).filter(
    (d) => d.change === 'extra' && GLOBAL_KINDS.has(d.kind),
  ).length;
  return { ...addReport(report, policies), extras };
}

// ------------------------------------------------------------------------------------------ things

/** Lists one page of the things in scope (prefix applied here as well: group listings cannot filter). */
export async function listScoped(reader: RegistryReader, scope: ReconcileScope, token?: string): Promise<Page<string>> {
  const page =
    scope.thingGroup !== undefined
      ? await reader.listThingNamesInGroup(scope.thingGroup, token)
      : await reader.listThingNames(
          {
            ...(scope.thingType === undefined ? {} : { thingTypeName: scope.thingType }),
            ...(scope.namePrefix === undefined ? {} : { namePrefix: scope.namePrefix }),
            ...(scope.attribute === undefined ? {} : { attribute: scope.attribute }),
          },
          token,
        );
  const prefix = scope.namePrefix;
  return prefix === undefined ? page : { ...page, items: page.items.filter((n) => n.startsWith(prefix)) };
}

/** Whether a thing (as its region holds it) is in scope. */
export function inScope(thing: Thing, scope: ReconcileScope): boolean {
  return (
    (scope.namePrefix === undefined || thing.name.startsWith(scope.namePrefix)) &&
    (scope.thingType === undefined || thing.thingTypeName === scope.thingType) &&
    (scope.thingGroup === undefined || thing.groupNames.includes(scope.thingGroup)) &&
    (scope.attribute === undefined || thing.attributes[scope.attribute.name] === scope.attribute.value)
  );
}

/** The context refs (thing types, CA certificates) read once per run and shared by every thing. */
async function readContext(ctx: RunContext, refs: ResourceRef[]): Promise<[RegistrySnapshot, RegistrySnapshot]> {
  const reads = refs.map((ref) => {
    const key = refKey(ref);
    let pending = ctx.contextReads.get(key);
    if (pending === undefined) {
      pending = readBoth(ctx, [ref]);
      ctx.contextReads.set(key, pending);
      // A failed read is forgotten so the page's re-run reads it again.
      pending.catch(() => ctx.contextReads.delete(key));
    }
    return pending;
  });
  const both = await Promise.all(reads);
  return [mergeSnapshots(...both.map((b) => b[0])), mergeSnapshots(...both.map((b) => b[1]))];
}

/**
 * One page of things, converged with everything they reach: in both regions, each thing with its
 * static groups and principals, then its certificates with their attached policies, then those
 * policies (once per run, see {@link PolicyConvergence}); then, for the diff's context only (globals
 * are the `globals` stage's), the things' types and the certificates' CAs (once per run). Each thing
 * forms its own chain of reads, diff, plan and writes, so a thing whose reads are done is written at
 * once while others are still being read: every per-device API, read or write, has calls queued all the
 * time, even with a single page in flight. A certificate two things share is registered by both
 * chains; registering an existing certificate with the same ID counts as done (the adapter), as it
 * already did across pages. Deletes of top-level resources never happen here.
 */
export async function reconcileThingPage(ctx: RunContext, names: readonly string[]): Promise<UnitReport> {
  const reports = await Promise.all(
    names.map(async (name) => {
      const [s1, t1] = await readBoth(ctx, [
        { kind: 'thing', name },
        { kind: 'thingPrincipals', thingName: name },
      ]);
      const certIds = [...new Set([...s1.thingPrincipalAttachments, ...t1.thingPrincipalAttachments].map((a) => a.certificateId))];
      const [s2, t2] = await readBoth(
        ctx,
        certIds.flatMap((id): ResourceRef[] => [{ kind: 'certificate', certificateId: id }, { kind: 'policyAttachments', target: certTarget(id) }]),
      );
      for (const c of s2.certificates) ctx.seenCertificates.add(c.certificateId);
      const policies = await ctx.policies.ensure([...s2.policyAttachments, ...t2.policyAttachments].map((a) => a.policyName));
      const source = mergeSnapshots(s1, s2);
      const target = mergeSnapshots(t1, t2);
      const [s3, t3] = await readContext(
        ctx,
        uniqueRefs([
          ...source.things.flatMap((t): ResourceRef[] => (t.thingTypeName === undefined ? [] : [{ kind: 'thingType', name: t.thingTypeName }])),
          ...source.certificates.flatMap((c): ResourceRef[] => (c.caCertificateId === undefined ? [] : [{ kind: 'caCertificate', certificateId: c.caCertificateId }])),
        ]),
      );
      const report = await converge(ctx, mergeSnapshots(source, s3), mergeSnapshots(target, t3), {
        deleteMode: 'retain',
        keep: (d) => !GLOBAL_KINDS.has(d.kind),
        // Undeprecating around an association is kept; deprecating again waits for the `final` stage, so
        // concurrent things never deprecate a type another thing is still associating.
        drop: (op) => op.type === 'setThingTypeDeprecated' && op.deprecated,
      });
      return addReport(report, policies);
    }),
  );
  const report = reports.reduce(addReport, emptyReport());
  report.totals.things = names.length;
  report.totals.pages = 1;
  return report;
}

/**
 * Layer 2 of the three retry layers: owns state races (docs/retries.md).
 *
 * Runs a unit up to `attempts` times while its failures are re-runnable (state-based: a re-run only
 * does what is still missing); a re-runnable error thrown by a read is retried the same way, and
 * rethrown after the last attempt. Writes of every attempt count; failures and skips only of the last.
 */
export async function withReruns(attempts: number, unit: () => Promise<UnitReport>, details?: ReconcileDetails): Promise<UnitReport> {
  const written = emptyReport();
  for (let attempt = 1; ; attempt += 1) {
    const mark = details?.outcomes.length ?? 0;
    let report: UnitReport;
    try {
      report = await unit();
    } catch (error) {
      if (attempt >= attempts || !(error instanceof Error) || !RERUNNABLE_ERROR_NAMES.includes(error.name)) throw error;
      continue;
    }
    if (!report.rerunnable || attempt >= attempts) {
      addTotals(report.totals, written.totals);
      return report;
    }
    const t = report.totals;
    addTotals(written.totals, {
      ...emptyTotals(),
      created: t.created,
      updated: t.updated,
      deleted: t.deleted,
      byKind: Object.fromEntries(Object.entries(t.byKind).map(([k, v]) => [k, [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0, 0, 0]])),
    });
    // Keep only what succeeded of an attempt that is re-run: its failures are decided by the next one.
    if (details) details.outcomes.splice(mark, details.outcomes.length - mark, ...details.outcomes.slice(mark).filter((o) => o.status === 'ok'));
  }
}

/** Converges arbitrary refs in both regions (the extras, the unattached), with what their sync needs. */
export async function convergeRefs(ctx: RunContext, refs: ResourceRef[], deleteMode: DeleteMode): Promise<UnitReport> {
  const scope = uniqueRefs(refs);
  let [s, t] = await readBoth(ctx, scope);
  const more = await supportingRefs(ctx.target.reader, s, t, deleteMode);
  // Converging (retain): the attached policies must exist. Deleting (mirror): only the attachments go.
  const policyNames = deleteMode === 'retain' ? [...s.policyAttachments, ...t.policyAttachments].map((a) => a.policyName) : [];
  if (more.length > 0) {
    const [s2, t2] = await readBoth(ctx, more);
    s = mergeSnapshots(s, s2);
    t = mergeSnapshots(t, t2);
  }
  const policies = await ctx.policies.ensure(policyNames);
  return addReport(await converge(ctx, s, t, { deleteMode, keep: deleteMode === 'retain' ? (d) => !GLOBAL_KINDS.has(d.kind) : undefined }), policies);
}

// ------------------------------------------------------------------------------------------ listings

/** A listing without tokens (certificates, policies), resumable by offset, kept open across units. */
export interface OpenListing<T> {
  offset: number;
  iterator: AsyncIterator<T>;
}

/** The next `count` items of a token-less listing from `offset` (re-listing and skipping when not open). */
async function takeFrom<T>(ctx: RunContext, key: string, list: () => AsyncIterable<T>, offset: number, count: number): Promise<{ items: T[]; done: boolean }> {
  let open = ctx.listings.get(key) as OpenListing<T> | undefined;
  if (open === undefined || open.offset !== offset) {
    open = { offset: 0, iterator: list()[Symbol.asyncIterator]() };
    for (; open.offset < offset; open.offset += 1) if ((await open.iterator.next()).done) return { items: [], done: true };
  }
  const items: T[] = [];
  let done = false;
  while (items.length < count) {
    const next = await open.iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    items.push(next.value);
  }
  open.offset += items.length;
  if (done) ctx.listings.delete(key);
  else ctx.listings.set(key, open as OpenListing<unknown>);
  return { items, done };
}

// ------------------------------------------------------------------------------------------ stages

/** The stage after `stage` for these settings (stages that do not apply are skipped). */
export function nextStage(stage: ReconcileCursor['stage'], settings: ReconcileSettings): ReconcileCursor['stage'] {
  const whole = isWholeFleet(settings.scope);
  const mirror = settings.deleteMode === 'mirror';
  const applies: Record<ReconcileCursor['stage'], boolean> = {
    count: mirror,
    globals: true,
    things: true,
    'unattached-certificates': whole,
    'unattached-policies': whole,
    'scan-things': mirror || !whole,
    'scan-certificates': mirror && whole,
    'scan-policies': mirror && whole,
    delete: mirror,
    final: true,
    done: true,
  };
  const order = Object.keys(applies) as ReconcileCursor['stage'][];
  for (let i = order.indexOf(stage) + 1; i < order.length; i += 1) {
    const candidate = order[i]!;
    if (applies[candidate]) return candidate;
  }
  return 'done';
}

function moveTo(cursor: ReconcileCursor, stage: ReconcileCursor['stage'], settings: ReconcileSettings): ReconcileCursor {
  const { token: _token, ...rest } = cursor;
  const next = { ...rest, stage, offset: 0 };
  if (stage === 'delete' && !next.refused) {
    // The run-wide mass-delete guard: every extra of the run counted, before the first delete.
    const refused = massDeleteRefusal(next.extras.count, next.targetThingCount ?? 0, settings.massDelete, settings.allowMassDelete);
    if (refused) {
      return { ...next, refused: true, extras: { count: next.extras.count, refs: [] }, totals: { ...next.totals, skipped: next.totals.skipped + next.extras.count, refused } };
    }
  }
  return next;
}

/** Advances past the current stage (used when a stage has nothing more to do). */
export function finishStage(cursor: ReconcileCursor, settings: ReconcileSettings): ReconcileCursor {
  return moveTo(cursor, nextStage(cursor.stage, settings), settings);
}

/** How many extras may be kept for the decision: enough to know the guard is exceeded. */
function extrasCap(settings: ReconcileSettings): number {
  return (settings.massDelete?.max ?? 100) + 1;
}

/** Records extras found by a scan: deleted at once with the override, kept for the decision otherwise. */
async function noteExtras(ctx: RunContext, cursor: ReconcileCursor, found: ResourceRef[], report: UnitReport): Promise<ReconcileCursor> {
  if (found.length === 0) return cursor;
  if (ctx.settings.deleteMode !== 'mirror') {
    report.totals.skipped += found.length;
    return cursor;
  }
  const extras = { count: cursor.extras.count + found.length, refs: [...cursor.extras.refs] };
  if (ctx.settings.allowMassDelete) {
    addReport(report, await withReruns(3, () => convergeRefs(ctx, found.flatMap(extraRefs), 'mirror'), ctx.details));
  } else {
    for (const ref of found) if (extras.refs.length < extrasCap(ctx.settings)) extras.refs.push(ref);
  }
  return { ...cursor, extras };
}

/**
 * Does one unit of the cursor's stage (any stage but `things`, whose pages the caller runs) and
 * returns the next cursor with the unit's counts added. A unit is one listing page or chunk, or the
 * whole globals pass.
 */
export async function advance(ctx: RunContext, cursor: ReconcileCursor): Promise<ReconcileCursor> {
  const { settings } = ctx;
  const size = settings.pageSize;
  const report = emptyReport();
  const withTotals = (next: ReconcileCursor): ReconcileCursor => ({ ...next, totals: addTotals(copyTotals(next.totals), report.totals) });
  switch (cursor.stage) {
    case 'count': {
      const page = await listScoped(ctx.target.reader, settings.scope, cursor.token);
      const counted = { ...cursor, targetThingCount: (cursor.targetThingCount ?? 0) + page.items.length };
      return page.nextToken === undefined ? finishStage(counted, settings) : { ...counted, token: page.nextToken };
    }
    case 'globals':
    case 'final': {
      const final = cursor.stage === 'final';
      const mirrorNow = final && settings.deleteMode === 'mirror' && isWholeFleet(settings.scope) && !cursor.refused;
      const r = await withReruns(3, () => reconcileGlobals(ctx, final, mirrorNow ? 'mirror' : 'retain'), ctx.details);
      addReport(report, r);
      let next = cursor;
      if (!final && settings.deleteMode === 'mirror' && isWholeFleet(settings.scope)) {
        const extras = (r as UnitReport & { extras?: number }).extras ?? 0;
        next = { ...cursor, extras: { ...cursor.extras, count: cursor.extras.count + extras } };
      }
      return withTotals(finishStage(next, settings));
    }
    case 'things':
      throw new Error('the things stage runs page by page through thingUnits');
    case 'unattached-certificates': {
      const { items, done } = await takeFrom(ctx, cursor.stage, () => ctx.source.listCertificates(), cursor.offset, size);
      const unseen = items.filter((c) => !ctx.seenCertificates.has(c.certificateId));
      // Attached to a thing: converged with it. Only certificates no thing holds are converged here.
      const attached = await mapWithConcurrency(unseen, ctx.concurrency, async (c) => (await ctx.source.listPrincipalThings(c.certificateId)).length > 0);
      const orphans = unseen.filter((_, i) => !attached[i]);
      if (orphans.length > 0) {
        const refs = orphans.flatMap((c) => extraRefs({ kind: 'certificate', certificateId: c.certificateId }));
        addReport(report, await withReruns(3, () => convergeRefs(ctx, refs, 'retain'), ctx.details));
      }
      const next = { ...cursor, offset: cursor.offset + items.length };
      return withTotals(done ? finishStage(next, settings) : next);
    }
    case 'unattached-policies': {
      const { items, done } = await takeFrom(ctx, cursor.stage, () => ctx.source.listPolicyNames(), cursor.offset, size);
      const unknown = (await mapWithConcurrency(items, ctx.concurrency, async (name) => ((await ctx.policies.known(name)) === undefined ? name : undefined))).filter(
        (n): n is string => n !== undefined,
      );
      // A policy with a target was converged with that certificate or group; one without is converged here.
      const targets = await mapWithConcurrency(unknown, ctx.concurrency, (name) => ctx.source.listPolicyTargets(name));
      const lonely = unknown.filter((_, i) => (targets[i] ?? []).length === 0);
      if (lonely.length > 0) addReport(report, await ctx.policies.ensure(lonely));
      const next = { ...cursor, offset: cursor.offset + items.length };
      return withTotals(done ? finishStage(next, settings) : next);
    }
    case 'scan-things': {
      const page = await listScoped(ctx.target.reader, settings.scope, cursor.token);
      const found: ResourceRef[] = [];
      const drifted: string[] = [];
      const sourceThings = await mapWithConcurrency(page.items, ctx.concurrency, (name) => ctx.source.getThing(name));
      page.items.forEach((name, i) => {
        const thing = sourceThings[i];
        if (thing === undefined) found.push({ kind: 'thingPrincipals', thingName: name });
        else if (!inScope(thing, settings.scope)) drifted.push(name);
      });
      // In scope in the target only: the source moved it out of scope; converge it all the same.
      if (drifted.length > 0) addReport(report, await withReruns(3, () => reconcileThingPage(ctx, drifted), ctx.details));
      const next = await noteExtras(ctx, cursor, found, report);
      return withTotals(page.nextToken === undefined ? finishStage(next, settings) : { ...next, token: page.nextToken });
    }
    case 'scan-certificates': {
      const { items, done } = await takeFrom(ctx, cursor.stage, () => ctx.target.reader.listCertificates(), cursor.offset, size);
      const unseen = items.filter((c) => !ctx.seenCertificates.has(c.certificateId));
      const present = await mapWithConcurrency(unseen, ctx.concurrency, async (c) => (await ctx.source.getCertificate(c.certificateId)) !== undefined);
      const found = unseen.filter((_, i) => !present[i]).map((c): ResourceRef => ({ kind: 'certificate', certificateId: c.certificateId }));
      const next = await noteExtras(ctx, { ...cursor, offset: cursor.offset + items.length }, found, report);
      return withTotals(done ? finishStage(next, settings) : next);
    }
    case 'scan-policies': {
      const { items, done } = await takeFrom(ctx, cursor.stage, () => ctx.target.reader.listPolicyNames(), cursor.offset, size);
      const present = await mapWithConcurrency(items, ctx.concurrency, async (name) => (await ctx.policies.known(name)) ?? (await ctx.source.getPolicy(name)) !== undefined);
      const found = items.filter((_, i) => !present[i]).map((name): ResourceRef => ({ kind: 'policy', name }));
      const next = await noteExtras(ctx, { ...cursor, offset: cursor.offset + items.length }, found, report);
      return withTotals(done ? finishStage(next, settings) : next);
    }
    case 'delete': {
      const chunk = cursor.refused || settings.allowMassDelete ? [] : cursor.extras.refs.slice(cursor.offset, cursor.offset + size);
      if (chunk.length > 0) addReport(report, await withReruns(3, () => convergeRefs(ctx, chunk.flatMap(extraRefs), 'mirror'), ctx.details));
      const next = { ...cursor, offset: cursor.offset + chunk.length };
      return withTotals(chunk.length === 0 || next.offset >= cursor.extras.refs.length ? finishStage(next, settings) : next);
    }
    case 'done':
      return cursor;
  }
}

// ------------------------------------------------------------------------------------------ pages

/** A page of thing names and where the listing stands before and after it. */
export interface ThingUnit {
  names: string[];
  /** The cursor position of this page (to resume at it). */
  at: { token?: string; offset: number };
  /** The position after it; `undefined` when it is the last page. */
  next?: { token?: string; offset: number };
}

/**
 * The source's things in scope as pages of `pageSize` names, from a position: listing pages are split
 * (and re-listed and skipped into on resume), so a page is the unit of work whatever the listing's size.
 */
export async function* thingUnits(ctx: RunContext, from: { token?: string; offset: number }): AsyncGenerator<ThingUnit> {
  const size = ctx.settings.pageSize;
  let token = from.token;
  let offset = from.offset;
  for (;;) {
    const page = await listScoped(ctx.source, ctx.settings.scope, token);
    const at = (o: number) => (token === undefined ? { offset: o } : { token, offset: o });
    for (let i = offset; i < page.items.length; i += size) {
      const end = i + size;
      const next = end < page.items.length ? at(end) : page.nextToken === undefined ? undefined : { token: page.nextToken, offset: 0 };
      yield { names: page.items.slice(i, end), at: at(i), ...(next === undefined ? {} : { next }) };
    }
    if (page.nextToken === undefined) return;
    token = page.nextToken;
    offset = 0;
  }
}
