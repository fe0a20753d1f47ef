/**
 * What a reconcile run is asked to do (its settings) and where it stands (its cursor). Both are plain
 * JSON: the settings are the Step Functions execution's `config`, the cursor travels as an opaque
 * token (`--resume TOKEN`, the execution's output, the continuation execution's input).
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { RegistryNameSchema, ThingNameSchema } from '../model';
import { ResourceRefSchema, type ResourceRef } from '../resource-ref';
import { DeleteModeSchema } from '../safety';
import { FailureRecordSchema } from '../failure-record';
import { describeIssue } from '../validation';

/** Which things a run covers: all of them (no field), or those matching every field given. */
export const ReconcileScopeSchema = z
  .strictObject({
    /** Thing names starting with this (the port's `ThingFilter.namePrefix`: one name for one filter; the CLI's `--thing-prefix`). */
    namePrefix: ThingNameSchema.optional(),
    /** Things of this type. */
    thingType: RegistryNameSchema.optional(),
    /** Direct members of this static group. */
    thingGroup: RegistryNameSchema.optional(),
    /** Things with this attribute value (ListThings' own filter). */
    attribute: z.strictObject({ name: z.string().min(1).max(128), value: z.string().max(800) }).optional(),
  })
  .refine((s) => s.thingGroup === undefined || (s.thingType === undefined && s.attribute === undefined), {
    message: 'a thing-group scope can be combined with a name prefix only (group listings cannot filter by type or attribute)',
  });
/** The things a run covers. */
export type ReconcileScope = z.infer<typeof ReconcileScopeSchema>;

/** Whether a scope covers the whole fleet (then the unattached and the non-thing extras are converged too). */
export function isWholeFleet(scope: ReconcileScope): boolean {
  return scope.namePrefix === undefined && scope.thingType === undefined && scope.thingGroup === undefined && scope.attribute === undefined;
}

/** Largest number of thing names one page carries (the IoT listing's own page size). */
export const MAX_RECONCILE_PAGE_SIZE = 250;

/** The highest mass-delete ceiling a run accepts (its extras are kept in the cursor until the decision). */
export const MAX_GUARDED_DELETES = 250;

/** The settings of one run; every field has a default. */
export const ReconcileSettingsSchema = z.strictObject({
  scope: ReconcileScopeSchema.default({}),
  deleteMode: DeleteModeSchema.default('retain'),
  allowMassDelete: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  /** Things per page: the unit that is read, diffed, planned and applied together. */
  pageSize: z.number().int().min(1).max(MAX_RECONCILE_PAGE_SIZE).default(100),
  /** The guard's numbers; `max` is bounded so the extras kept until the decision fit an execution's payload. */
  massDelete: z.strictObject({ percent: z.number().min(0).max(100).optional(), max: z.number().int().min(0).max(MAX_GUARDED_DELETES).optional() }).optional(),
});
/** The settings of one run. */
export type ReconcileSettings = z.infer<typeof ReconcileSettingsSchema>;
/** The settings as a caller may give them (defaults filled in by {@link parseSettings}). */
export type ReconcileSettingsInput = z.input<typeof ReconcileSettingsSchema>;

/** Validates settings arriving at a boundary; InvalidInputError names the field. */
export function parseSettings(input: unknown): ReconcileSettings {
  const result = ReconcileSettingsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new InvalidInputError(`invalid reconcile settings: ${describeIssue(result.error)}`, { cause: result.error });
}

/**
 * The stages of a run, in order. `count` (mirror only) counts the target's things before any write,
 * the base of the mass-delete limit; `globals` converges types, groups, CA certificates and group
 * policies (deletes and deprecations deferred); `things` pages through the source; `unattached-*`
 * (whole fleet) converges what no thing reaches; `scan-*` (mirror, or a scoped run) pages through the
 * target for extras and scope drift; `delete` removes the extras once the whole run's count passed the
 * guard; `final` applies deprecations and, in mirror mode, the global deletes.
 */
export const STAGES = [
  'count',
  'globals',
  'things',
  'unattached-certificates',
  'unattached-policies',
  'scan-things',
  'scan-certificates',
  'scan-policies',
  'delete',
  'final',
  'done',
] as const;
/** One stage of a run. */
export type Stage = (typeof STAGES)[number];

/** Failures kept in the totals (the count goes on; the list is for the operator's first look). */
export const MAX_FAILURE_RECORDS = 20;

/** Counts of a run so far (they add up across pages, executions and resumes). */
export const ReconcileTotalsSchema = z.strictObject({
  /** Things converged page by page (the source's things in scope, plus those a scan found out of scope in the source). */
  things: z.number().int().min(0),
  pages: z.number().int().min(0),
  differences: z.number().int().min(0),
  operations: z.number().int().min(0),
  created: z.number().int().min(0),
  updated: z.number().int().min(0),
  deleted: z.number().int().min(0),
  skipped: z.number().int().min(0),
  /** Failed operations, invalid items included. */
  failed: z.number().int().min(0),
  invalid: z.number().int().min(0),
  failures: z.array(FailureRecordSchema).max(MAX_FAILURE_RECORDS),
  /** Outcomes per kind of resource: created, updated, deleted, skipped, failed. */
  byKind: z.record(z.string(), z.array(z.number().int().min(0)).length(5)).default({}),
  refused: z.strictObject({ reason: z.string(), deletes: z.number().int(), limit: z.number().int() }).optional(),
});
/** Counts of a run so far. */
export type ReconcileTotals = z.infer<typeof ReconcileTotalsSchema>;

/** Totals of nothing. */
export function emptyTotals(): ReconcileTotals {
  return { things: 0, pages: 0, differences: 0, operations: 0, created: 0, updated: 0, deleted: 0, skipped: 0, failed: 0, invalid: 0, failures: [], byKind: {} };
}

/** Adds `more` to `into` (in place) and returns it. */
export function addTotals(into: ReconcileTotals, more: ReconcileTotals): ReconcileTotals {
  for (const key of ['things', 'pages', 'differences', 'operations', 'created', 'updated', 'deleted', 'skipped', 'failed', 'invalid'] as const) into[key] += more[key];
  for (const f of more.failures) if (into.failures.length < MAX_FAILURE_RECORDS) into.failures.push(f);
  for (const [kind, counts] of Object.entries(more.byKind)) {
    const mine = (into.byKind[kind] ??= [0, 0, 0, 0, 0]);
    counts.forEach((n, i) => (mine[i] = (mine[i] ?? 0) + n));
  }
  if (more.refused && !into.refused) into.refused = more.refused;
  return into;
}

/** A deep copy of totals (cursors are values; units add to copies). */
export function copyTotals(t: ReconcileTotals): ReconcileTotals {
  return { ...t, failures: [...t.failures], byKind: Object.fromEntries(Object.entries(t.byKind).map(([k, v]) => [k, [...v]])) };
}

/** Extras found in the target (mirror mode), kept until the whole run's count has passed the guard. */
export const ExtrasSchema = z.strictObject({
  /** Top-level deletes the run would make (things, certificates, policies, global resources). */
  count: z.number().int().min(0),
  /** The first of them, enough to decide (the guard's ceiling + 1) and then to delete. */
  refs: z.array(ResourceRefSchema),
});

/** Where a run stands; enough to resume it in a fresh process or execution. */
export const ReconcileCursorSchema = z.strictObject({
  v: z.literal(1),
  stage: z.enum(STAGES),
  /** The listing token of the current page (absent: the first page). */
  token: z.string().optional(),
  /** Items of that page (or, for listings without tokens, of the whole listing) already done. */
  offset: z.number().int().min(0).default(0),
  /** The target's thing count before the run wrote anything (mirror mode): the base of the guard. */
  targetThingCount: z.number().int().min(0).optional(),
  extras: ExtrasSchema.default({ count: 0, refs: [] }),
  /** Whether the run's deletes were refused (then `delete` and the global deletes are skipped). */
  refused: z.boolean().default(false),
  totals: ReconcileTotalsSchema,
});
/** Where a run stands. */
export type ReconcileCursor = z.infer<typeof ReconcileCursorSchema>;

/** The cursor of a run that has not started. */
export function initialCursor(settings: ReconcileSettings): ReconcileCursor {
  return {
    v: 1,
    stage: settings.deleteMode === 'mirror' ? 'count' : 'globals',
    offset: 0,
    extras: { count: 0, refs: [] },
    refused: false,
    totals: emptyTotals(),
  };
}

/** The cursor as an opaque, URL-safe token. */
export function encodeCursor(cursor: ReconcileCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** Reads a token made by {@link encodeCursor}; InvalidInputError when it is not one. */
export function decodeCursor(token: string): ReconcileCursor {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidInputError('invalid resume token: not a reconcile cursor', { cause: error });
  }
  const result = ReconcileCursorSchema.safeParse(raw);
  if (!result.success) {
    throw new InvalidInputError(`invalid resume token: ${describeIssue(result.error)}`, { cause: result.error });
  }
  return result.data;
}

/** The refs that converge (or delete) one extra of the target: a thing with its principals, a certificate with its policies, a policy. */
export function extraRefs(ref: ResourceRef): ResourceRef[] {
  if (ref.kind === 'thingPrincipals') return [{ kind: 'thing', name: ref.thingName }, ref];
  if (ref.kind === 'certificate') return [ref, { kind: 'policyAttachments', target: { kind: 'certificate', certificateId: ref.certificateId } }];
  return [ref];
}
