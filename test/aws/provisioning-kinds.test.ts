/**
 * The adapter against the emulator over HTTP for the provisioning kinds. Templates: describe shape, a new default
 * version at the five-version limit (the oldest non-default one goes), the hook removed, deletion.
 */
import { ListProvisioningTemplateVersionsCommand } from '@aws-sdk/client-iot';
import { createIotClient, createIotRegistry } from '../../lib/aws/clients';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import { syncResources } from '../../lib/core/sync';
import { startEmulator, type RunningEmulator } from '../../lib/local/emulator';
import { ACCOUNT } from '../support/constants';

const REGION = 'eu-west-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/provisioning`;
const body = (n: number) => JSON.stringify({ Parameters: { N: { Type: 'String', Default: String(n) } }, Resources: {} });

let emulator: RunningEmulator;
let registry: IotRegistry;

beforeAll(async () => {
  emulator = await startEmulator({ quotaScale: 0, accountId: ACCOUNT, registryEvents: 'none' });
  registry = createIotRegistry({ region: REGION, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 } });
});
afterAll(async () => emulator.close());

it('creates, reads, updates past the version limit and deletes a provisioning template', async () => {
  const hook = { targetArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:check`, payloadVersion: '2020-04-01' };
  await registry.createProvisioningTemplate({ name: 'claim', templateBody: body(1), type: 'FLEET_PROVISIONING', enabled: false, provisioningRoleArn: ROLE, description: 'd', preProvisioningHook: hook });
  expect(await registry.getProvisioningTemplate('claim')).toEqual({ name: 'claim', templateBody: body(1), type: 'FLEET_PROVISIONING', enabled: false, provisioningRoleArn: ROLE, description: 'd', preProvisioningHook: hook });
  expect([...(await collect(registry.listProvisioningTemplates()))].map((t) => t.name)).toEqual(['claim']);

  for (let n = 2; n <= 7; n++) {
    await registry.updateProvisioningTemplate({ name: 'claim', templateBody: body(n), type: 'FLEET_PROVISIONING', enabled: true, provisioningRoleArn: ROLE }, { newBody: true });
  }
  expect(await registry.getProvisioningTemplate('claim')).toEqual({ name: 'claim', templateBody: body(7), type: 'FLEET_PROVISIONING', enabled: true, provisioningRoleArn: ROLE });
  const client = createIotClient({ region: REGION, endpoint: emulator.url });
  const versions = (await client.send(new ListProvisioningTemplateVersionsCommand({ templateName: 'claim' }))).versions ?? [];
  expect(versions.map((v) => v.versionId).sort((a, b) => a! - b!)).toEqual([3, 4, 5, 6, 7]);
  client.destroy();

  await registry.deleteProvisioningTemplate('claim');
  expect(await registry.getProvisioningTemplate('claim')).toBeUndefined();
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("a thing type's MQTT 5 propagating attributes, synced between two emulated regions", () => {
  it('are copied, updated and cleared, then no write call is made', async () => {
    const source = createIotRegistry({ region: 'us-east-1', endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 } });
    const ref = { kind: 'thingType' as const, name: 'meter' };
    const sync = () => syncResources(source, { reader: registry, writer: registry }, [ref], { sourceRegion: 'us-east-1', targetRegion: REGION });
    const serial = { userPropertyKey: 'serial', thingAttribute: 'serialNumber' };
    await source.createThingType({ name: 'meter', searchableAttributes: [], deprecated: false, mqtt5Configuration: { propagatingAttributes: [serial] } });
    await sync();
    expect((await registry.getThingType('meter'))?.mqtt5Configuration).toEqual({ propagatingAttributes: [serial] });

    const client = { userPropertyKey: 'client', connectionAttribute: 'iot:ClientId' };
    await source.updateThingType({ name: 'meter', searchableAttributes: [], deprecated: false, mqtt5Configuration: { propagatingAttributes: [serial, client] } });
    expect((await sync()).differences).toMatchObject([{ kind: 'thingType', fields: [{ field: 'mqtt5Configuration' }] }]);
    expect((await registry.getThingType('meter'))?.mqtt5Configuration).toEqual({ propagatingAttributes: [serial, client] });

    await source.updateThingType({ name: 'meter', searchableAttributes: [], deprecated: false });
    await sync();
    expect((await registry.getThingType('meter'))?.mqtt5Configuration).toBeUndefined();
    expect((await sync()).differences).toEqual([]);
  });
});

describe('the fleet-indexing configuration through the adapter', () => {
  it('reads OFF by default and writes a whole configuration back as read', async () => {
    const fresh = createIotRegistry({ region: 'ap-south-1', endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 } });
    expect((await fresh.getIndexingConfiguration()).thingIndexingMode).toBe('OFF');
    const wanted = {
      thingIndexingMode: 'REGISTRY_AND_SHADOW' as const,
      thingConnectivityIndexingMode: 'STATUS' as const,
      deviceDefenderIndexingMode: 'OFF' as const,
      namedShadowIndexingMode: 'ON' as const,
      customFields: [{ name: 'attributes.floor', type: 'Number' as const }],
      namedShadowNames: ['config'],
      thingGroupIndexingMode: 'ON' as const,
      thingGroupCustomFields: [],
    };
    await fresh.updateIndexingConfiguration(wanted);
    expect(await fresh.getIndexingConfiguration()).toEqual(wanted);
  });
});
