/** The HTML report an operator reads: both readiness levels, severities, policy differences as statements, the drill beside readiness. */
import { differenceSeverity } from '../../lib/core/difference-severity';
import { buildDriftReport, type ReportDifference } from '../../lib/core/drift';
import { formatHtml } from '../../lib/report/html';
import { REGIONS, certId, certificate, snapshot, thing } from '../support/builders';
import { ACCOUNT } from '../support/constants';

const CERT = certId('a');
const publishOne = (region: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:${region}:${ACCOUNT}:client/\${iot:Connection.Thing.ThingName}` },
    { Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:aws:iot:${region}:${ACCOUNT}:topic/one` },
  ] });

function tamperedReport() {
  const build = (region: string) =>
    snapshot({
      things: [thing('device-1'), thing('device-2')],
      certificates: [certificate(CERT), certificate(certId('b'))],
      policies: [{ name: 'device', document: publishOne(region) }],
      policyAttachments: [
        { policyName: 'device', target: { kind: 'certificate', certificateId: CERT } },
        { policyName: 'device', target: { kind: 'certificate', certificateId: certId('b') } },
      ],
      thingPrincipalAttachments: [
        { thingName: 'device-1', certificateId: CERT, type: 'EXCLUSIVE_THING' },
        { thingName: 'device-2', certificateId: certId('b'), type: 'EXCLUSIVE_THING' },
      ],
    });
  const source = build(REGIONS.sourceRegion);
  const target = build(REGIONS.targetRegion);
  target.policies[0]!.document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });
  target.certificates[1]!.status = 'REVOKED';
  return buildDriftReport({ source, target, ...REGIONS, generatedAt: '2026-12-01T00:00:00.000Z' });
}

describe('differenceSeverity', () => {
  const d = (over: Partial<ReportDifference>): ReportDifference => ({ kind: 'thing', key: 'k', change: 'different', ...over });
  it.each<[string, ReportDifference, string]>([
    ['an extra policy attachment grants more', d({ kind: 'policyAttachment', change: 'extra' }), 'critical'],
    ['a certificate REVOKED in the source but ACTIVE in the target', d({ kind: 'certificate', fields: [{ field: 'status', source: 'REVOKED', target: 'ACTIVE' }] }), 'critical'],
    ['a certificate ACTIVE in the source but INACTIVE in the target', d({ kind: 'certificate', fields: [{ field: 'status', source: 'ACTIVE', target: 'INACTIVE' }] }), 'high'],
    ['a missing certificate', d({ kind: 'certificate', change: 'missing', detail: 'status ACTIVE' }), 'high'],
    ['different thing attributes', d({ kind: 'thing' }), 'medium'],
    ['an extra thing type', d({ kind: 'thingType', change: 'extra' }), 'low'],
  ])('%s', (_, difference, severity) => {
    expect(differenceSeverity(difference).severity).toBe(severity);
  });
});

describe('formatHtml readiness, severity and drill', () => {
  const report = tamperedReport();

  it('rates a target policy that allows iot:* on * as critical and shows its statements added and removed', () => {
    const policy = report.differences.find((x) => x.kind === 'policy')!;
    expect(differenceSeverity(policy)).toMatchObject({ severity: 'critical', why: 'the target grants more than the source' });
    const html = formatHtml(report);
    expect(html).toContain('<span class="sev sev-critical"');
    expect(html).toContain('<li class="pd-add">+ added: Allow iot:* on *</li>');
    expect(html).toContain(`<li class="pd-rem">− removed: Allow iot:Publish on arn:aws:iot:eu-west-1:${ACCOUNT}:topic/one</li>`);
    expect(html).toContain('Critical differences');
  });

  it('shows both readiness levels and, per device, whether it could connect', () => {
    const html = formatHtml(report);
    expect(html).toContain('Connect-ready<b class="bad">50%</b>');
    expect(html).toContain('Fully ready<b class="bad">0%</b>');
    expect(html).toContain('<td>device-2</td>');
    expect(html).toContain('<td>no: certificate REVOKED</td>');
  });

  it('puts the drill result beside readiness when it ran', () => {
    const html = formatHtml({ ...report, drill: { region: 'eu-west-1', devices: 2, connected: 1, refused: [{ thingName: 'device-2', reason: 'certificate REVOKED' }] } });
    expect(html).toContain('Drill (eu-west-1)<b class="bad">1/2 connected</b>');
    expect(html).toContain('<td>refused: certificate REVOKED</td>');
    expect(html).toContain('<h2>Connection drill in eu-west-1: 1/2 connected</h2>');
    expect(formatHtml(report)).not.toContain('Connection drill');
  });
});
