import { createIotRegistry } from '../../lib/aws/clients';
import { startEmulator, type RunningEmulator } from '../../lib/local/emulator';
import { describeRegistryPort } from './registry-port';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ quotaScale: 0 });
});
afterAll(async () => {
  await emulator.close();
});

describeRegistryPort('the IoT adapter over the real SDK, against the emulator', async () => {
  emulator.reset();
  return { registry: createIotRegistry({ region: 'us-east-1', endpoint: emulator.url, quotas: { scale: 0 } }), close: async () => undefined };
});
