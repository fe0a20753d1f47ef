import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateDomainConfigurationCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DescribeEndpointCommand,
  UpdateCertificateCommand,
  UpdateDomainConfigurationCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { connectDevice, parseMqttEndpoint, type ConnectResult, type DeviceIdentity } from '../../lib/aws/mqtt-device';
import type { RunningEmulator } from '../../lib/local/emulator';
import { iot, PRIMARY, SECONDARY, start, uniqueName } from '../support/emulator';
import { ACCOUNT } from '../support/constants';
import { thingPolicyDocument } from '../support/device-fleet';


interface Device extends DeviceIdentity {
  certificateId: string;
  certificateArn: string;
}

let emulator: RunningEmulator;
let primary: IoTClient;
let secondary: IoTClient;
let endpointName: Record<string, string>;
let host: string;
let port: number;

beforeAll(async () => {
  emulator = await start({ mqtt: { port: 0 } });
  primary = iot(emulator, PRIMARY);
  secondary = iot(emulator, SECONDARY);
  ({ host, port } = parseMqttEndpoint(emulator.dataPlane!.url));
  endpointName = {};
  for (const [region, client] of [[PRIMARY, primary], [SECONDARY, secondary]] as const) {
    endpointName[region] = (await client.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }))).endpointAddress!;
    await client.send(new CreatePolicyCommand({ policyName: 'thing-policy', policyDocument: thingPolicyDocument(region) }));
  }
});
afterAll(async () => {
  primary.destroy();
  secondary.destroy();
  await emulator.close();
});

/** A thing with a fresh certificate in the primary; the thing policy on the certificate unless told. */
async function device(options: { policy?: boolean; attach?: boolean } = {}): Promise<Device> {
  const name = uniqueName('dev');
  const keys = await primary.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await primary.send(new CreateThingCommand({ thingName: name }));
  if (options.attach !== false) await primary.send(new AttachThingPrincipalCommand({ thingName: name, principal: keys.certificateArn! }));
  if (options.policy !== false) await primary.send(new AttachPolicyCommand({ policyName: 'thing-policy', target: keys.certificateArn! }));
  return { clientId: name, certificatePem: keys.certificatePem!, privateKeyPem: keys.keyPair!.PrivateKey!, certificateId: keys.certificateId!, certificateArn: keys.certificateArn! };
}

/** Connects to the data plane with SNI `serverName` (default: the primary's endpoint; null: no SNI). */
const connect = (d: DeviceIdentity, serverName: string | null = endpointName[PRIMARY]!) =>
  connectDevice({ host, port, caPem: emulator.caCertificatePem, ...(serverName !== null ? { serverName } : {}) }, d, { timeoutMs: 5000 });

async function connected(result: ConnectResult) {
  if (!result.ok) throw new Error(`expected a connection, got ${result.failure.kind}: ${result.failure.message}`);
  return result.device;
}
const lastRefusal = () => emulator.dataPlane!.refusals().at(-1);

describe('the emulator data plane', () => {
  it('DescribeEndpoint gives each region its own ATS name', () => {
    expect(endpointName[PRIMARY]).toMatch(new RegExp(`^a[0-9a-f]{13}-ats\\.iot\\.${PRIMARY}\\.amazonaws\\.com$`));
    expect(endpointName[SECONDARY]).toBe(endpointName[PRIMARY]!.replace(PRIMARY, SECONDARY));
  });

  it('connects a registered device, which publishes and receives its own message', async () => {
    const d = await device();
    const dev = await connected(await connect(d));
    expect(await dev.subscribe(`devices/${d.clientId}/echo`)).toBe(true);
    await dev.publish(`devices/${d.clientId}/echo`, 'hello');
    const message = await dev.nextMessage(`devices/${d.clientId}/echo`);
    expect(message?.payload.toString()).toBe('hello');
    await dev.disconnect();
  });

  it('refuses a subscription outside the policy with SUBACK 0x80, and keeps the connection', async () => {
    const d = await device();
    const dev = await connected(await connect(d));
    expect(await dev.subscribe('devices/someone-else/echo')).toBe(false);
    expect(dev.connected).toBe(true);
    await dev.disconnect();
  });

  it('closes the connection of a certificate not registered in the region the SNI names', async () => {
    const d = await device();
    const result = await connect(d, endpointName[SECONDARY]);
    expect(result.ok ? 'connected' : result.failure.kind).toBe('closed');
    expect(lastRefusal()).toMatchObject({ region: SECONDARY, reason: 'certificate not registered', certificateId: d.certificateId });
  });

  it.each(['INACTIVE', 'REVOKED'] as const)('closes the connection of an %s certificate', async (status) => {
    const d = await device();
    await primary.send(new UpdateCertificateCommand({ certificateId: d.certificateId, newStatus: status }));
    const result = await connect(d);
    expect(result.ok ? 'connected' : result.failure.kind).toBe('closed');
    expect(lastRefusal()).toMatchObject({ region: PRIMARY, reason: `certificate ${status}` });
  });

  it('answers CONNACK not authorized when no policy allows iot:Connect for the client ID', async () => {
    const d = await device();
    const result = await connect({ ...d, clientId: `${d.clientId}-impostor` });
    expect(result.ok ? 'connected' : result.failure.kind).toBe('not-authorized');
    expect(lastRefusal()).toMatchObject({ reason: 'no policy allows iot:Connect for this client', clientId: `${d.clientId}-impostor` });
  });

  it('refuses a thing-variable policy when the certificate is not attached to the thing', async () => {
    const d = await device({ attach: false });
    const result = await connect(d);
    expect(result.ok ? 'connected' : result.failure.kind).toBe('not-authorized');
  });

  it('applies the policies of the thing groups (and their ancestors) of the attached thing', async () => {
    const d = await device({ policy: false });
    const denied = await connect(d);
    expect(denied.ok).toBe(false);
    const root = uniqueName('root');
    const leaf = uniqueName('leaf');
    await primary.send(new CreateThingGroupCommand({ thingGroupName: root }));
    await primary.send(new CreateThingGroupCommand({ thingGroupName: leaf, parentGroupName: root }));
    await primary.send(new AddThingToThingGroupCommand({ thingGroupName: leaf, thingName: d.clientId }));
    const groupArn = `arn:aws:iot:${PRIMARY}:${ACCOUNT}:thinggroup/${root}`;
    await primary.send(new AttachPolicyCommand({ policyName: 'thing-policy', target: groupArn }));
    const dev = await connected(await connect(d));
    await dev.disconnect();
  });

  it('lets an explicit Deny win over the Allow', async () => {
    const d = await device();
    const policyName = uniqueName('deny');
    await primary.send(new CreatePolicyCommand({
      policyName,
      policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:Connect', Resource: '*' }] }),
    }));
    await primary.send(new AttachPolicyCommand({ policyName, target: d.certificateArn }));
    const result = await connect(d);
    expect(result.ok ? 'connected' : result.failure.kind).toBe('not-authorized');
    expect(lastRefusal()?.reason).toBe('a policy denies iot:Connect for this client');
  });

  it('closes a connection that sends no SNI', async () => {
    const d = await device();
    const result = await connect(d, null);
    expect(result.ok ? 'connected' : result.failure.kind).toBe('closed');
    expect(lastRefusal()?.reason).toBe('no SNI');
  });

  it('routes a custom domain to the region whose domain configuration holds it, while it is enabled', async () => {
    const d = await device();
    const domainName = `${uniqueName('iot')}.example.com`;
    const name = uniqueName('dc');
    await primary.send(new CreateDomainConfigurationCommand({ domainConfigurationName: name, domainName }));
    const dev = await connected(await connect(d, domainName));
    await dev.disconnect();
    await primary.send(new UpdateDomainConfigurationCommand({ domainConfigurationName: name, domainConfigurationStatus: 'DISABLED' }));
    const result = await connect(d, domainName);
    expect(result.ok ? 'connected' : result.failure.kind).toBe('closed');
    expect(lastRefusal()?.reason).toBe('domain configuration disabled');
  });

  it('closes every connection of a region whose data plane is made unavailable, and refuses new ones', async () => {
    const d = await device();
    const dev = await connected(await connect(d));
    const closed = dev.closed();
    emulator.dataPlane!.setRegionAvailable(PRIMARY, false);
    try {
      await closed;
      expect(dev.connected).toBe(false);
      const again = await connect(d);
      expect(again.ok ? 'connected' : again.failure.kind).toBe('closed');
    } finally {
      emulator.dataPlane!.setRegionAvailable(PRIMARY, true);
    }
    const back = await connected(await connect(d));
    await back.disconnect();
  });
});
