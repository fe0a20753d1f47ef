/** A generated fleet in the emulator's source region, reconciled into the target: the starting point of the end-to-end drift tests. */
import { createIotRegistry } from '../../lib/aws/clients';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import { reconcile } from '../../lib/core/reconcile/in-process';
import { silentLogger } from '../../lib/core/logger';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../lib/local/emulator';
import { buildFleet, type Fleet } from '../../lib/local/fleet';
import { ACCOUNT } from './constants';

export const SOURCE = 'us-east-1';
export const TARGET = 'eu-west-1';

/** The emulator, both regions' registries (quotas off) and the fleet. */
export interface SyncedFleet {
  emulator: RunningEmulator;
  source: IotRegistry;
  target: IotRegistry;
  fleet: Fleet;
}

/** Starts the emulator, builds `devices` devices in the source and reconciles the target to it. */
export async function startSyncedFleet(devices: number, iam?: EmulatorOptions['iam']): Promise<SyncedFleet> {
  const emulator = await startEmulator({ quotaScale: 0, accountId: ACCOUNT, ...(iam === undefined ? {} : { iam }) });
  const registry = (region: string) => createIotRegistry({ region, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger });
  const source = registry(SOURCE);
  const target = registry(TARGET);
  const fleet = await buildFleet(source, { devices, region: SOURCE, accountId: ACCOUNT });
  const result = await reconcile(source, { reader: target, writer: target });
  if (result.totals.failed > 0) throw new Error(`the fleet did not reconcile: ${JSON.stringify(result.outcomes.filter((o) => o.status === 'failed'))}`);
  return { emulator, source, target, fleet };
}
