/** Failover readiness per device, from two snapshots: what makes a device ready, and every reason it is not. */
import { buildDriftReport, deviceReadiness, summariseReadiness, type DeviceReadiness } from '../../lib/core/drift';
import { diff } from '../../lib/core/diff';
import type { RegistrySnapshot } from '../../lib/core/model';
import { REGIONS, certId, certificate, policyDocument, snapshot, staticGroup, thing } from '../support/builders';

const CERT = certId('a');
const SHORT = CERT.slice(0, 12);

/** One device in floor-1 (under site): its certificate carries a device policy, site carries a group policy. */
function region(name: string): RegistrySnapshot {
  return snapshot({
    thingGroups: [staticGroup('site'), staticGroup('floor-1', { parentName: 'site' })],
    things: [thing('device-1', { attributes: { model: 'm1' }, groupNames: ['floor-1'] })],
    certificates: [certificate(CERT)],
    policies: [
      { name: 'device-policy', document: policyDocument(name) },
      { name: 'group-policy', document: policyDocument(name) },
    ],
    policyAttachments: [
      { policyName: 'device-policy', target: { kind: 'certificate', certificateId: CERT } },
      { policyName: 'group-policy', target: { kind: 'thingGroup', groupName: 'site' } },
    ],
    thingPrincipalAttachments: [{ thingName: 'device-1', certificateId: CERT, type: 'EXCLUSIVE_THING' }],
  });
}

function readinessAfter(change: (source: RegistrySnapshot, target: RegistrySnapshot) => void): DeviceReadiness {
  const source = region(REGIONS.sourceRegion);
  const target = region(REGIONS.targetRegion);
  change(source, target);
  const [device] = deviceReadiness(source, target, diff(source, target, REGIONS));
  return device as DeviceReadiness;
}

describe('deviceReadiness', () => {
  it.each<[string, (s: RegistrySnapshot, t: RegistrySnapshot) => void, DeviceReadiness['status'], string[]]>([
    ['a device whose target matches is ready (policy ARNs compared after the region rewrite)', () => {}, 'ready', []],
    [
      'a missing thing makes it not ready',
      (_, t) => {
        t.things = [];
        t.thingPrincipalAttachments = [];
      },
      'not-ready',
      ['thing missing in target', `certificate ${SHORT} not attached to the thing in target`],
    ],
    [
      'a thing with other attributes makes it not ready',
      (_, t) => {
        t.things[0]!.attributes = { model: 'm2' };
      },
      'not-ready',
      ['thing differs in target: attributes'],
    ],
    [
      'a certificate INACTIVE in the target makes it not ready',
      (_, t) => {
        t.certificates[0]!.status = 'INACTIVE';
      },
      'not-ready',
      [`certificate ${SHORT} is INACTIVE in target`],
    ],
    [
      'a certificate missing in the target makes it not ready',
      (_, t) => {
        t.certificates = [];
      },
      'not-ready',
      [`certificate ${SHORT} missing in target`],
    ],
    [
      'a policy whose document differs makes it not ready',
      (_, t) => {
        t.policies[0]!.document = policyDocument('ap-south-1');
      },
      'not-ready',
      ['policy device-policy document differs in target'],
    ],
    [
      'a policy missing in the target makes it not ready',
      (_, t) => {
        t.policies = t.policies.filter((p) => p.name !== 'device-policy');
        t.policyAttachments = t.policyAttachments.filter((a) => a.policyName !== 'device-policy');
      },
      'not-ready',
      ['policy device-policy missing in target', `policy device-policy not attached to certificate ${SHORT} in target`],
    ],
    [
      'a policy not attached to the certificate makes it not ready',
      (_, t) => {
        t.policyAttachments = t.policyAttachments.filter((a) => a.policyName !== 'device-policy');
      },
      'not-ready',
      [`policy device-policy not attached to certificate ${SHORT} in target`],
    ],
    [
      'a group policy inherited through an ancestor group counts: unattached in the target, the device is not ready',
      (_, t) => {
        t.policyAttachments = t.policyAttachments.filter((a) => a.policyName !== 'group-policy');
      },
      'not-ready',
      ['policy group-policy not attached to group site in target'],
    ],
    [
      'an ancestor the target group does not reach makes it not ready',
      (_, t) => {
        t.thingGroups = [staticGroup('site'), staticGroup('floor-1')];
      },
      'not-ready',
      ['group site (policy group-policy) not reached by the thing in target'],
    ],
    [
      'a missing group membership makes it not ready',
      (_, t) => {
        t.things[0]!.groupNames = [];
      },
      'not-ready',
      ['not in group floor-1 in target', 'group site (policy group-policy) not reached by the thing in target'],
    ],
    [
      'a missing thing–principal attachment makes it not ready',
      (_, t) => {
        t.thingPrincipalAttachments = [];
      },
      'not-ready',
      [`certificate ${SHORT} not attached to the thing in target`],
    ],
    [
      'a device without an ACTIVE certificate in the source is not applicable',
      (s) => {
        s.certificates[0]!.status = 'INACTIVE';
      },
      'not-applicable',
      ['no ACTIVE certificate in source'],
    ],
    [
      'a device without any certificate in the source is not applicable',
      (s) => {
        s.thingPrincipalAttachments = [];
      },
      'not-applicable',
      ['no ACTIVE certificate in source'],
    ],
  ])('%s', (_, change, status, reasons) => {
    const device = readinessAfter(change);
    expect(device).toMatchObject({ thingName: 'device-1', status, reasons: expect.arrayContaining(reasons), fullyReady: status === 'ready' });
    expect(device.reasons).toHaveLength(reasons.length);
  });

  it('needs every ACTIVE certificate of a device to be ready, and ignores its inactive ones', () => {
    const second = certId('b');
    const third = certId('c');
    const device = readinessAfter((s, t) => {
      for (const r of [s, t]) {
        r.certificates.push(certificate(second), certificate(third, { status: 'INACTIVE' }));
        r.thingPrincipalAttachments.push({ thingName: 'device-1', certificateId: second, type: 'NON_EXCLUSIVE_THING' }, { thingName: 'device-1', certificateId: third, type: 'NON_EXCLUSIVE_THING' });
      }
      t.certificates = t.certificates.filter((c) => c.certificateId !== third);
      t.certificates.find((c) => c.certificateId === second)!.status = 'REVOKED';
    });
    expect(device).toMatchObject({ thingName: 'device-1', status: 'not-ready', reasons: [`certificate ${second.slice(0, 12)} is REVOKED in target`], connectReady: false, connectReasons: ['certificate REVOKED'] });
  });
});

describe('summariseReadiness', () => {
  it('divides ready devices by the applicable ones', () => {
    const summary = summariseReadiness([
      { thingName: 'a', status: 'ready', reasons: [], connectReady: true, fullyReady: true },
      { thingName: 'b', status: 'not-ready', reasons: ['x'], connectReady: true, fullyReady: false },
      { thingName: 'c', status: 'ready', reasons: [], connectReady: true, fullyReady: true },
      { thingName: 'd', status: 'not-applicable', reasons: ['no ACTIVE certificate in source'], connectReady: false, fullyReady: false },
    ]);
    expect(summary).toEqual({ devices: 4, ready: 2, notReady: 1, notApplicable: 1, readinessPercent: 66.67, connectReady: 3, connectReadinessPercent: 100 });
  });

  it('reads 100 % when no device is applicable', () => {
    expect(summariseReadiness([{ thingName: 'd', status: 'not-applicable', reasons: [], connectReady: false, fullyReady: false }]).readinessPercent).toBe(100);
    expect(summariseReadiness([]).readinessPercent).toBe(100);
  });
});

describe('buildDriftReport', () => {
  const report = (change: (s: RegistrySnapshot, t: RegistrySnapshot) => void) => {
    const source = region(REGIONS.sourceRegion);
    const target = region(REGIONS.targetRegion);
    change(source, target);
    return buildDriftReport({ source, target, ...REGIONS, generatedAt: '2026-11-23T00:00:00.000Z' });
  };

  it('reports two matching regions as in sync with every device ready', () => {
    const r = report(() => {});
    expect(r).toMatchObject({ inSync: true, totals: { differences: 0 }, readiness: { devices: 1, ready: 1, readinessPercent: 100 }, devices: [], differences: [] });
    expect(r.byKind.policy).toEqual({ source: 2, target: 2, missing: 0, different: 0, extra: 0, invalid: 0 });
  });

  it('reports differences in both directions, with the differing fields and both values, and no item bodies', () => {
    const r = report((s, t) => {
      t.certificates[0]!.status = 'INACTIVE';
      t.things.push(thing('stray'));
      s.things.push(thing('new-device'));
    });
    expect(r.totals).toEqual({ differences: 3, missing: 1, different: 1, extra: 1, invalid: 0 });
    expect(r.differences).toEqual([
      { kind: 'certificate', key: CERT, change: 'different', fields: [{ field: 'status', source: 'ACTIVE', target: 'INACTIVE' }] },
      { kind: 'thing', key: 'new-device', change: 'missing' },
      { kind: 'thing', key: 'stray', change: 'extra' },
    ]);
    expect(r.byKind.thing).toMatchObject({ source: 2, target: 2, missing: 1, extra: 1 });
    expect(r.devices).toEqual([
      { thingName: 'device-1', status: 'not-ready', reasons: [`certificate ${SHORT} is INACTIVE in target`], connectReady: false, fullyReady: false, connectReasons: ['certificate INACTIVE'] },
      { thingName: 'new-device', status: 'not-applicable', reasons: ['no ACTIVE certificate in source'], connectReady: false, fullyReady: false },
    ]);
    expect(r.readiness).toEqual({ devices: 2, ready: 0, notReady: 1, notApplicable: 1, readinessPercent: 0, connectReady: 0, connectReadinessPercent: 0 });
  });

  it('compares policy documents after rewriting the source region, showing both normalised documents', () => {
    const r = report((_, t) => {
      t.policies[1]!.document = policyDocument(REGIONS.sourceRegion);
    });
    const [d] = r.differences;
    expect(d).toMatchObject({ kind: 'policy', key: 'group-policy', change: 'different' });
    expect(String(d?.fields?.[0]?.source)).toContain(`arn:aws:iot:${REGIONS.targetRegion}:`);
    expect(String(d?.fields?.[0]?.target)).toContain(`arn:aws:iot:${REGIONS.sourceRegion}:`);
  });
});
