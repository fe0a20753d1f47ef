import { CreateDomainConfigurationCommand, DescribeCertificateCommand, DescribeThingCommand, GetPolicyCommand, ListThingPrincipalsCommand, UpdateCertificateCommand, type IoTClient } from '@aws-sdk/client-iot';
import { METRICS_NAMESPACE } from '../../lib/core/metrics';
import { probe, type CanaryConnection } from '../../lib/aws/canary';
import { CanarySecretSchema, provisionCanaryIdentity, type SecretStore } from '../../lib/aws/canary-identity';
import { registryPair } from '../../lib/aws/clients';
import { parseMqttEndpoint } from '../../lib/aws/mqtt-device';
import { canaryMetricDimensions, canaryTopic } from '../../lib/core/failover';
import { reconcile } from '../../lib/core/reconcile/in-process';
import type { RunningEmulator } from '../../lib/local/emulator';
import { canaryMetrics, runCanary, type CanaryOutcome } from '../../lambdas/failover-canary';
import { deviceCanaryConnector } from '../../lambdas/runtime/canary-connector';
import { iot, PRIMARY, SECONDARY, start } from '../support/emulator';
import { ACCOUNT } from '../support/constants';

// The emulator's data plane serves every region on one port and maps a custom domain to the region whose
// domain configuration holds it (the first one when both do), so each region's canary gets its own domain
// here; on AWS the socket's address (the region's endpoint) picks the region and SNI the configuration.
const PRIMARY_DOMAIN = 'iot-primary.failover.test';
const SECONDARY_DOMAIN = 'iot-secondary.failover.test';
const SECRET = 'IotRegistrySync/failover/canary';
const THING = 'IotRegistrySync-failover-canary';

let emulator: RunningEmulator;
let primary: IoTClient;
let secondary: IoTClient;
let mqtt: { host: string; port: number };
const secrets = new Map<string, string>();
const store: SecretStore = {
  get: async (region, id) => secrets.get(`${region}/${id}`),
  put: async (region, id, value) => void secrets.set(`${region}/${id}`, value),
};
const identityOptions = () => ({
  iot: primary,
  secrets: store,
  partition: 'aws',
  account: ACCOUNT,
  region: PRIMARY,
  thingName: THING,
  policyName: THING,
  secretIds: { [PRIMARY]: SECRET, [SECONDARY]: SECRET },
});

beforeAll(async () => {
  emulator = await start({ mqtt: { port: 0 } });
  primary = iot(emulator, PRIMARY);
  secondary = iot(emulator, SECONDARY);
  mqtt = parseMqttEndpoint(emulator.dataPlane!.url);
  await primary.send(new CreateDomainConfigurationCommand({ domainConfigurationName: 'failover', domainName: PRIMARY_DOMAIN }));
  await secondary.send(new CreateDomainConfigurationCommand({ domainConfigurationName: 'failover', domainName: SECONDARY_DOMAIN }));
});
afterAll(async () => {
  primary.destroy();
  secondary.destroy();
  await emulator.close();
});

/** Runs one region's canary as the Lambda does (its secret from the store), capturing its EMF records. */
async function canaryIn(region: string, domainName: string): Promise<{ outcome: CanaryOutcome; emf: Record<string, unknown>[]; log: string[] }> {
  const written: string[] = [];
  const log: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
  try {
    const outcome = await runCanary({
      region,
      domainName,
      readSecret: async () => ({ ...CanarySecretSchema.parse(JSON.parse(secrets.get(`${region}/${SECRET}`) ?? 'null')), caPem: emulator.caCertificatePem }),
      connector: (secret) => deviceCanaryConnector({ ...mqtt, serverName: domainName, secret, connectTimeoutMs: 5000 }),
      metrics: canaryMetrics(region, domainName),
      log: (line) => log.push(line),
    });
    const emf = written.flatMap((w) => w.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    return { outcome, emf, log };
  } finally {
    spy.mockRestore();
  }
}

describe('the failover canary against the emulator data plane', () => {
  it('provisions its thing, certificate and least-privilege policy in the primary, and its key in both regions’ secrets', async () => {
    const identity = await provisionCanaryIdentity(identityOptions());
    expect(identity).toMatchObject({ thingName: THING, created: true });

    await primary.send(new DescribeThingCommand({ thingName: THING }));
    const principals = await primary.send(new ListThingPrincipalsCommand({ thingName: THING }));
    expect(principals.principals).toEqual([expect.stringContaining(`cert/${identity.certificateId}`)]);
    const policy = JSON.parse((await primary.send(new GetPolicyCommand({ policyName: THING }))).policyDocument!) as { Statement: { Resource: string }[] };
    expect(policy.Statement.map((s) => s.Resource)).toEqual([
      `arn:aws:iot:${PRIMARY}:${ACCOUNT}:client/${THING}`,
      `arn:aws:iot:${PRIMARY}:${ACCOUNT}:topic/iot-registry-sync/canary/${THING}/*`,
      `arn:aws:iot:${PRIMARY}:${ACCOUNT}:topicfilter/iot-registry-sync/canary/${THING}/*`,
    ]);
    for (const region of [PRIMARY, SECONDARY]) {
      const secret = CanarySecretSchema.parse(JSON.parse(secrets.get(`${region}/${SECRET}`)!));
      expect(secret).toMatchObject({ thingName: THING, certificateId: identity.certificateId });
    }
  });

  it('keeps the certificate on a second provisioning while it is ACTIVE', async () => {
    const before = secrets.get(`${PRIMARY}/${SECRET}`);
    const again = await provisionCanaryIdentity(identityOptions());
    expect(again.created).toBe(false);
    expect(secrets.get(`${PRIMARY}/${SECRET}`)).toBe(before);
  });

  it('connects to the primary over the custom domain, publishes and receives its own message, and reports success and latency with the alarm’s metric identity', async () => {
    const { outcome, emf } = await canaryIn(PRIMARY, PRIMARY_DOMAIN);
    expect(outcome).toMatchObject({ ok: true, region: PRIMARY, topic: canaryTopic(THING, PRIMARY) });
    expect(emf).toHaveLength(1);
    const record = emf[0]!;
    expect(record).toMatchObject({ CanarySuccess: 1, CanaryLatency: expect.any(Number) });
    const [directive] = (record._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] }).CloudWatchMetrics;
    expect(directive!.Namespace).toBe(METRICS_NAMESPACE);
    // The alarm (lib/infra/failover/region.ts) queries exactly these dimensions: no more, no fewer.
    const expected = canaryMetricDimensions(PRIMARY, PRIMARY_DOMAIN);
    expect([...directive!.Dimensions[0]!].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, value] of Object.entries(expected)) expect(record[name]).toBe(value);
  });

  it('fails in the secondary until the sync has copied its identity there, then succeeds', async () => {
    const before = await canaryIn(SECONDARY, SECONDARY_DOMAIN);
    expect(before.outcome).toMatchObject({ ok: false, stage: 'connect', reason: expect.stringContaining('closed') });
    expect(before.emf[0]).toMatchObject({ CanarySuccess: 0 });
    expect(before.emf[0]).not.toHaveProperty('CanaryLatency');
    expect(emulator.dataPlane!.refusals().at(-1)).toMatchObject({ region: SECONDARY, reason: 'certificate not registered' });

    const { source, target } = registryPair({ sourceRegion: PRIMARY, targetRegion: SECONDARY, endpoint: emulator.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, quotas: { scale: 0 } });
    await reconcile(source, { reader: target, writer: target });

    const after = await canaryIn(SECONDARY, SECONDARY_DOMAIN);
    expect(after.outcome).toMatchObject({ ok: true, region: SECONDARY, topic: canaryTopic(THING, SECONDARY) });
  });

  it('fails with the reason when its certificate is revoked in that region, and logs the failure', async () => {
    const { certificateId } = CanarySecretSchema.parse(JSON.parse(secrets.get(`${SECONDARY}/${SECRET}`)!));
    await secondary.send(new UpdateCertificateCommand({ certificateId, newStatus: 'REVOKED' }));
    expect((await secondary.send(new DescribeCertificateCommand({ certificateId }))).certificateDescription?.status).toBe('REVOKED');

    const { outcome, emf, log } = await canaryIn(SECONDARY, SECONDARY_DOMAIN);
    expect(outcome).toMatchObject({ ok: false, stage: 'connect', reason: expect.stringMatching(/^closed: /) });
    expect(emulator.dataPlane!.refusals().at(-1)).toMatchObject({ region: SECONDARY, certificateId, reason: 'certificate REVOKED' });
    expect(emf[0]).toMatchObject({ CanarySuccess: 0 });
    expect(JSON.parse(log[0]!)).toMatchObject({ level: 'ERROR', message: 'canary failed', stage: 'connect', region: SECONDARY });
    // The primary is unaffected.
    expect((await canaryIn(PRIMARY, PRIMARY_DOMAIN)).outcome.ok).toBe(true);
  });
});

describe('probe', () => {
  /** A connection that fails where told and otherwise echoes what it publishes. */
  function fake(failAt?: 'subscribe' | 'publish' | 'echo'): CanaryConnection & { closed: boolean } {
    const listeners = new Set<(t: string, p: string) => void>();
    const c = {
      closed: false,
      subscribe: async () => {
        if (failAt === 'subscribe') throw new Error('subscription refused (SUBACK 0x80)');
      },
      publish: async (topic: string, payload: string) => {
        if (failAt === 'publish') throw new Error('connection closed');
        if (failAt !== 'echo') for (const l of listeners) l(topic, payload);
      },
      onMessage: (l: (t: string, p: string) => void) => (listeners.add(l), () => void listeners.delete(l)),
      close: async () => void (c.closed = true),
    };
    return c;
  }

  it.each([
    ['subscribe', 'subscription refused (SUBACK 0x80)'],
    ['publish', 'connection closed'],
    ['echo', 'own message not received within 20 ms'],
  ] as const)('reports the %s stage with its reason and closes the connection', async (stage, reason) => {
    const connection = fake(stage);
    const result = await probe({ connect: async () => connection, topic: 't', receiveTimeoutMs: 20 });
    expect(result).toEqual({ ok: false, stage: stage === 'echo' ? 'receive' : stage, reason });
    expect(connection.closed).toBe(true);
  });

  it('reports a connect failure without a connection to close', async () => {
    const result = await probe({ connect: async () => Promise.reject(new Error('not-authorized: Connection refused: Not authorized')), topic: 't' });
    expect(result).toEqual({ ok: false, stage: 'connect', reason: 'not-authorized: Connection refused: Not authorized' });
  });

  it('measures latency from publish to receipt', async () => {
    let t = 1000;
    const connection = fake();
    const result = await probe({ connect: async () => connection, topic: 't', now: () => (t += 7) });
    expect(result).toEqual({ ok: true, latencyMs: 7 });
  });
});

