import { InMemoryRegistry } from '../support/in-memory-registry';
import { describeRegistryPort } from './registry-port';

describeRegistryPort('the in-memory registry', async () => ({
  // A page of 5 so that the paging contract is exercised as with the emulator.
  registry: new InMemoryRegistry({ region: 'us-east-1', pageSize: 5 }),
  close: async () => undefined,
}));
