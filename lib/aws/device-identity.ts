/**
 * Devices made as an operator's script makes them, for the demo's and the drills' fleets: IoT creates the
 * keys and certificate (CreateKeysAndCertificate), a thing gets the certificate attached and the
 * certificate a policy. The private key is handed back to the caller only; nothing here stores or logs it.
 */
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  IoTClient,
  RegisterCertificateWithoutCACommand,
} from '@aws-sdk/client-iot';

export type { IoTClient };

/** A device and the secrets it connects with. */
export interface DeviceWithKeys {
  thingName: string;
  certificateId: string;
  certificatePem: string;
  privateKeyPem: string;
}

/** An IoT client for one region of a local endpoint (the emulator), signed as the unrestricted operator. */
export function operatorIotClient(region: string, endpoint: string): IoTClient {
  return new IoTClient({ region, endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** Creates a policy. */
export async function createPolicy(client: IoTClient, policyName: string, policyDocument: string): Promise<void> {
  await client.send(new CreatePolicyCommand({ policyName, policyDocument }));
}

/** Creates a device: new keys and an ACTIVE certificate, a thing, the certificate attached to it, the policy attached to the certificate. */
export async function createDeviceWithKeys(client: IoTClient, thingName: string, policyName: string): Promise<DeviceWithKeys> {
  const keys = await client.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  if (!keys.certificateArn || !keys.certificateId || !keys.certificatePem || !keys.keyPair?.PrivateKey) {
    throw new Error('CreateKeysAndCertificate returned no certificate or key');
  }
  await attachDevice(client, thingName, keys.certificateArn, policyName);
  return { thingName, certificateId: keys.certificateId, certificatePem: keys.certificatePem, privateKeyPem: keys.keyPair.PrivateKey };
}

/** Registers a device's certificate without a CA in another region, as the sync leaves it there, with its thing and attachments. */
export async function registerDeviceCopy(client: IoTClient, device: Pick<DeviceWithKeys, 'thingName' | 'certificatePem'>, policyName: string): Promise<void> {
  const registered = await client.send(new RegisterCertificateWithoutCACommand({ certificatePem: device.certificatePem, status: 'ACTIVE' }));
  if (!registered.certificateArn) throw new Error('RegisterCertificateWithoutCA returned no certificate ARN');
  await attachDevice(client, device.thingName, registered.certificateArn, policyName);
}

async function attachDevice(client: IoTClient, thingName: string, certificateArn: string, policyName: string): Promise<void> {
  await client.send(new CreateThingCommand({ thingName }));
  await client.send(new AttachThingPrincipalCommand({ thingName, principal: certificateArn }));
  await client.send(new AttachPolicyCommand({ policyName, target: certificateArn }));
}
