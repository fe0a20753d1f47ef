/**
 * The reference fleet of the core's tests: a small hand-written fleet (named devices, a CA and self-signed
 * certificates in every status, a dynamic group, a deprecated type, a billing group) built in an in-memory
 * source registry, with real PEMs. Not lib/local/fleet.ts's generated fleet: that one is N alike devices
 * written through the port for the demo and the emulator tests; this one names each case the tests assert on.
 */
import type { PolicyTarget } from '../../lib/core/model';
import { LocalCertificateAuthority, selfSignedCertificate, type DeviceCertificate } from '../../lib/local/certificates';
import { InMemoryRegistry } from './in-memory-registry';
import { ACCOUNT } from './constants';

export const SOURCE_REGION = 'us-east-1';
export const TARGET_REGION = 'eu-west-1';

/** The device policy: ARNs of the source region, including the topic-name trap. */
export const devicePolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:${SOURCE_REGION}:${ACCOUNT}:client/\${iot:Connection.Thing.ThingName}` },
    { Effect: 'Allow', Action: ['iot:Publish'], Resource: [`arn:aws:iot:${SOURCE_REGION}:${ACCOUNT}:topic/telemetry/${SOURCE_REGION}/\${iot:Connection.Thing.ThingName}`] },
  ],
});

/** What the fleet is made of, for assertions. */
export interface ReferenceFleet {
  source: InMemoryRegistry;
  certificates: Record<'ca' | 'c1' | 'c2' | 'c3' | 'c4' | 'c5', DeviceCertificate>;
}

/** Registries of both regions with the same billing groups (they are not synced). */
export function registries(): { source: InMemoryRegistry; target: InMemoryRegistry } {
  return {
    source: new InMemoryRegistry({ region: SOURCE_REGION, billingGroups: ['standard'] }),
    target: new InMemoryRegistry({ region: TARGET_REGION, billingGroups: ['standard'] }),
  };
}

/** Builds the fleet in `source`. */
export async function buildReferenceFleet(source: InMemoryRegistry): Promise<ReferenceFleet> {
  const ca = await LocalCertificateAuthority.create('fleet CA');
  const c1 = await ca.issue('sensor-1');
  const c2 = await ca.issue('sensor-2');
  const [c3, c4, c5] = await Promise.all([selfSignedCertificate('gateway-1'), selfSignedCertificate('meter-1'), selfSignedCertificate('spare')]);
  const s = source;
  await s.createThingType({ name: 'sensor', description: 'temperature sensor', searchableAttributes: ['floor'], deprecated: false });
  await s.createThingType({ name: 'gateway', searchableAttributes: [], deprecated: false });
  await s.createThingType({ name: 'legacy-meter', searchableAttributes: [], deprecated: false });
  await s.createThingGroup({ kind: 'static', name: 'site-a', description: 'site A', attributes: { city: 'Paris' } });
  await s.createThingGroup({ kind: 'static', name: 'floor-1', parentName: 'site-a', attributes: {} });
  await s.createThingGroup({ kind: 'static', name: 'floor-2', parentName: 'site-a', attributes: {} });
  await s.createThingGroup({ kind: 'dynamic', name: 'hot', queryString: 'attributes.temp > 30', attributes: {} });
  await s.createPolicy('device', devicePolicy);
  await s.createPolicy('site-ops', JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `arn:aws:iot:*:${ACCOUNT}:topicfilter/ops/*` } }));
  await s.registerCaCertificate({ certificateId: ca.certificateId, certificatePem: ca.certificatePem, status: 'ACTIVE', autoRegistration: true });
  await s.registerCertificate({ certificatePem: c1.certificatePem, caCertificatePem: ca.certificatePem, status: 'ACTIVE' });
  await s.registerCertificate({ certificatePem: c2.certificatePem, caCertificatePem: ca.certificatePem, status: 'INACTIVE' });
  await s.registerCertificate({ certificatePem: c3.certificatePem, status: 'ACTIVE' });
  await s.registerCertificate({ certificatePem: c4.certificatePem, status: 'REVOKED' });
  await s.registerCertificate({ certificatePem: c5.certificatePem, status: 'ACTIVE' });
  await s.createThing({ name: 'sensor-1', thingTypeName: 'sensor', attributes: { floor: '1', temp: '21' }, billingGroupName: 'standard' });
  await s.createThing({ name: 'sensor-2', thingTypeName: 'sensor', attributes: { floor: '2' } });
  await s.createThing({ name: 'gateway-1', thingTypeName: 'gateway', attributes: {} });
  await s.createThing({ name: 'meter-1', thingTypeName: 'legacy-meter', attributes: { model: 'm1' } });
  await s.createThing({ name: 'bare', attributes: {} });
  await s.setThingTypeDeprecated('legacy-meter', true);
  await s.addThingToGroup('sensor-1', { name: 'floor-1' });
  await s.addThingToGroup('sensor-2', { name: 'floor-2' });
  await s.addThingToGroup('gateway-1', { name: 'site-a' });
  await s.attachThingPrincipal('sensor-1', c1.certificateId, 'EXCLUSIVE_THING');
  await s.attachThingPrincipal('sensor-2', c2.certificateId, 'NON_EXCLUSIVE_THING');
  await s.attachThingPrincipal('gateway-1', c3.certificateId, 'NON_EXCLUSIVE_THING');
  await s.attachThingPrincipal('meter-1', c4.certificateId, 'NON_EXCLUSIVE_THING');
  const certTarget = (c: DeviceCertificate): PolicyTarget => ({ kind: 'certificate', certificateId: c.certificateId });
  for (const c of [c1, c2, c3]) await s.attachPolicy('device', certTarget(c));
  await s.attachPolicy('site-ops', { kind: 'thingGroup', groupName: 'site-a' });
  return { source, certificates: { ca, c1, c2, c3, c4, c5 } };
}
