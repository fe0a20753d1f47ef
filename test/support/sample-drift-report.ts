/** A drift report with a little of everything, built from snapshots through the real core (for the formatter tests). */
import { buildDriftReport, type DriftReport } from '../../lib/core/drift';
import { REGIONS, certId, certificate, policyDocument, snapshot, staticGroup, thing } from './builders';

/** A report with missing, different and extra items, a not-ready and a not-applicable device, and hostile text. */
export function sampleReport(): DriftReport {
  const build = (region: string) =>
    snapshot({
      thingGroups: [staticGroup('site')],
      things: ['device-1', 'device-2', 'device-3', 'device-10'].map((name) => thing(name, { groupNames: ['site'] })),
      certificates: ['a', 'b', 'c', 'd'].map((c) => certificate(certId(c))),
      policies: [{ name: 'fleet', document: policyDocument(region) }],
      policyAttachments: [{ policyName: 'fleet', target: { kind: 'thingGroup', groupName: 'site' } }],
      thingPrincipalAttachments: ['device-1', 'device-2', 'device-3', 'device-10'].map((thingName, i) => ({
        thingName,
        certificateId: certId('abcd'[i] as string),
        type: 'NON_EXCLUSIVE_THING' as const,
      })),
    });
  const source = build(REGIONS.sourceRegion);
  const target = build(REGIONS.targetRegion);
  source.certificates[2]!.status = 'INACTIVE';
  target.certificates[2]!.status = 'INACTIVE';
  target.certificates[0]!.status = 'INACTIVE';
  target.things[1]!.attributes = { note: '</td><script>window.injected = 1</script> | pipe' };
  target.things.push(thing('stray'));
  target.policyAttachments.push({ policyName: 'fleet', target: { kind: 'certificate', certificateId: certId('b') } });
  return buildDriftReport({ source, target, ...REGIONS, generatedAt: '2026-11-23T08:00:00.000Z', notes: ['Billing groups were not compared.'] });
}
