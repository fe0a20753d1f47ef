/**
 * A local two-region AWS IoT control-plane emulator that the real `@aws-sdk/client-iot` talks to through
 * `endpoint`. One HTTP server serves every region (read from the SigV4 credential scope), each with its
 * own registry, AWS's errors, pagination, per-API quotas, injectable faults and registry/CloudTrail events.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { EmulatorEvents } from './events';
import { IamSettingsSchema, TemplateAuthorizer, type IamSettings } from '../iam/authorizer';
import { startDataPlane, type DataPlane } from './data-plane/broker';
import { CertificateIssuer } from './issuer';
import { EmulatorCore, type EmulatorStats, type RuntimeSettings } from './server';

export type { CloudTrailEnvelope, CloudTrailEvent, EmulatorEvent, EmulatorEvents, EventListener, RegistryEvent, SubscribeOptions } from './events';
export type { EmulatorStats, OperationCounts } from './server';
export { DEFAULT_TPS, defaultTps } from './quotas';
export { ROUTES } from './router';
export type { DataPlane, Refusal } from './data-plane/broker';
export { endpointAddress } from './operations/domain-configurations';

/** How the emulator starts. */
export interface EmulatorOptions {
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Account ID used in every ARN (default 123456789012). */
  accountId?: string;
  /** Multiplies every API's default TPS; 0 turns quotas off (default 1). */
  quotaScale?: number;
  /** Share of calls answered InternalFailureException/ServiceUnavailableException (default 0). */
  faultRate?: number;
  /** Share of calls answered ThrottlingException on top of the quotas (default 0). */
  throttleRate?: number;
  /** Milliseconds added before every AWS API answer (default 0). */
  latencyMs?: number;
  /** How long a thing type must stay deprecated before it can be deleted (default 300000, as AWS). */
  thingTypeDeletionDelayMs?: number;
  /** Whether regions start with the registry event types enabled (default 'none', as AWS). */
  registryEvents?: 'all' | 'none';
  /** Seed of the fault-injection PRNG. */
  seed?: number;
  /**
   * Enforce a synthesized template's IAM: calls signed with an access key ID equal to one of its roles'
   * logical IDs are evaluated against that role (403 AccessDeniedException when denied); other keys are unrestricted.
   */
  iam?: IamSettings;
  /** Also serve the MQTT data plane (TLS, client certificates) on this port (0: any free port). */
  mqtt?: { port?: number; defaultRegion?: string };
}

/** A started emulator. */
export interface RunningEmulator {
  /** Base URL to pass as the SDK's `endpoint`. */
  url: string;
  port: number;
  events: EmulatorEvents;
  /** Requests, throttled and faulted counts by region and operation. */
  stats(): EmulatorStats;
  resetStats(): void;
  /** Changes quotas, faults or latency while running. */
  configure(changes: Partial<Pick<EmulatorOptions, 'quotaScale' | 'faultRate' | 'throttleRate' | 'latencyMs'>>): void;
  /** Empties one region's registry (or all). */
  reset(region?: string): void;
  /** A JSON view of one region's registry (or all regions). */
  dump(region?: string): Record<string, unknown>;
  /** The MQTT data plane, when `mqtt` was given. */
  dataPlane?: DataPlane;
  /** The emulator CA's certificate (PEM): it signs device and data-plane server certificates. */
  caCertificatePem: string;
  close(): Promise<void>;
}

const optionsSchema = z
  .object({
    host: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    accountId: z.string().regex(/^\d{12}$/, 'accountId must be 12 digits').optional(),
    quotaScale: z.number().min(0).optional(),
    faultRate: z.number().min(0).max(1).optional(),
    throttleRate: z.number().min(0).max(1).optional(),
    latencyMs: z.number().min(0).optional(),
    thingTypeDeletionDelayMs: z.number().min(0).optional(),
    registryEvents: z.enum(['all', 'none']).optional(),
    seed: z.number().int().optional(),
    iam: IamSettingsSchema.optional(),
    mqtt: z.object({ port: z.number().int().min(0).max(65535).optional(), defaultRegion: z.string().min(1).optional() }).strict().optional(),
  })
  .strict();

/** Starts the emulator's HTTP server; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const o = optionsSchema.parse(options);
  const settings: RuntimeSettings = {
    quotaScale: o.quotaScale ?? 1,
    faultRate: o.faultRate ?? 0,
    throttleRate: o.throttleRate ?? 0,
    latencyMs: o.latencyMs ?? 0,
  };
  const accountId = o.accountId ?? '123456789012';
  const issuer = await CertificateIssuer.create();
  const core = new EmulatorCore(
    settings,
    {
      accountId,
      thingTypeDeletionDelayMs: o.thingTypeDeletionDelayMs ?? 300_000,
      registryEvents: o.registryEvents ?? 'none',
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.iam !== undefined ? { authorizer: TemplateAuthorizer.fromSettings(o.iam, accountId) } : {}),
    },
    issuer,
  );
  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    core.handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const dataPlane = o.mqtt
    ? await startDataPlane(core, issuer, {
        host,
        port: o.mqtt.port ?? 0,
        ...(o.mqtt.defaultRegion !== undefined ? { defaultRegion: o.mqtt.defaultRegion } : {}),
      })
    : undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    events: core.events,
    stats: () => core.getStats(),
    resetStats: () => core.resetStats(),
    configure: (changes) => core.configure(changes),
    reset: (region) => core.reset(region),
    dump: (region) => core.dump(region),
    ...(dataPlane ? { dataPlane } : {}),
    caCertificatePem: issuer.caCertificatePem,
    close: async () => {
      await dataPlane?.close();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
