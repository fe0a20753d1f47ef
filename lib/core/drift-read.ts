/**
 * The cheap read of the drift report: whole-registry listings with the largest page sizes instead of a
 * describe per item (see `readAll` in ./scope, which costs several calls per device). Per region:
 *
 * - things from ListThings (name, type, attributes; 250 a page), static memberships from one paged
 *   ListThingsInThingGroup per static group, billing groups from one paged listing per billing group;
 * - certificate ID and status from ListCertificates (250 a page): the ID is the SHA-256 of the DER, so
 *   presence and status compare without the PEM, which is never read here;
 * - per policy its document (GetPolicy) and targets (ListTargetsForPolicy): AWS lists neither in bulk;
 * - per thing its principals: the one per-device call, AWS has no listing of all attachments.
 *
 * The read is split into four streams per region, each a sequence of bounded chunks with a cursor, so
 * the deployed job (statemachine/drift.asl.json) runs each chunk in one short Lambda invocation and a
 * million-device fleet is not bound by Lambda's 15 minutes. Every chunk writes its partial result to a
 * {@link DriftStore}; {@link loadDriftSnapshots} assembles the two whole snapshots from the partials (the
 * CLI and the lists-first re-run), and ./drift-partition compares them one keyed partition at a time in
 * bounded memory (DriftFinish).
 */
import { z } from 'zod';
import {
  emptySnapshot,
  type CaCertificate,
  type ProvisioningTemplate,
  type RoleAlias,
  type IndexingConfiguration,
  type Certificate,
  type Policy,
  type PolicyAttachment,
  type RegistrySnapshot,
  type ThingGroup,
  type ThingPrincipalAttachment,
  type ThingType,
} from './model';
import type { CertificateSummary, Page, RegistryReader } from './port';
import { mapWithConcurrency } from './concurrency';
import { InvalidInputError } from './errors';
import { buildDriftReport, type DriftReport } from './drift';
import { accountRewrite } from './policy-document';
import { describeIssue } from './validation';

/** A thing as ListThings returns it: no group memberships and no billing group. */
export interface ThingSummary {
  name: string;
  thingTypeName?: string;
  attributes: Record<string, string>;
}

/**
 * The listings the drift read needs beyond the {@link RegistryReader} port: paged, resumable, and
 * carrying enough per item to compare without a describe. `lib/aws/drift-listings.ts` implements them.
 */
export interface DriftListings {
  /** One ListThings page (up to 250 things with type and attributes). */
  listThings(nextToken?: string): Promise<Page<ThingSummary>>;
  /** One ListCertificates page (up to 250 IDs with status). */
  listCertificates(nextToken?: string): Promise<Page<CertificateSummary>>;
  /** One ListPolicies page (up to 250 names). */
  listPolicyNames(nextToken?: string): Promise<Page<string>>;
  /** Every billing group name; `undefined` when the service offers no billing-group listing. */
  listBillingGroupNames(): Promise<string[] | undefined>;
  /** One page of the things in a billing group; a missing group has none. */
  listThingNamesInBillingGroup(name: string, nextToken?: string): Promise<Page<string>>;
}

/** Where chunk results go: a report bucket on AWS, memory in process. Bodies are JSON text. */
export interface DriftStore {
  put(key: string, body: string, contentType: string): Promise<void>;
  /** The body, or `undefined` when there is no such key. */
  get(key: string): Promise<string | undefined>;
  /** Every key starting with `prefix`, in ascending order. */
  list(prefix: string): Promise<string[]>;
}

/** A {@link DriftStore} in memory (the CLI, the benchmark and tests). */
export function memoryDriftStore(): DriftStore & { readonly objects: Map<string, { body: string; contentType: string }> } {
  const objects = new Map<string, { body: string; contentType: string }>();
  return {
    objects,
    async put(key, body, contentType) {
      objects.set(key, { body, contentType });
    },
    async get(key) {
      return objects.get(key)?.body;
    },
    async list(prefix) {
      return [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
  };
}

/** The two regions a drift run compares. */
export const DriftSideSchema = z.enum(['source', 'target']);
export type DriftSide = z.infer<typeof DriftSideSchema>;

/** The streams one region is read in; each is a sequence of chunks. */
export const DRIFT_STREAMS = ['registry', 'things', 'certificates', 'policies'] as const;
export const DriftStreamSchema = z.enum(DRIFT_STREAMS);
export type DriftStream = z.infer<typeof DriftStreamSchema>;

/** Where a stream continues: a listing token and, for the registry stream, which membership listing. */
export const DriftCursorSchema = z.strictObject({
  token: z.string().optional(),
  /** Index into the membership listings (static groups, then billing groups). */
  listing: z.number().int().min(0).optional(),
});
export type DriftCursor = z.infer<typeof DriftCursorSchema>;

/** A run ID: becomes part of store keys, so it is restricted to a safe alphabet. */
export const DriftRunIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,120}$/, 'must be 1–120 characters of [A-Za-z0-9_.:-]');

/**
 * The input of one chunk: which run, region, stream and chunk, and where to continue. Not strict: a
 * chunk's result is the next chunk's input as is (its `done` and `items` are dropped).
 */
export const DriftChunkInputSchema = z.object({
  runId: DriftRunIdSchema,
  side: DriftSideSchema,
  stream: DriftStreamSchema,
  chunk: z.number().int().min(0).default(0),
  cursor: DriftCursorSchema.optional(),
});
export type DriftChunkInput = z.input<typeof DriftChunkInputSchema>;

/** What a chunk returns: the next chunk's input fields, whether the stream is done, and how much it read. */
export interface DriftChunkResult {
  runId: string;
  side: DriftSide;
  stream: DriftStream;
  /** The next chunk's number. */
  chunk: number;
  cursor?: DriftCursor;
  done: boolean;
  /** Items read in this chunk (things, certificates, policies or memberships). */
  items: number;
}

/** Items per chunk, per stream: what one bounded invocation reads. */
export interface DriftChunkLimits {
  /** Things (each costs one principal listing): 2,500 take 250 s at the default 10 TPS. */
  things: number;
  /** Certificate summaries (250 a call): 25,000 take 100 calls. */
  certificates: number;
  /** Policies (each costs GetPolicy and ListTargetsForPolicy): 2,500 take 250 s at 10 TPS. */
  policies: number;
  /** Memberships (250 a call). */
  memberships: number;
}

/** Chunk sizes that keep one invocation well under Lambda's 15 minutes at the default quotas. */
export const DEFAULT_DRIFT_CHUNK_LIMITS: DriftChunkLimits = { things: 2500, certificates: 25_000, policies: 2500, memberships: 25_000 };

/** One region, as the drift read sees it. */
export interface DriftRegion {
  reader: RegistryReader;
  listings: DriftListings;
}

/** What a chunk works with. */
export interface DriftReadContext {
  regions: Record<DriftSide, DriftRegion>;
  store: DriftStore;
  limits?: Partial<DriftChunkLimits>;
  /** Per-item calls in flight at once within a chunk (default 16; the client paces them anyway). */
  concurrency?: number;
}

/** The partial result of one chunk, as stored (read back by ./drift-partition too). */
export interface RegistryPartial {
  stream: 'registry';
  thingTypes?: ThingType[];
  caCertificates?: CaCertificate[];
  provisioningTemplates?: ProvisioningTemplate[];
  roleAliases?: RoleAlias[];
  indexingConfiguration?: IndexingConfiguration;
  thingGroups?: ThingGroup[];
  /** `null`: the service offers no billing-group listing. */
  billingGroups?: string[] | null;
  memberships: { listing: number; thingNames: string[] }[];
}
export interface ThingsPartial {
  stream: 'things';
  things: ThingSummary[];
  principals: ThingPrincipalAttachment[];
}
export interface CertificatesPartial {
  stream: 'certificates';
  certificates: CertificateSummary[];
}
export interface PoliciesPartial {
  stream: 'policies';
  policies: Policy[];
  attachments: PolicyAttachment[];
}
export type DriftPartial = RegistryPartial | ThingsPartial | CertificatesPartial | PoliciesPartial;

const DEFAULT_CONCURRENCY = 16;

/** The store prefix of a run's partial results. */
export function driftPartialPrefix(runId: string, side?: DriftSide): string {
  return `drift/runs/${runId}/partials/${side === undefined ? '' : `${side}/`}`;
}

function partialKey(runId: string, side: DriftSide, stream: DriftStream, chunk: number): string {
  return `${driftPartialPrefix(runId, side)}${stream}/${String(chunk).padStart(6, '0')}.json`;
}

/** A membership listing of the registry stream: a static thing group or a billing group. */
export interface MembershipListing {
  kind: 'group' | 'billing';
  name: string;
}

/** The membership listings of a region, in the order the registry stream reads them (indexes are stable). */
export function membershipListings(first: RegistryPartial): MembershipListing[] {
  const groups = (first.thingGroups ?? []).filter((g) => g.kind === 'static').map((g) => g.name).sort();
  return [
    ...groups.map((name) => ({ kind: 'group' as const, name })),
    ...[...(first.billingGroups ?? [])].sort().map((name) => ({ kind: 'billing' as const, name })),
  ];
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * Reads one chunk of one stream of one region, stores its partial result and says where the stream
 * continues. Chunk 0 of a stream starts it; a result with `done` ends it.
 */
export async function readDriftChunk(rawInput: DriftChunkInput, context: DriftReadContext): Promise<DriftChunkResult> {
  const parsed = DriftChunkInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw new InvalidInputError(`drift chunk input: ${describeIssue(parsed.error)}`, { cause: parsed.error });
  }
  const input = parsed.data;
  const region = context.regions[input.side];
  const limits = { ...DEFAULT_DRIFT_CHUNK_LIMITS, ...context.limits };
  const concurrency = context.concurrency ?? DEFAULT_CONCURRENCY;
  let token = input.cursor?.token;
  let partial: DriftPartial;
  let items = 0;
  let cursor: DriftCursor | undefined;

  switch (input.stream) {
    case 'things': {
      const things: ThingSummary[] = [];
      do {
        const page = await region.listings.listThings(token);
        things.push(...page.items);
        token = page.nextToken;
      } while (token !== undefined && things.length < limits.things);
      const principals = await mapWithConcurrency(things, concurrency, (t) => region.reader.listThingPrincipals(t.name));
      partial = { stream: 'things', things, principals: principals.flat() };
      items = things.length;
      cursor = token === undefined ? undefined : { token };
      break;
    }
    case 'certificates': {
      const certificates: CertificateSummary[] = [];
      do {
        const page = await region.listings.listCertificates(token);
        certificates.push(...page.items);
        token = page.nextToken;
      } while (token !== undefined && certificates.length < limits.certificates);
      partial = { stream: 'certificates', certificates };
      items = certificates.length;
      cursor = token === undefined ? undefined : { token };
      break;
    }
    case 'policies': {
      const names: string[] = [];
      do {
        const page = await region.listings.listPolicyNames(token);
        names.push(...page.items);
        token = page.nextToken;
      } while (token !== undefined && names.length < limits.policies);
      // Document and targets of each policy are separate APIs with separate quotas: read them together.
      const read = await mapWithConcurrency(names, concurrency, (name) =>
        Promise.all([region.reader.getPolicy(name), region.reader.listPolicyTargets(name)]),
      );
      const policies: Policy[] = [];
      const attachments: PolicyAttachment[] = [];
      read.forEach(([policy, targets], i) => {
        if (policy === undefined) return; // deleted between the listing and the read
        policies.push(policy);
        for (const target of targets) attachments.push({ policyName: names[i] as string, target });
      });
      partial = { stream: 'policies', policies, attachments };
      items = names.length;
      cursor = token === undefined ? undefined : { token };
      break;
    }
    case 'registry': {
      let first: RegistryPartial;
      const registry: RegistryPartial = { stream: 'registry', memberships: [] };
      if (input.chunk === 0) {
        const [thingTypes, caCertificates, thingGroups, billingGroups, provisioningTemplates, roleAliases, indexingConfiguration] = await Promise.all([
          collect(region.reader.listThingTypes()),
          collect(region.reader.listCaCertificates()),
          collect(region.reader.listThingGroups()),
          region.listings.listBillingGroupNames(),
          collect(region.reader.listProvisioningTemplates()),
          collect(region.reader.listRoleAliases()),
          region.reader.getIndexingConfiguration(),
        ]);
        Object.assign(registry, { thingTypes, caCertificates, thingGroups, billingGroups: billingGroups ?? null, provisioningTemplates, roleAliases, indexingConfiguration });
        first = registry;
      } else {
        first = (await loadPartial(context.store, partialKey(input.runId, input.side, 'registry', 0))) as RegistryPartial;
      }
      const listings = membershipListings(first);
      let index = input.cursor?.listing ?? 0;
      while (index < listings.length && items < limits.memberships) {
        const listing = listings[index] as MembershipListing;
        const page =
          listing.kind === 'group'
            ? await region.reader.listThingNamesInGroup(listing.name, token)
            : await region.listings.listThingNamesInBillingGroup(listing.name, token);
        const last = registry.memberships[registry.memberships.length - 1];
        if (last?.listing === index) last.thingNames.push(...page.items);
        else registry.memberships.push({ listing: index, thingNames: [...page.items] });
        items += page.items.length;
        token = page.nextToken;
        if (token === undefined) index += 1;
      }
      partial = registry;
      cursor = index < listings.length ? { listing: index, ...(token === undefined ? {} : { token }) } : undefined;
      break;
    }
  }

  await context.store.put(partialKey(input.runId, input.side, input.stream, input.chunk), JSON.stringify(partial), 'application/json');
  return {
    runId: input.runId,
    side: input.side,
    stream: input.stream,
    chunk: input.chunk + 1,
    ...(cursor === undefined ? {} : { cursor }),
    done: cursor === undefined,
    items,
  };
}

/** One stored partial result; a missing key is an error naming it. */
export async function loadPartial(store: DriftStore, key: string): Promise<DriftPartial> {
  const body = await store.get(key);
  if (body === undefined) throw new InvalidInputError(`drift partial ${key} is missing from the store`);
  return JSON.parse(body) as DriftPartial;
}

/** Reads every stream of both regions to its end, all concurrently (in process: the CLI, the benchmark). */
export async function readDriftRun(runId: string, context: DriftReadContext): Promise<DriftChunkResult[]> {
  const streams = DRIFT_STREAMS.flatMap((stream) => DriftSideSchema.options.map((side) => ({ side, stream })));
  const finals = await Promise.all(
    streams.map(async ({ side, stream }) => {
      let result = await readDriftChunk({ runId, side, stream, chunk: 0 }, context);
      while (!result.done) {
        result = await readDriftChunk({ runId, side, stream, chunk: result.chunk, ...(result.cursor ? { cursor: result.cursor } : {}) }, context);
      }
      return result;
    }),
  );
  return finals;
}

/**
 * Stands in for the PEM of a certificate read from a listing. The diff validates certificates against
 * the model (which requires a PEM) but compares only their status; the drift report never prints or
 * writes a certificate body, so this value never leaves the report's computation.
 */
export const UNREAD_CERTIFICATE_PEM = '-----BEGIN CERTIFICATE-----\nTk9UIFJFQUQ=\n-----END CERTIFICATE-----\n';

/** What the two snapshots of a run could and could not compare. */
export interface DriftCoverage {
  /** Billing groups were listed in both regions (otherwise left out of the thing comparison). */
  billingGroupsCompared: boolean;
  notes: string[];
}

/** The two snapshots of a run, assembled from its partial results. */
export interface DriftSnapshots {
  source: RegistrySnapshot;
  target: RegistrySnapshot;
  coverage: DriftCoverage;
}

interface AssembledSide {
  snapshot: RegistrySnapshot;
  billingGroupsListed: boolean;
}

async function assembleSide(store: DriftStore, runId: string, side: DriftSide): Promise<AssembledSide> {
  const keys = await store.list(driftPartialPrefix(runId, side));
  const partials = await Promise.all(keys.map((key) => loadPartial(store, key)));
  const registry = partials.filter((p): p is RegistryPartial => p.stream === 'registry');
  const first = registry.find((p) => p.thingGroups !== undefined);
  if (first === undefined) throw new InvalidInputError(`drift run ${runId}: the ${side} registry stream has no first chunk`);
  const snapshot = globalsSnapshot(first);
  const listings = membershipListings(first);
  const groupsOf = new Map<string, string[]>();
  const billingOf = new Map<string, string>();
  for (const p of registry) {
    for (const m of p.memberships) {
      const listing = listings[m.listing];
      if (listing === undefined) continue;
      for (const thingName of m.thingNames) {
        if (listing.kind === 'billing') billingOf.set(thingName, listing.name);
        else groupsOf.set(thingName, [...(groupsOf.get(thingName) ?? []), listing.name]);
      }
    }
  }
  for (const p of partials) {
    switch (p.stream) {
      case 'things':
        for (const t of p.things) {
          const billingGroupName = billingOf.get(t.name);
          snapshot.things.push({
            name: t.name,
            ...(t.thingTypeName === undefined ? {} : { thingTypeName: t.thingTypeName }),
            attributes: t.attributes,
            ...(billingGroupName === undefined ? {} : { billingGroupName }),
            groupNames: [...new Set(groupsOf.get(t.name) ?? [])].sort(),
          });
        }
        snapshot.thingPrincipalAttachments.push(...p.principals);
        break;
      case 'certificates':
        for (const c of p.certificates) {
          const certificate: Certificate = { certificateId: c.certificateId, status: c.status, certificatePem: UNREAD_CERTIFICATE_PEM };
          snapshot.certificates.push(certificate);
        }
        break;
      case 'policies':
        snapshot.policies.push(...p.policies);
        snapshot.policyAttachments.push(...p.attachments);
        break;
      case 'registry':
        break;
    }
  }
  return { snapshot, billingGroupsListed: first.billingGroups !== null && first.billingGroups !== undefined };
}

/** The report's note on how certificates are compared (by listing, never by body). */
export const CERTIFICATES_COMPARED_NOTE = 'Certificates are compared by ID and status from the certificate listing; the CA of a certificate is not compared.';
/** The report's note when one region cannot list billing groups. */
export const BILLING_GROUPS_NOT_COMPARED_NOTE = 'Billing groups were not compared: the endpoint offers no billing-group listing in at least one region.';

/** Assembles the source and target snapshots of a run from its stored partial results. */
export async function loadDriftSnapshots(store: DriftStore, runId: string): Promise<DriftSnapshots> {
  const [source, target] = await Promise.all([assembleSide(store, runId, 'source'), assembleSide(store, runId, 'target')]);
  const notes = [CERTIFICATES_COMPARED_NOTE];
  const billingGroupsCompared = source.billingGroupsListed && target.billingGroupsListed;
  if (!billingGroupsCompared) {
    // One region without a billing-group listing would make every billed thing look different.
    for (const s of [source.snapshot, target.snapshot]) for (const t of s.things) delete t.billingGroupName;
    notes.push(BILLING_GROUPS_NOT_COMPARED_NOTE);
  }
  return { source: source.snapshot, target: target.snapshot, coverage: { billingGroupsCompared, notes } };
}

/**
 * {@link DriftListings} over the plain {@link RegistryReader} port, for registries without the adapter's
 * listings (tests, in-memory registries). It reads each thing with `getThing`, so it is not cheap.
 */
export function portDriftListings(reader: RegistryReader): DriftListings {
  const pageOf = async <T>(all: () => Promise<T[]>, token: string | undefined, size = 250): Promise<Page<T>> => {
    const items = await all();
    const start = token === undefined ? 0 : Number(token);
    const end = start + size;
    return end < items.length ? { items: items.slice(start, end), nextToken: String(end) } : { items: items.slice(start) };
  };
  return {
    async listThings(nextToken) {
      const page = await reader.listThingNames({}, nextToken);
      const things = await Promise.all(page.items.map((name) => reader.getThing(name)));
      const items = things.flatMap((t) =>
        t === undefined ? [] : [{ name: t.name, ...(t.thingTypeName === undefined ? {} : { thingTypeName: t.thingTypeName }), attributes: t.attributes }],
      );
      return page.nextToken === undefined ? { items } : { items, nextToken: page.nextToken };
    },
    listCertificates: (token) => pageOf(() => collect(reader.listCertificates()), token),
    listPolicyNames: (token) => pageOf(async () => (await collect(reader.listPolicyNames())).sort(), token),
    async listBillingGroupNames() {
      return undefined;
    },
    async listThingNamesInBillingGroup() {
      return { items: [] };
    },
  };
}

/** Options of {@link checkDrift}. */
export interface CheckDriftOptions {
  /** Names the partial results in the store (default `local`). */
  runId?: string;
  /** The report's timestamp (default now). */
  generatedAt?: string;
}

/**
 * The whole drift check in process: reads both regions (every stream concurrently), assembles the
 * snapshots and builds the report. Policy ARNs are compared after rewriting source region to target.
 */
export async function checkDrift(context: DriftReadContext, options: CheckDriftOptions = {}): Promise<DriftReport> {
  const runId = options.runId ?? 'local';
  await readDriftRun(runId, context);
  const snapshots = await loadDriftSnapshots(context.store, runId);
  return buildDriftReport({
    source: snapshots.source,
    target: snapshots.target,
    sourceRegion: context.regions.source.reader.region,
    targetRegion: context.regions.target.reader.region,
    accounts: accountRewrite(context.regions.source.reader.accountId, context.regions.target.reader.accountId),
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    notes: snapshots.coverage.notes,
  });
}

/** A snapshot holding the global kinds the registry stream's first chunk read (types, groups, CAs, templates, …). */
export function globalsSnapshot(first: RegistryPartial): RegistrySnapshot {
  const snapshot = emptySnapshot();
  snapshot.thingTypes = first.thingTypes ?? [];
  snapshot.caCertificates = first.caCertificates ?? [];
  snapshot.provisioningTemplates = first.provisioningTemplates ?? [];
  snapshot.roleAliases = first.roleAliases ?? [];
  if (first.indexingConfiguration !== undefined) snapshot.indexingConfiguration = first.indexingConfiguration;
  snapshot.thingGroups = first.thingGroups ?? [];
  return snapshot;
}
