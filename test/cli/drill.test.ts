import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { runDrillCommand, type DrillCommandOptions } from '../../bin/commands/drill';
import { parseDrillDevices } from '../../lib/aws/drill';
import type { RunningEmulator } from '../../lib/local/emulator';
import { iot, PRIMARY, start } from '../support/emulator';
import { createFleet, type FleetDevice } from '../support/device-fleet';
import { ACCOUNT } from '../support/constants';

let emulator: RunningEmulator;
let client: IoTClient;
let dir: string;
let fleet: FleetDevice[];

beforeAll(async () => {
  emulator = await start({ mqtt: { port: 0 } });
  client = iot(emulator, PRIMARY);
  dir = mkdtempSync(join(tmpdir(), 'drill-'));
  fleet = await createFleet(client, PRIMARY, 'drill', 8);
});
afterAll(async () => {
  client.destroy();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

async function drill(devices: unknown[], extra: Partial<DrillCommandOptions> = {}) {
  const file = join(dir, `devices-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(devices));
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDrillCommand(
    { devicesFile: file, region: PRIMARY, endpoint: emulator.url, mqttEndpoint: emulator.dataPlane!.url, concurrency: 4, timeoutMs: 5000, json: true, ...extra },
    { stdout: (l) => out.push(l), stderr: { write: (t) => err.push(t) } },
  );
  return { code, out: out.join('\n'), err: err.join(''), json: extra.json === false ? undefined : (JSON.parse(out.join('\n')) as { devices: number; connected: number; refused: { thingName: string; reason: string }[]; publishFailed: unknown[] }) };
}

describe('the drill', () => {
  it('connects a healthy fleet and publishes from each device (exit 0)', async () => {
    const result = await drill(fleet.slice(0, 3), { publish: 'devices/{clientId}/drill' });
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ devices: 3, connected: 3, refused: [], publishFailed: [] });
  });

  it('reports a failed publish outside the policy (exit 2)', async () => {
    const result = await drill(fleet.slice(0, 1), { publish: 'elsewhere/{clientId}' });
    expect(result.code).toBe(2);
    expect(result.json?.publishFailed).toHaveLength(1);
  });

  it('names each refused device with the reason the data plane refused it, and never prints a key', async () => {
    const [ok, inactive, revoked, detachedPolicy, denied, unattached] = fleet.slice(2) as FleetDevice[];
    await client.send(new UpdateCertificateCommand({ certificateId: inactive!.certificateId, newStatus: 'INACTIVE' }));
    await client.send(new UpdateCertificateCommand({ certificateId: revoked!.certificateId, newStatus: 'REVOKED' }));
    await client.send(new DetachPolicyCommand({ policyName: 'drill-policy', target: detachedPolicy!.certificateArn }));
    await client.send(new CreatePolicyCommand({
      policyName: 'drill-deny',
      policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:Connect', Resource: `arn:aws:iot:${PRIMARY}:${ACCOUNT}:client/*` }] }),
    }));
    await client.send(new AttachPolicyCommand({ policyName: 'drill-deny', target: denied!.certificateArn }));
    await client.send(new DetachThingPrincipalCommand({ thingName: unattached!.thingName, principal: unattached!.certificateArn }));
    const before = emulator.dataPlane!.refusals().length;

    const result = await drill([ok, inactive, revoked, detachedPolicy, denied, unattached, { thingName: 'broken', clientId: 'broken' }]);

    expect(result.code).toBe(2);
    expect(result.json?.connected).toBe(1);
    expect(result.json?.refused).toEqual([
      { thingName: 'broken', reason: 'invalid entry: certificatePem: Invalid input: expected string, received undefined' },
      { thingName: detachedPolicy!.thingName, reason: 'no policy allows iot:Connect for this client' },
      { thingName: denied!.thingName, reason: 'a policy denies iot:Connect for this client' },
      { thingName: inactive!.thingName, reason: 'certificate INACTIVE' },
      { thingName: revoked!.thingName, reason: 'certificate REVOKED' },
      { thingName: unattached!.thingName, reason: 'no policy allows iot:Connect for this client' },
    ].sort((a, b) => (a.thingName < b.thingName ? -1 : 1)));
    // The drill's diagnosis is what the data plane itself decided.
    const seen = emulator.dataPlane!.refusals().slice(before);
    const byDataPlane = new Map(seen.map((r) => [r.clientId ?? fleet.find((d) => d.certificateId === r.certificateId)?.thingName, r.reason]));
    for (const r of result.json!.refused.filter((x) => x.thingName !== 'broken')) expect(byDataPlane.get(r.thingName)).toBe(r.reason);
    for (const d of fleet) expect(result.out).not.toContain(d.privateKey.split('\n')[1]);
  });

  it('reports devices not registered in the region the SNI names', async () => {
    const result = await drill(fleet.slice(0, 2), { region: 'eu-west-1' });
    expect(result.code).toBe(2);
    expect(result.json?.refused.map((r) => r.reason)).toEqual(['certificate not registered', 'certificate not registered']);
  });

  it('prints one line per refused device and a summary without --json', async () => {
    const result = await drill(fleet.slice(2, 4), { json: false });
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/refused\s+drill-003: certificate INACTIVE/);
    expect(result.out).toMatch(/us-east-1 \(a[0-9a-f]{13}-ats\.iot\.us-east-1\.amazonaws\.com\): 1\/2 connected, 1 refused/);
  });

  it('requires --mqtt-endpoint with --endpoint', async () => {
    await expect(runDrillCommand({ devicesFile: 'x', region: PRIMARY, endpoint: emulator.url, concurrency: 1, timeoutMs: 1000, json: true })).rejects.toThrow(/--mqtt-endpoint is required/);
  });
});

describe('parseDrillDevices', () => {
  it('keeps good entries, reports each bad one by index and field, and rejects a non-array', () => {
    const { devices, invalid } = parseDrillDevices(JSON.stringify([{ thingName: 'a', clientId: 'a', certificatePem: 'nope', privateKey: 'secret' }, 5]), 'f.json');
    expect(devices).toEqual([]);
    expect(invalid).toEqual([
      { index: 0, thingName: 'a', error: 'certificatePem: certificatePem must be a PEM certificate' },
      { index: 1, error: '(root): Invalid input: expected object, received number' },
    ]);
    expect(JSON.stringify(invalid)).not.toContain('secret');
    expect(() => parseDrillDevices('{}', 'f.json')).toThrow(/f.json: must be a JSON array/);
  });
});
