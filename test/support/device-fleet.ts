/** A small device fleet in the emulator, with its keys, and the ways the drill tests break it. */
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import type { DrillDevice } from '../../lib/aws/drill';
import { ACCOUNT } from './constants';

/** Connect as your own thing; publish/receive/subscribe under devices/<clientId>/. */
export const thingPolicyDocument = (region: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:${region}:${ACCOUNT}:client/\${iot:Connection.Thing.ThingName}` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `arn:aws:iot:${region}:${ACCOUNT}:topic/devices/\${iot:ClientId}/*` },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `arn:aws:iot:${region}:${ACCOUNT}:topicfilter/devices/\${iot:ClientId}/*` },
    ],
  });

/** A device of the fleet with its registry ARNs. */
export interface FleetDevice extends DrillDevice {
  certificateId: string;
  certificateArn: string;
}

/** Creates `count` things, each with an ACTIVE certificate attached and `policyName` on the certificate. */
export async function createFleet(client: IoTClient, region: string, prefix: string, count: number, policyName = `${prefix}-policy`): Promise<FleetDevice[]> {
  await client.send(new CreatePolicyCommand({ policyName, policyDocument: thingPolicyDocument(region) }));
  const devices: FleetDevice[] = [];
  for (let i = 0; i < count; i++) {
    const thingName = `${prefix}-${String(i).padStart(3, '0')}`;
    const keys = await client.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await client.send(new CreateThingCommand({ thingName }));
    await client.send(new AttachThingPrincipalCommand({ thingName, principal: keys.certificateArn! }));
    await client.send(new AttachPolicyCommand({ policyName, target: keys.certificateArn! }));
    devices.push({
      thingName,
      clientId: thingName,
      certificatePem: keys.certificatePem!,
      privateKey: keys.keyPair!.PrivateKey!,
      certificateId: keys.certificateId!,
      certificateArn: keys.certificateArn!,
    });
  }
  return devices;
}
