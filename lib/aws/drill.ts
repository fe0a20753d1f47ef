/**
 * The connection drill: each device of a fleet file connects to one region's data plane with its own
 * certificate and client ID, optionally publishes, and disconnects. A refusal is seen only as a closed
 * connection or a CONNACK code, so the reason is diagnosed afterwards from the region's registry
 * (DescribeCertificate, the certificate's and thing groups' policies evaluated by the core) — the same
 * words the emulator's data plane uses. Private keys are read from the file given, passed to TLS, and
 * never logged, returned or stored.
 */
import { X509Certificate } from 'node:crypto';
import {
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetPolicyCommand,
  ListAttachedPoliciesCommand,
  ListThingGroupsForThingCommand,
  ListThingPrincipalsCommand,
  ResourceNotFoundException,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { z } from 'zod';
import { mapWithConcurrency } from '../core/concurrency';
import { evaluateIotAction, type ConnectionFacts, type ConnectRefusalReason, type NamedPolicyDocument } from '../core/iot-policy-evaluation';
import { connectDevice, type ConnectFailure, type DeviceEndpoint } from './mqtt-device';
import { describeIssue } from '../core/validation';
import { certificateIdOf } from '../core/certificate-id';

/** One device of a drill file (other members, such as a certificate ID, are ignored). */
export const DrillDeviceSchema = z.object({
  thingName: z.string().min(1, 'thingName is required'),
  clientId: z.string().min(1, 'clientId is required'),
  certificatePem: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'certificatePem must be a PEM certificate' }),
  privateKey: z.string().includes('PRIVATE KEY-----', { message: 'privateKey must be a PEM private key' }),
});

/** One device of a drill file. */
export type DrillDevice = z.infer<typeof DrillDeviceSchema>;

/** An entry of the file that is not a device (reported, never dropped). */
export interface InvalidDrillEntry {
  index: number;
  thingName?: string;
  error: string;
}

/** Parses a drill file: a JSON array of devices; each bad entry is reported with the field it fails on. */
export function parseDrillDevices(text: string, fileName: string): { devices: DrillDevice[]; invalid: InvalidDrillEntry[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName}: not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${fileName}: must be a JSON array of { thingName, clientId, certificatePem, privateKey }`);
  const devices: DrillDevice[] = [];
  const invalid: InvalidDrillEntry[] = [];
  parsed.forEach((entry: unknown, index) => {
    const result = DrillDeviceSchema.safeParse(entry);
    if (result.success) return void devices.push(result.data);
    const thingName = entry && typeof entry === 'object' && typeof (entry as { thingName?: unknown }).thingName === 'string' ? (entry as { thingName: string }).thingName : undefined;
    // The message names the field, never its value (a private key must not reach a log).
    invalid.push({ index, ...(thingName ? { thingName } : {}), error: describeIssue(result.error) });
  });
  return { devices, invalid };
}

/** Where and how the drill connects. */
export interface DrillOptions {
  region: string;
  /** The region's control plane (endpoint discovery and diagnosis). */
  iot: IoTClient;
  /** Host and port to open (default: the SNI name, port 8883). */
  connectTo?: { host: string; port: number };
  /** SNI name: a custom domain; default the region's `iot:Data-ATS` endpoint from DescribeEndpoint. */
  domain?: string;
  /** CA to trust (PEM); default Node's roots (Amazon Root CA 1). */
  caPem?: string;
  /** Publish one QoS 1 message here after connecting (`{clientId}` is replaced). */
  publishTopic?: string;
  concurrency?: number;
  timeoutMs?: number;
  /** Called after each device (progress). */
  onDevice?: (done: number, total: number) => void;
}

/** One device that did not connect, with the diagnosed reason. */
export interface DrillRefusal {
  thingName: string;
  reason: string;
}

/** What the drill found. */
export interface DrillResult {
  region: string;
  /** The SNI name used. */
  serverName: string;
  devices: number;
  connected: number;
  refused: DrillRefusal[];
  /** Devices that connected but whose publish failed (only with a publish topic). */
  publishFailed: DrillRefusal[];
  /** Milliseconds from the first connection to the last disconnection. */
  wallMs: number;
  connectMs: { p50: number; p99: number };
}

/** The q-quantile of sorted numbers (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** The region's ATS data endpoint (`iot:Data-ATS`), as devices should use. */
export async function dataEndpoint(iot: IoTClient): Promise<string> {
  const answer = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
  if (!answer.endpointAddress) throw new Error('DescribeEndpoint returned no endpointAddress');
  return answer.endpointAddress;
}

/** Runs the drill over `devices`; `invalid` entries are reported as refused. */
export async function runDrill(devices: readonly DrillDevice[], invalid: readonly InvalidDrillEntry[], options: DrillOptions): Promise<DrillResult> {
  const serverName = options.domain ?? (await dataEndpoint(options.iot));
  const endpoint: DeviceEndpoint = {
    host: options.connectTo?.host ?? serverName,
    port: options.connectTo?.port ?? 8883,
    serverName,
    ...(options.caPem !== undefined ? { caPem: options.caPem } : {}),
  };
  const refused: DrillRefusal[] = invalid.map((e) => ({ thingName: e.thingName ?? `#${e.index}`, reason: `invalid entry: ${e.error}` }));
  const publishFailed: DrillRefusal[] = [];
  const connectTimes: number[] = [];
  const started = performance.now();
  let done = 0;
  await mapWithConcurrency(devices, options.concurrency ?? 10, async (device) => {
    const result = await connectDevice(endpoint, { clientId: device.clientId, certificatePem: device.certificatePem, privateKeyPem: device.privateKey }, {
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    if (result.ok) {
      connectTimes.push(result.connectMs);
      if (options.publishTopic !== undefined) {
        const topic = options.publishTopic.replaceAll('{clientId}', device.clientId);
        try {
          await result.device.publish(topic, JSON.stringify({ drill: true, clientId: device.clientId, at: new Date().toISOString() }));
        } catch (error) {
          publishFailed.push({ thingName: device.thingName, reason: `publish to ${topic} failed: ${(error as Error).message}` });
        }
      }
      await result.device.disconnect().catch(() => undefined);
    } else {
      let reason: string;
      try {
        reason = await diagnoseRefusal(options.iot, options.region, device, result.failure, true);
      } catch (error) {
        reason = `${result.failure.kind}: ${result.failure.message} (diagnosis failed: ${(error as Error).message})`;
      }
      refused.push({ thingName: device.thingName, reason });
    }
    options.onDevice?.(++done, devices.length);
  });
  connectTimes.sort((a, b) => a - b);
  return {
    region: options.region,
    serverName,
    devices: devices.length + invalid.length,
    connected: connectTimes.length,
    refused: refused.sort((a, b) => (a.thingName < b.thingName ? -1 : a.thingName > b.thingName ? 1 : 0)),
    publishFailed,
    wallMs: Math.round(performance.now() - started),
    connectMs: { p50: round(quantile(connectTimes, 0.5)), p99: round(quantile(connectTimes, 0.99)) },
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

const notFound = (error: unknown) => error instanceof ResourceNotFoundException || (error as { name?: string }).name === 'ResourceNotFoundException';

/**
 * The registry's explanation of a refusal: the certificate's registration and status (closed
 * connections), or the policy decision on `iot:Connect` (CONNACK not authorized).
 */
export async function diagnoseRefusal(
  iot: IoTClient,
  region: string,
  device: Pick<DrillDevice, 'clientId' | 'certificatePem'>,
  failure: ConnectFailure,
  sentSni: boolean,
): Promise<ConnectRefusalReason | string> {
  if (failure.kind === 'timeout' || failure.kind === 'unreachable' || failure.kind === 'connack-refused') return `${failure.kind}: ${failure.message}`;
  const certificateId = certificateIdOf(device.certificatePem);
  let description;
  try {
    description = (await iot.send(new DescribeCertificateCommand({ certificateId }))).certificateDescription;
  } catch (error) {
    if (notFound(error)) return 'certificate not registered';
    throw error;
  }
  if (description?.status === 'INACTIVE') return 'certificate INACTIVE';
  if (description?.status === 'REVOKED') return 'certificate REVOKED';
  if (description?.status !== 'ACTIVE') return 'certificate not ACTIVE';
  if (description.certificateMode === 'SNI_ONLY' && !sentSni) return 'no SNI';
  if (description.caCertificateId) {
    try {
      const ca = await iot.send(new DescribeCACertificateCommand({ certificateId: description.caCertificateId }));
      if (ca.certificateDescription?.status !== 'ACTIVE') return 'CA certificate not ACTIVE';
    } catch (error) {
      if (notFound(error)) return 'CA certificate not ACTIVE';
      throw error;
    }
  }
  const certificateArn = description.certificateArn as string;
  const accountId = certificateArn.split(':')[4] ?? '';
  const facts = await connectionFactsFromRegistry(iot, region, accountId, certificateArn, certificateId, device);
  const policies = await connectionPolicies(iot, certificateArn, facts);
  const decision = evaluateIotAction(policies, 'iot:Connect', device.clientId, facts);
  if (decision.decision === 'ExplicitDeny') return 'a policy denies iot:Connect for this client';
  if (decision.decision === 'ImplicitDeny') return 'no policy allows iot:Connect for this client';
  return failure.kind === 'closed' ? 'connection closed although the registry allows it' : 'CONNACK not authorized although the registry allows it';
}

async function connectionFactsFromRegistry(
  iot: IoTClient,
  region: string,
  accountId: string,
  certificateArn: string,
  certificateId: string,
  device: Pick<DrillDevice, 'clientId' | 'certificatePem'>,
): Promise<ConnectionFacts> {
  const x509 = new X509Certificate(device.certificatePem);
  const dn = (text: string) => Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const facts: ConnectionFacts = {
    region,
    accountId,
    clientId: device.clientId,
    certificateId,
    certificateSubject: dn(x509.subject),
    certificateIssuer: dn(x509.issuer),
    certificateSerialNumber: x509.serialNumber,
  };
  try {
    const thing = await iot.send(new DescribeThingCommand({ thingName: device.clientId }));
    const principals: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await iot.send(new ListThingPrincipalsCommand({ thingName: device.clientId, ...(nextToken ? { nextToken } : {}) }));
      principals.push(...(page.principals ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    facts.thing = {
      name: device.clientId,
      ...(thing.thingTypeName ? { typeName: thing.thingTypeName } : {}),
      attributes: thing.attributes ?? {},
      attachedToCertificate: principals.includes(certificateArn),
    };
  } catch (error) {
    if (!notFound(error)) throw error;
  }
  return facts;
}

async function connectionPolicies(iot: IoTClient, certificateArn: string, facts: ConnectionFacts): Promise<NamedPolicyDocument[]> {
  const targets = [certificateArn];
  if (facts.thing?.attachedToCertificate) {
    let nextToken: string | undefined;
    const groups = new Set<string>();
    do {
      const page = await iot.send(new ListThingGroupsForThingCommand({ thingName: facts.thing.name, ...(nextToken ? { nextToken } : {}) }));
      for (const g of page.thingGroups ?? []) if (g.groupName) groups.add(g.groupName);
      nextToken = page.nextToken;
    } while (nextToken);
    const arns = new Set<string>();
    for (const group of groups) {
      const d = await iot.send(new DescribeThingGroupCommand({ thingGroupName: group }));
      if (d.thingGroupArn) arns.add(d.thingGroupArn);
      for (const ancestor of d.thingGroupMetadata?.rootToParentThingGroups ?? []) if (ancestor.groupArn) arns.add(ancestor.groupArn);
    }
    targets.push(...arns);
  }
  const names = new Set<string>();
  for (const target of targets) {
    let marker: string | undefined;
    do {
      const page = await iot.send(new ListAttachedPoliciesCommand({ target, ...(marker ? { marker } : {}) }));
      for (const p of page.policies ?? []) if (p.policyName) names.add(p.policyName);
      marker = page.nextMarker;
    } while (marker);
  }
  const out: NamedPolicyDocument[] = [];
  for (const name of names) {
    const policy = await iot.send(new GetPolicyCommand({ policyName: name }));
    if (policy.policyDocument) out.push({ name, document: policy.policyDocument });
  }
  return out;
}
