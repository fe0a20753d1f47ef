/** connectReady vs fullyReady: a device can connect in the target while it still lacks a permission it has in the source. */
import { deviceReadiness, type DeviceReadiness } from '../../lib/core/drift';
import { diff } from '../../lib/core/diff';
import type { RegistrySnapshot } from '../../lib/core/model';
import { REGIONS, certId, certificate, snapshot, staticGroup, thing } from '../support/builders';
import { ACCOUNT } from '../support/constants';

const CERT = certId('a');
const connectDoc = (region: string, client = '${iot:Connection.Thing.ThingName}') =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:${region}:${ACCOUNT}:client/${client}` }] });
const publishDoc = (region: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:aws:iot:${region}:${ACCOUNT}:topic/site/*` }] });

/** device-1 in floor-1 (under site): a Connect policy on its certificate, a Publish-only policy on site. */
function region(name: string): RegistrySnapshot {
  return snapshot({
    thingGroups: [staticGroup('site'), staticGroup('floor-1', { parentName: 'site' })],
    things: [thing('device-1', { groupNames: ['floor-1'] })],
    certificates: [certificate(CERT)],
    policies: [
      { name: 'connect', document: connectDoc(name) },
      { name: 'publish', document: publishDoc(name) },
    ],
    policyAttachments: [
      { policyName: 'connect', target: { kind: 'certificate', certificateId: CERT } },
      { policyName: 'publish', target: { kind: 'thingGroup', groupName: 'site' } },
    ],
    thingPrincipalAttachments: [{ thingName: 'device-1', certificateId: CERT, type: 'EXCLUSIVE_THING' }],
  });
}

function after(change: (t: RegistrySnapshot) => void): DeviceReadiness {
  const source = region(REGIONS.sourceRegion);
  const target = region(REGIONS.targetRegion);
  change(target);
  return deviceReadiness(source, target, diff(source, target, REGIONS), REGIONS.targetRegion)[0] as DeviceReadiness;
}

describe('connect readiness', () => {
  it.each<[string, (t: RegistrySnapshot) => void, boolean, boolean, string[] | undefined]>([
    ['a matching target: connect-ready and fully ready', () => {}, true, true, undefined],
    ['a missing Publish-only group policy: still connect-ready, not fully ready', (t) => {
      t.policyAttachments = t.policyAttachments.filter((a) => a.policyName !== 'publish');
    }, true, false, undefined],
    ['a missing Connect policy: neither', (t) => {
      t.policyAttachments = t.policyAttachments.filter((a) => a.policyName !== 'connect');
    }, false, false, ['no policy allows iot:Connect for this client']],
    ['a Connect policy narrowed to another client: neither', (t) => {
      t.policies[0]!.document = connectDoc(REGIONS.targetRegion, 'someone-else');
    }, false, false, ['no policy allows iot:Connect for this client']],
    ['an explicit Deny on the group: neither', (t) => {
      t.policies[1]!.document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:*', Resource: '*' }] });
    }, false, false, ['a policy denies iot:Connect for this client']],
    ['the certificate detached from the thing, with a thing-variable policy: neither', (t) => {
      t.thingPrincipalAttachments = [];
    }, false, false, ['no policy allows iot:Connect for this client']],
    ['the certificate missing: neither', (t) => {
      t.certificates = [];
    }, false, false, ['certificate not registered']],
    ['the certificate REVOKED: neither', (t) => {
      t.certificates[0]!.status = 'REVOKED';
    }, false, false, ['certificate REVOKED']],
  ])('%s', (_, change, connectReady, fullyReady, connectReasons) => {
    const device = after(change);
    expect({ connectReady: device.connectReady, fullyReady: device.fullyReady, connectReasons: device.connectReasons }).toEqual({ connectReady, fullyReady, connectReasons });
  });

  it('makes a device that the comparison finds ready, but that an extra Deny stops connecting, not ready', () => {
    const device = after((t) => {
      t.policies.push({ name: 'extra-deny', document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:Connect', Resource: '*' }] }) });
      t.policyAttachments.push({ policyName: 'extra-deny', target: { kind: 'certificate', certificateId: CERT } });
    });
    expect(device).toMatchObject({
      status: 'not-ready',
      connectReady: false,
      fullyReady: false,
      reasons: ['cannot connect in target: a policy denies iot:Connect for this client'],
    });
  });
});
