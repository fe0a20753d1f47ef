/**
 * The request pipeline: route → region (from the SigV4 scope) → quotas and injected faults → handler →
 * JSON response, then the call's registry and CloudTrail events. Also the `/_emulator/*` admin paths,
 * which sit outside every AWS API path.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { cloudTrailEvent } from './cloudtrail';
import type { OperationContext, OperationTable } from './context';
import type { TemplateAuthorizer } from '../iam/authorizer';
import { AwsError, accessDenied, internalFailure, invalidRequest, missingAuthenticationToken, serviceUnavailable, throttling, unknownOperation } from './errors';
import { EventHub } from './events';
import type { CertificateIssuer } from './issuer';
import { billingGroupOperations } from './operations/billing-groups';
import { certificateOperations } from './operations/certificates';
import { domainConfigurationOperations } from './operations/domain-configurations';
import { eventConfigurationOperations } from './operations/event-configurations';
import { policyOperations } from './operations/policies';
import { principalOperations } from './operations/principals';
import { provisioningAdmin } from './provisioning-admin';
import { provisioningOperations } from './operations/provisioning';
import { roleAliasOperations } from './operations/role-aliases';
import { indexingOperations } from './operations/indexing';
import { thingRegistrationTaskOperations } from './operations/thing-registration-tasks';
import { thingGroupOperations } from './operations/thing-groups';
import { thingTypeOperations } from './operations/thing-types';
import { thingOperations } from './operations/things';
import { QuotaBuckets } from './quotas';
import { seededRandom, type Random } from './random';
import { ROUTES, Router, type Route } from './router';
import { SERVICE_QUOTAS_TARGET_PREFIX, ServiceQuotaStore } from './service-quotas';
import { dumpRegion, emptyRegion, type EventConfigKey, type RegionState } from './state';
import { parseJsonObjectBody } from './input';

/** Settings that can change while the emulator runs. */
export interface RuntimeSettings {
  quotaScale: number;
  faultRate: number;
  throttleRate: number;
  latencyMs: number;
}

/** Settings fixed at start. */
export interface FixedSettings {
  accountId: string;
  thingTypeDeletionDelayMs: number;
  registryEvents: 'all' | 'none';
  seed?: number;
  /** Evaluates calls signed with a template role's key against that role (see lib/local/iam). */
  authorizer?: TemplateAuthorizer;
}

/** Counters of one operation in one region. */
export interface OperationCounts {
  requests: number;
  throttled: number;
  faulted: number;
  /** Other error answers (validation, not found, conflicts…). */
  errors: number;
  /** Of those errors, the AccessDeniedException answers (present once there is one). */
  denied?: number;
}

/** Request counters, in total and by region and operation. */
export interface EmulatorStats {
  total: OperationCounts;
  byRegion: Record<string, Record<string, OperationCounts>>;
}

const ALL_HANDLERS: OperationTable = {
  ...thingOperations,
  ...thingTypeOperations,
  ...thingGroupOperations,
  ...billingGroupOperations,
  ...certificateOperations,
  ...policyOperations,
  ...principalOperations,
  ...eventConfigurationOperations,
  ...domainConfigurationOperations,
  ...provisioningOperations,
  ...roleAliasOperations,
  ...indexingOperations,
  ...thingRegistrationTaskOperations,
};

for (const r of ROUTES) {
  if (!ALL_HANDLERS[r.operation]) throw new Error(`No handler for routed operation ${r.operation}`);
}

const SCOPE = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/[^/]+\/aws4_request/;

/** Checks runtime settings, failing loudly with the name of the bad one. */
export function checkSettings(changes: Partial<RuntimeSettings>): void {
  const rate = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1)) throw new RangeError(`${name} must be between 0 and 1 (got ${v})`);
  };
  rate('faultRate', changes.faultRate);
  rate('throttleRate', changes.throttleRate);
  for (const name of ['quotaScale', 'latencyMs'] as const) {
    const v = changes[name];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name} must be a non-negative number (got ${v})`);
  }
}

const newCounts = (): OperationCounts => ({ requests: 0, throttled: 0, faulted: 0, errors: 0 });

/** The emulator's state and request handling, independent of the listening socket. */
export class EmulatorCore {
  readonly events = new EventHub();
  private readonly router = new Router();
  private readonly regions = new Map<string, RegionState>();
  private readonly quotas: QuotaBuckets;
  private readonly random: Random;
  private stats: EmulatorStats = { total: newCounts(), byRegion: {} };
  /** Service Quotas (awsJson1_1 on the same endpoint): applied IoT Core quotas per region. */
  private readonly serviceQuotas: ServiceQuotaStore;

  constructor(
    private readonly settings: RuntimeSettings,
    private readonly fixed: FixedSettings,
    private readonly issuer: CertificateIssuer,
  ) {
    checkSettings(settings);
    this.quotas = new QuotaBuckets(settings.quotaScale);
    this.random = seededRandom(fixed.seed);
    this.serviceQuotas = new ServiceQuotaStore(fixed.accountId);
  }

  /** Changes runtime settings. */
  configure(changes: Partial<RuntimeSettings>): void {
    checkSettings(changes);
    for (const [k, v] of Object.entries(changes) as [keyof RuntimeSettings, number | undefined][]) {
      if (v !== undefined) this.settings[k] = v;
    }
    if (changes.quotaScale !== undefined) this.quotas.setScale(changes.quotaScale);
  }

  /** The current runtime settings. */
  currentSettings(): RuntimeSettings {
    return { ...this.settings };
  }

  /** A copy of the counters. */
  getStats(): EmulatorStats {
    return JSON.parse(JSON.stringify(this.stats)) as EmulatorStats;
  }

  /** Zeroes the counters. */
  resetStats(): void {
    this.stats = { total: newCounts(), byRegion: {} };
  }

  /** Empties one region's registry (or every region's) and refills its quota buckets. */
  reset(region?: string): void {
    if (region === undefined) this.regions.clear();
    else this.regions.delete(region);
    this.quotas.reset(region);
  }

  /** A JSON view of one region (or of all regions by name). */
  dump(region?: string): Record<string, unknown> {
    if (region !== undefined) return dumpRegion(this.region(region));
    return Object.fromEntries([...this.regions.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, s]) => [name, dumpRegion(s)]));
  }

  /** The account every ARN uses. */
  get accountId(): string {
    return this.fixed.accountId;
  }

  /** The regions that hold state so far (the data plane looks names up in each). */
  regionNames(): string[] {
    return [...this.regions.keys()];
  }

  /** One region's live registry (created empty on first use); the data plane reads it. */
  regionState(name: string): RegionState {
    return this.region(name);
  }

  private region(name: string): RegionState {
    let state = this.regions.get(name);
    if (!state) {
      state = emptyRegion(Date.now(), this.fixed.registryEvents);
      this.regions.set(name, state);
    }
    return state;
  }

  private count(region: string, operation: string): OperationCounts {
    const byOp = (this.stats.byRegion[region] ??= {});
    return (byOp[operation] ??= newCounts());
  }

  /** Serves one HTTP request. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const search = q >= 0 ? rawUrl.slice(q + 1) : '';
    const body = await readBody(req);
    if (path.startsWith('/_emulator/provisioning/')) return provisioningAdmin(this.internalContext.bind(this), req.method ?? 'GET', path, new URLSearchParams(search), body, res);
    if (path.startsWith('/_emulator/')) return this.admin(req.method ?? 'GET', path, new URLSearchParams(search), body, res);
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith(SERVICE_QUOTAS_TARGET_PREFIX)) return this.serviceQuotaCall(req, target.slice(SERVICE_QUOTAS_TARGET_PREFIX.length), body, res, requestId);

    const match = this.router.match(req.method ?? 'GET', path);
    if (!match) return sendError(res, requestId, unknownOperation(req.method ?? 'GET', path));
    const { route, labels } = match;
    const auth = SCOPE.exec(req.headers.authorization ?? '');
    if (!auth) return sendError(res, requestId, missingAuthenticationToken());
    const accessKeyId = auth[1] as string;
    const regionName = auth[2] as string;
    const counts = this.count(regionName, route.operation);
    counts.requests++;
    this.stats.total.requests++;

    if (this.settings.latencyMs > 0) await sleep(this.settings.latencyMs);

    const injected = this.injectedFailure(regionName, route.operation);
    if (injected) {
      const throttled = injected.code === 'ThrottlingException';
      if (throttled) {
        counts.throttled++;
        this.stats.total.throttled++;
      } else {
        counts.faulted++;
        this.stats.total.faulted++;
      }
      return sendError(res, requestId, injected);
    }

    const pending: { key: EventConfigKey; topic: string; payload: Record<string, unknown> }[] = [];
    const state = this.region(regionName);
    const accountId = this.fixed.accountId;
    const now = Date.now();
    const ctx: OperationContext = {
      region: regionName,
      accountId,
      state,
      issuer: this.issuer,
      thingTypeDeletionDelayMs: this.fixed.thingTypeDeletionDelayMs,
      now,
      endpoint: `http://${req.headers.host ?? '127.0.0.1'}`,
      arn: (resource) => `arn:aws:iot:${regionName}:${accountId}:${resource}`,
      registryEvent: (key, topic, payload) => pending.push({ key, topic, payload }),
    };
    try {
      const input = buildInput(route, labels, search, req, body);
      const denial = await this.fixed.authorizer?.authorize(accessKeyId, { operation: route.operation, input, region: regionName });
      if (denial) {
        counts.denied = (counts.denied ?? 0) + 1;
        this.stats.total.denied = (this.stats.total.denied ?? 0) + 1;
        throw accessDenied(denial.message);
      }
      const handler = ALL_HANDLERS[route.operation] as NonNullable<OperationTable[string]>;
      const result = await handler(ctx, input);
      const responseBody = result.body ?? {};
      for (const e of pending) {
        if (state.eventConfig.enabled[e.key]) this.events.emit({ type: 'registry', region: regionName, topic: e.topic, payload: e.payload });
      }
      if (route.write) {
        this.events.emit({
          type: 'cloudtrail',
          region: regionName,
          event: cloudTrailEvent({
            region: regionName,
            accountId,
            operation: route.operation,
            accessKeyId,
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: String(req.headers['user-agent'] ?? ''),
            requestId,
            time: new Date(now),
            requestParameters: result.requestParameters !== undefined ? result.requestParameters : Object.keys(input).length > 0 ? { ...input } : null,
            responseElements: result.responseElements !== undefined ? result.responseElements : Object.keys(responseBody).length > 0 ? responseBody : null,
          }),
        });
      }
      send(res, requestId, 200, responseBody);
    } catch (err) {
      counts.errors++;
      if (err instanceof AwsError) return sendError(res, requestId, err);
      process.stderr.write(`iot emulator: ${route.operation} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      sendError(res, requestId, internalFailure());
    }
  }

  /**
   * Runs `work` against a region as the service itself would (a data-plane or internal step): the
   * registry events it queues are published when it succeeds; no CloudTrail record, no quota.
   */
  async internalContext<T>(regionName: string, work: (ctx: OperationContext) => Promise<T>): Promise<T> {
    const pending: { key: EventConfigKey; topic: string; payload: Record<string, unknown> }[] = [];
    const state = this.region(regionName);
    const accountId = this.fixed.accountId;
    const result = await work({
      region: regionName,
      accountId,
      state,
      issuer: this.issuer,
      thingTypeDeletionDelayMs: this.fixed.thingTypeDeletionDelayMs,
      now: Date.now(),
      arn: (resource) => `arn:aws:iot:${regionName}:${accountId}:${resource}`,
      registryEvent: (key, topic, payload) => pending.push({ key, topic, payload }),
    });
    for (const e of pending) {
      if (state.eventConfig.enabled[e.key]) this.events.emit({ type: 'registry', region: regionName, topic: e.topic, payload: e.payload });
    }
    return result;
  }

  /** Quota, then injected throttling, then injected 500/503; undefined when the call may proceed. */
  private injectedFailure(region: string, operation: string): AwsError | undefined {
    if (!this.quotas.take(region, operation)) return throttling();
    if (this.settings.throttleRate > 0 && this.random() < this.settings.throttleRate) return throttling();
    if (this.settings.faultRate > 0 && this.random() < this.settings.faultRate) {
      return this.random() < 0.5 ? internalFailure() : serviceUnavailable();
    }
    return undefined;
  }

  /** One Service Quotas call (awsJson1_1): the region from the SigV4 scope, errors as `__type`. */
  private serviceQuotaCall(req: IncomingMessage, operation: string, body: string, res: ServerResponse, requestId: string): void {
    const auth = SCOPE.exec(req.headers.authorization ?? '');
    if (!auth) return sendError(res, requestId, missingAuthenticationToken());
    const region = auth[2] as string;
    const counts = this.count(region, operation);
    counts.requests++;
    this.stats.total.requests++;
    try {
      const input = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      send(res, requestId, 200, this.serviceQuotas.handle(operation, region, input));
    } catch (err) {
      counts.errors++;
      const error = err instanceof AwsError ? err : invalidRequest(err instanceof Error ? err.message : String(err));
      const text = JSON.stringify({ __type: error.code, message: error.message });
      res.writeHead(error.statusCode, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': requestId });
      res.end(text);
    }
  }

  private admin(method: string, path: string, params: URLSearchParams, body: string, res: ServerResponse): void {
    const region = params.get('region') ?? undefined;
    const requestId = randomUUID();
    try {
      switch (`${method} ${path}`) {
        case 'GET /_emulator/health':
          return send(res, requestId, 200, { ok: true });
        case 'GET /_emulator/stats':
          return send(res, requestId, 200, this.getStats());
        case 'POST /_emulator/stats/reset':
          this.resetStats();
          return send(res, requestId, 200, {});
        case 'POST /_emulator/reset':
          this.reset(region);
          return send(res, requestId, 200, {});
        case 'GET /_emulator/dump':
          return send(res, requestId, 200, this.dump(region));
        case 'GET /_emulator/events':
          return send(res, requestId, 200, { events: this.events.log(region) });
        case 'DELETE /_emulator/events':
          this.events.clearLog(region);
          return send(res, requestId, 200, {});
        case 'GET /_emulator/ca':
          // The CA a device trusts to reach the data plane (the emulator's stand-in for Amazon Root CA 1).
          return send(res, requestId, 200, { caCertificatePem: this.issuer.caCertificatePem });
        case 'POST /_emulator/service-quotas': {
          if (region === undefined) throw new RangeError('region is required');
          this.serviceQuotas.set(region, (body === '' ? {} : JSON.parse(body)) as Record<string, unknown>);
          return send(res, requestId, 200, {});
        }
        case 'DELETE /_emulator/service-quotas':
          this.serviceQuotas.reset(region);
          return send(res, requestId, 200, {});
        case 'GET /_emulator/config':
          return send(res, requestId, 200, this.currentSettings());
        case 'POST /_emulator/config': {
          const parsed: unknown = body === '' ? {} : JSON.parse(body);
          const allowed = ['quotaScale', 'faultRate', 'throttleRate', 'latencyMs'];
          const changes = (parsed ?? {}) as Record<string, unknown>;
          for (const [k, v] of Object.entries(changes)) {
            if (!allowed.includes(k)) throw new RangeError(`Unknown setting ${k}`);
            if (typeof v !== 'number') throw new RangeError(`${k} must be a number`);
          }
          this.configure(changes as Partial<RuntimeSettings>);
          return send(res, requestId, 200, this.currentSettings());
        }
        default:
          return sendError(res, requestId, unknownOperation(method, path));
      }
    } catch (err) {
      return sendError(res, requestId, invalidRequest(err instanceof Error ? err.message : String(err)));
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function buildInput(route: Route, labels: Record<string, string>, search: string, req: IncomingMessage, body: string): Record<string, unknown> {
  let input: Record<string, unknown> = { ...parseJsonObjectBody(body) };
  if (search !== '') {
    const params = new URLSearchParams(search);
    for (const [member, [wire, kind]] of Object.entries(route.query)) {
      const raw = params.get(wire);
      if (raw === null) continue;
      if (kind === 's') input[member] = raw;
      else if (kind === 'i') {
        if (!/^-?\d+$/.test(raw)) throw invalidRequest(`${wire} must be an integer`);
        input[member] = Number(raw);
      } else {
        if (raw !== 'true' && raw !== 'false') throw invalidRequest(`${wire} must be true or false`);
        input[member] = raw === 'true';
      }
    }
  }
  for (const [member, header] of Object.entries(route.headers)) {
    const v = req.headers[header];
    if (typeof v === 'string') input[member] = v;
  }
  Object.assign(input, labels);
  return input;
}

function send(res: ServerResponse, requestId: string, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

function sendError(res: ServerResponse, requestId: string, err: AwsError): void {
  const text = JSON.stringify({ message: err.message, ...err.extra });
  res.writeHead(err.statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': err.code,
  });
  res.end(text);
}
