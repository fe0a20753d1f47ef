/**
 * Readiness and the drill agree: a fleet synced to both regions, then one region broken in known ways;
 * the drift report's not-connect-ready devices are exactly the drill's refusals there, with the same
 * reasons — in each direction.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  CreatePolicyCommand,
  CreateThingGroupCommand,
  DeleteCertificateCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { runDrillCommand } from '../../bin/commands/drill';
import { runDriftCommand } from '../../bin/commands/drift';
import type { DriftReport } from '../../lib/core/drift';
import type { RunningEmulator } from '../../lib/local/emulator';
import { createDrillFleet, type DrillFleetDevice } from '../../lib/local/failover-drill';
import { iot, PRIMARY, SECONDARY, start } from '../support/emulator';
import { ACCOUNT } from '../support/constants';

let emulator: RunningEmulator;
const clients: Record<string, IoTClient> = {};
let dir: string;

beforeAll(async () => {
  emulator = await start({ mqtt: { port: 0 } });
  for (const r of [PRIMARY, SECONDARY]) clients[r] = iot(emulator, r);
  dir = mkdtempSync(join(tmpdir(), 'agree-'));
});
afterAll(async () => {
  for (const c of Object.values(clients)) c.destroy();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

const arnOf = (region: string, certificateId: string) => `arn:aws:iot:${region}:${ACCOUNT}:cert/${certificateId}`;
const publishOnly = (region: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:aws:iot:${region}:${ACCOUNT}:topic/site/*` }] });
const narrowed = (region: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:${region}:${ACCOUNT}:client/some-other-client` }] });
const denyAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:*', Resource: '*' }] });

/** Builds a synced fleet under `prefix`, breaks it in `broken`, and returns the devices by role. */
async function brokenFleet(prefix: string, broken: string) {
  const fleet = await createDrillFleet(
    { primary: { client: clients[PRIMARY]!, region: PRIMARY }, secondary: { client: clients[SECONDARY]!, region: SECONDARY } },
    ACCOUNT,
    prefix,
    9,
  );
  const [ok, missing, inactive, revoked, noPolicy, narrow, unattached, publishGroupMissing, denied] = fleet as DrillFleetDevice[];
  // Both regions: a group with a Publish-only policy holding one device.
  for (const r of [PRIMARY, SECONDARY]) {
    const c = clients[r]!;
    await c.send(new CreateThingGroupCommand({ thingGroupName: `${prefix}-site` }));
    await c.send(new CreatePolicyCommand({ policyName: `${prefix}-publish`, policyDocument: publishOnly(r) }));
    await c.send(new AttachPolicyCommand({ policyName: `${prefix}-publish`, target: `arn:aws:iot:${r}:${ACCOUNT}:thinggroup/${prefix}-site` }));
    await c.send(new AddThingToThingGroupCommand({ thingGroupName: `${prefix}-site`, thingName: publishGroupMissing!.thingName }));
  }
  const c = clients[broken]!;
  const arn = (d: DrillFleetDevice) => arnOf(broken, d.certificateId);
  // cert missing
  await c.send(new UpdateCertificateCommand({ certificateId: missing!.certificateId, newStatus: 'INACTIVE' }));
  await c.send(new DetachThingPrincipalCommand({ thingName: missing!.thingName, principal: arn(missing!) }));
  await c.send(new DetachPolicyCommand({ policyName: `${prefix}-connect`, target: arn(missing!) }));
  await c.send(new DeleteCertificateCommand({ certificateId: missing!.certificateId }));
  // INACTIVE, REVOKED
  await c.send(new UpdateCertificateCommand({ certificateId: inactive!.certificateId, newStatus: 'INACTIVE' }));
  await c.send(new UpdateCertificateCommand({ certificateId: revoked!.certificateId, newStatus: 'REVOKED' }));
  // policy missing
  await c.send(new DetachPolicyCommand({ policyName: `${prefix}-connect`, target: arn(noPolicy!) }));
  // policy narrowed so that Connect is denied
  await c.send(new DetachPolicyCommand({ policyName: `${prefix}-connect`, target: arn(narrow!) }));
  await c.send(new CreatePolicyCommand({ policyName: `${prefix}-narrow`, policyDocument: narrowed(broken) }));
  await c.send(new AttachPolicyCommand({ policyName: `${prefix}-narrow`, target: arn(narrow!) }));
  // thing attachment missing, with the thing-variable policy
  await c.send(new DetachThingPrincipalCommand({ thingName: unattached!.thingName, principal: arn(unattached!) }));
  // the Publish-only group policy missing: still connect-ready
  await c.send(new DetachPolicyCommand({ policyName: `${prefix}-publish`, target: `arn:aws:iot:${broken}:${ACCOUNT}:thinggroup/${prefix}-site` }));
  // an explicit Deny
  await c.send(new CreatePolicyCommand({ policyName: `${prefix}-deny`, policyDocument: denyAll }));
  await c.send(new AttachPolicyCommand({ policyName: `${prefix}-deny`, target: arn(denied!) }));
  return { fleet, ok: ok!, publishGroupMissing: publishGroupMissing! };
}

async function report(source: string, target: string): Promise<DriftReport> {
  let text = '';
  const code = await runDriftCommand(
    { sourceRegion: source, targetRegion: target, endpoint: emulator.url, quotaScale: 0, format: 'json' },
    { print: (t) => (text += t), message: () => undefined },
  );
  expect(code).toBe(2);
  return JSON.parse(text) as DriftReport;
}

async function drill(region: string, fleet: DrillFleetDevice[]) {
  const file = join(dir, `${region}.json`);
  writeFileSync(file, JSON.stringify(fleet.map((d) => ({ thingName: d.thingName, clientId: d.clientId, certificatePem: d.certificatePem, privateKey: d.privateKeyPem }))));
  const out: string[] = [];
  const code = await runDrillCommand(
    { devicesFile: file, region, endpoint: emulator.url, mqttEndpoint: emulator.dataPlane!.url, concurrency: 4, timeoutMs: 5000, json: true },
    { stdout: (l) => out.push(l), stderr: { write: () => true } },
  );
  expect(code).toBe(2);
  return JSON.parse(out.join('\n')) as { region: string; devices: number; connected: number; refused: { thingName: string; reason: string }[] };
}

describe.each([
  ['the secondary', PRIMARY, SECONDARY, 'sec'],
  ['the primary', SECONDARY, PRIMARY, 'pri'],
])('a fleet broken in %s', (_, source, target, prefix) => {
  it("lists as not connect-ready exactly the devices the drill cannot connect, for the same reasons", async () => {
    const { fleet, ok, publishGroupMissing } = await brokenFleet(prefix, target);
    const r = await report(source, target);
    const result = await drill(target, fleet);

    const ours = (name: string) => name.startsWith(`${prefix}-`);
    const notConnectReady = r.devices
      .filter((d) => ours(d.thingName) && d.status !== 'not-applicable' && !d.connectReady)
      .map((d) => ({ thingName: d.thingName, reason: (d.connectReasons ?? []).join('; ') }));
    expect(notConnectReady).toEqual(result.refused);
    expect(result.refused).toHaveLength(7);
    // Connect-ready but not fully ready: the Publish-only group policy is missing.
    expect(r.devices.find((d) => d.thingName === publishGroupMissing.thingName)).toMatchObject({ connectReady: true, fullyReady: false });
    expect(r.devices.find((d) => d.thingName === ok.thingName)).toBeUndefined();

    // The drill's result goes beside the readiness in the operator's report.
    const drillFile = join(dir, `${prefix}-drill.json`);
    writeFileSync(drillFile, JSON.stringify(result));
    let html = '';
    const code = await runDriftCommand(
      { sourceRegion: source, targetRegion: target, endpoint: emulator.url, quotaScale: 0, format: 'html', drillResult: drillFile },
      { print: (t) => (html += t), message: () => undefined },
    );
    expect(code).toBe(2);
    expect(html).toContain(`<td>refused: certificate REVOKED</td>`);
    const wrongRegion = await runDriftCommand(
      { sourceRegion: target, targetRegion: source, endpoint: emulator.url, quotaScale: 0, format: 'json', drillResult: drillFile },
      { print: () => undefined, message: (line) => void expect(line).toMatch(/--drill-result: the drill ran in/) },
    );
    expect(wrongRegion).toBe(1);
  });
});
