import { GetIndexingConfigurationCommand, UpdateIndexingConfigurationCommand, type IoTClient } from '@aws-sdk/client-iot';
import type { RunningEmulator } from '../../lib/local/emulator';
import { failure, PRIMARY, useEmulator } from '../support/emulator';

let emulator: RunningEmulator;
let client: IoTClient;
useEmulator((e, c) => {
  emulator = e;
  client = c;
});

describe('the fleet-indexing configuration', () => {
  it('starts OFF, is updated with one CloudTrail record, and refuses connectivity indexing without the thing index', async () => {
    expect((await client.send(new GetIndexingConfigurationCommand({}))).thingIndexingConfiguration?.thingIndexingMode).toBe('OFF');
    await emulator.events.flush();
    const from = emulator.events.log(PRIMARY).length;
    await client.send(
      new UpdateIndexingConfigurationCommand({
        thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'STATUS', customFields: [{ name: 'attributes.floor', type: 'Number' }] },
        thingGroupIndexingConfiguration: { thingGroupIndexingMode: 'ON' },
      }),
    );
    const got = await client.send(new GetIndexingConfigurationCommand({}));
    expect(got.thingIndexingConfiguration).toMatchObject({ thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'STATUS', customFields: [{ name: 'attributes.floor', type: 'Number' }] });
    expect(got.thingGroupIndexingConfiguration?.thingGroupIndexingMode).toBe('ON');
    await emulator.events.flush();
    expect(emulator.events.log(PRIMARY).slice(from).flatMap((e) => (e.type === 'cloudtrail' ? [String(e.event.detail.eventName)] : []))).toEqual(['UpdateIndexingConfiguration']);
    expect(
      await failure(client.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: { thingIndexingMode: 'OFF', thingConnectivityIndexingMode: 'STATUS' } }))),
    ).toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('thingIndexingMode') });
    expect(await failure(client.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: { thingIndexingMode: 'EVERYTHING' as never } })))).toMatchObject({
      message: expect.stringContaining('Invalid thingIndexingMode'),
    });
  });
});
