/**
 * A realistic generated fleet, written to a region through the registry port: thing types, nested
 * static groups and a dynamic group, a shared policy on a group and a per-device policy whose ARNs
 * carry the region (one with the region inside a topic name, the rewrite trap), one certificate per
 * device with some INACTIVE and one REVOKED, a device with two certificates, a certificate shared by
 * two things, exclusive and non-exclusive attachments.
 */
import type { RegistryWriter } from '../core/port';
import type { ThingPrincipalType } from '../core/model';
import { mapWithConcurrency } from '../core/concurrency';
import { rewritePolicyDocument } from '../core/policy-document';
import { LocalCertificateAuthority, type DeviceCertificate } from './certificates';

/** What to generate. */
export interface FleetSpec {
  devices: number;
  region: string;
  accountId: string;
  /** Parallel writes (the client paces each API at its quota anyway). */
  concurrency?: number;
}

/** What was generated, for the demo's later changes and for tests. */
export interface Fleet {
  thingNames: string[];
  certificates: Map<string, DeviceCertificate[]>;
  groups: string[];
  sharedPolicyName: string;
  deprecatableType: string;
}

const TYPES = [
  { name: 'sensor', description: 'Battery-powered environment sensor', searchableAttributes: ['model', 'firmware'], deprecated: false },
  { name: 'gateway', description: 'Mains-powered site gateway', searchableAttributes: ['model'], deprecated: false },
  { name: 'legacy-meter', description: 'Meters of the first rollout', searchableAttributes: [], deprecated: false },
];
const SITES = ['site-north', 'site-south'];
const BUILDINGS_PER_SITE = 2;
const FLOORS_PER_BUILDING = 2;

/** The name of device `i` (zero-based). */
export function deviceName(i: number): string {
  return `device-${String(i).padStart(5, '0')}`;
}

/** The per-device policy document: region-qualified ARNs, as most fleets write them. */
export function devicePolicyDocument(region: string, accountId: string, thingName: string): string {
  const arn = `arn:aws:iot:${region}:${accountId}`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${arn}:client/${thingName}` },
      {
        Effect: 'Allow',
        Action: ['iot:Publish', 'iot:Receive'],
        // The second ARN carries the region inside a topic name: only the ARN's region field may change.
        Resource: [`${arn}:topic/telemetry/${thingName}/*`, `${arn}:topic/telemetry/${region}/${thingName}`],
      },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${arn}:topicfilter/commands/${thingName}/*` },
    ],
  });
}

/** The shared policy, attached to each site group and so inherited by every device. */
export function sharedPolicyDocument(region: string, accountId: string, version = 1): string {
  const arn = `arn:aws:iot:${region}:${accountId}`;
  const topics = [`${arn}:topic/$aws/things/\${iot:Connection.Thing.ThingName}/shadow/*`, `${arn}:topic/broadcast/*`];
  if (version > 1) topics.push(`${arn}:topic/broadcast-v${version}/*`);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: topics }],
  });
}

/** Writes the fleet to a region. */
export async function buildFleet(writer: RegistryWriter, spec: FleetSpec): Promise<Fleet> {
  const ca = await LocalCertificateAuthority.create();
  for (const type of TYPES) await writer.createThingType(type);

  const groups: string[] = [];
  for (const site of SITES) {
    await writer.createThingGroup({ kind: 'static', name: site, description: `All devices of ${site}`, attributes: { region: 'emea' } });
    groups.push(site);
    for (let b = 1; b <= BUILDINGS_PER_SITE; b++) {
      const building = `${site}-b${b}`;
      await writer.createThingGroup({ kind: 'static', name: building, parentName: site, attributes: { building: String(b) } });
      groups.push(building);
      for (let f = 1; f <= FLOORS_PER_BUILDING; f++) {
        const floor = `${building}-f${f}`;
        await writer.createThingGroup({ kind: 'static', name: floor, parentName: building, attributes: { floor: String(f) } });
        groups.push(floor);
      }
    }
  }
  await writer.createThingGroup({ kind: 'dynamic', name: 'low-battery', queryString: 'attributes.battery:low', attributes: {} });

  const sharedPolicyName = 'fleet-shared';
  await writer.createPolicy(sharedPolicyName, sharedPolicyDocument(spec.region, spec.accountId));
  for (const site of SITES) await writer.attachPolicy(sharedPolicyName, { kind: 'thingGroup', groupName: site });

  const floors = groups.filter((g) => /-f\d+$/.test(g));
  const certificates = new Map<string, DeviceCertificate[]>();
  const thingNames = Array.from({ length: spec.devices }, (_, i) => deviceName(i));
  await mapWithConcurrency(thingNames, spec.concurrency ?? 16, async (name, i) => {
    const type = i % 10 === 0 ? 'gateway' : i % 7 === 0 ? 'legacy-meter' : 'sensor';
    await writer.createThing({
      name,
      thingTypeName: type,
      attributes: { model: `m-${i % 4}`, firmware: `1.${i % 3}.0`, battery: i % 9 === 0 ? 'low' : 'ok' },
    });
    await writer.addThingToGroup(name, { name: floors[i % floors.length]! });
    await writer.createPolicy(`device-${name}`, devicePolicyDocument(spec.region, spec.accountId, name));

    // Device 2 shares device 1's certificate; device 0 has two certificates (a rotation in progress).
    if (i === 2) return;
    const owned: DeviceCertificate[] = [];
    for (let c = 0; c < (i === 0 ? 2 : 1); c++) {
      const cert = await ca.issue(`${name}-${c}`);
      const status = i === 3 ? 'REVOKED' : i % 25 === 24 ? 'INACTIVE' : 'ACTIVE';
      await writer.registerCertificate({ certificatePem: cert.certificatePem, status });
      await writer.attachPolicy(`device-${name}`, { kind: 'certificate', certificateId: cert.certificateId });
      owned.push(cert);
    }
    certificates.set(name, owned);
    const attachment: ThingPrincipalType = i % 5 === 0 && i !== 0 ? 'EXCLUSIVE_THING' : 'NON_EXCLUSIVE_THING';
    for (const cert of owned) await writer.attachThingPrincipal(name, cert.certificateId, attachment);
  });
  const shared = certificates.get(deviceName(1));
  if (shared && thingNames.length > 2) {
    await writer.attachThingPrincipal(deviceName(2), shared[0]!.certificateId, 'NON_EXCLUSIVE_THING');
    await writer.attachPolicy(`device-${deviceName(2)}`, { kind: 'certificate', certificateId: shared[0]!.certificateId });
  }
  return { thingNames, certificates, groups, sharedPolicyName, deprecatableType: 'legacy-meter' };
}

/** A writer that writes the same fleet to both regions, with the target's policy ARNs rewritten to its region. */
export function writeToBothRegions(source: RegistryWriter, target: RegistryWriter): RegistryWriter {
  const rewrite = (document: string) => rewritePolicyDocument(document, source.region, target.region).document;
  return new Proxy(source, {
    get(_, property: keyof RegistryWriter) {
      const own = source[property];
      if (typeof own !== 'function') return own;
      return async (...args: unknown[]) => {
        await (own as (...a: unknown[]) => Promise<void>).apply(source, args);
        const targetArgs = property === 'createPolicy' || property === 'createPolicyVersion' ? [args[0], rewrite(args[1] as string)] : args;
        await (target[property] as (...a: unknown[]) => Promise<void>).apply(target, targetArgs);
      };
    },
  });
}
