/**
 * The demo's last act: devices that really connect. A few devices with keys are created in the primary
 * and synced like the rest; the readiness of the secondary is measured (connect-ready, fully ready);
 * then the failover drill: the devices connect through a failover record, the primary's data plane
 * stops, the record flips, and every device reconnects to the secondary with backoff and jitter.
 */
import { createDeviceWithKeys, createPolicy, operatorIotClient } from '../aws/device-identity';
import type { IotRegistry } from '../aws/iot-registry';
import type { DeviceIdentity } from '../aws/mqtt-device';
import { mapWithConcurrency } from '../core/concurrency';
import { buildDriftReport } from '../core/drift';
import { readAll } from '../core/scope';
import type { RunningEmulator } from './emulator';
import { connectablePolicyDocument, emulatorDataPlane, runFailoverDrill, type FailoverDrillResult } from './failover-drill';

/** What the demo's failover measured. */
export interface DemoFailoverResult {
  devices: number;
  connectReadyBefore: number;
  fullyReadyBefore: number;
  drill: FailoverDrillResult;
}

/** What the failover act needs from the demo. */
export interface DemoFailoverContext {
  emulator: RunningEmulator;
  accountId: string;
  source: IotRegistry;
  target: IotRegistry;
  /** Syncs the events so far through the sync state machine. */
  syncPending(title: string): Promise<void>;
  print(line: string): void;
  devices: number;
}

/** Creates the connecting devices, syncs them, measures readiness, and runs the failover drill. */
export async function runDemoFailover(ctx: DemoFailoverContext): Promise<DemoFailoverResult> {
  const primaryRegion = ctx.source.region;
  const secondaryRegion = ctx.target.region;
  const client = operatorIotClient(primaryRegion, ctx.emulator.url);
  try {
    ctx.print(`\n4. ${ctx.devices} devices that connect (keys kept in memory only) created in ${primaryRegion} and synced:`);
    const policyName = 'connecting-devices';
    await createPolicy(client, policyName, connectablePolicyDocument(primaryRegion, ctx.accountId));
    const names = [...Array.from({ length: ctx.devices }, (_, i) => `meter-${String(i).padStart(4, '0')}`), 'canary'];
    const identities = await mapWithConcurrency(names, 4, async (thingName): Promise<DeviceIdentity> => {
      const device = await createDeviceWithKeys(client, thingName, policyName);
      return { clientId: thingName, certificatePem: device.certificatePem, privateKeyPem: device.privateKeyPem };
    });
    await ctx.syncPending('connecting devices');

    const [a, b] = await Promise.all([readAll(ctx.source), readAll(ctx.target)]);
    const report = buildDriftReport({ source: a, target: b, sourceRegion: primaryRegion, targetRegion: secondaryRegion, generatedAt: new Date().toISOString() });
    const ours = new Set(names.slice(0, ctx.devices));
    const notConnectReady = report.devices.filter((d) => ours.has(d.thingName) && !d.connectReady).length;
    const notFullyReady = report.devices.filter((d) => ours.has(d.thingName) && !d.fullyReady).length;
    const connectReadyBefore = ctx.devices - notConnectReady;
    const fullyReadyBefore = ctx.devices - notFullyReady;
    ctx.print(`   readiness of ${secondaryRegion} before the failover: ${connectReadyBefore}/${ctx.devices} connect-ready, ${fullyReadyBefore}/${ctx.devices} fully ready`);

    const health = { intervalMs: 200, failureThreshold: 3 };
    ctx.print(`\n5. Failover drill: one name, a failover record (PRIMARY ${primaryRegion}, SECONDARY ${secondaryRegion}; health check every ${health.intervalMs} ms, ${health.failureThreshold} failures to flip):`);
    const drill = await runFailoverDrill({
      dataPlane: emulatorDataPlane(ctx.emulator),
      accountId: ctx.accountId,
      primaryRegion,
      secondaryRegion,
      devices: identities.slice(0, ctx.devices),
      canary: identities[ctx.devices]!,
      health,
      backoff: { baseMs: 100, capMs: 2000, maxAttempts: 30 },
      concurrency: 10,
      log: (line) => ctx.print(`   ${line}`),
    });
    ctx.print(
      `   ${drill.reconnectedToSecondary}/${drill.connectedToPrimary} devices reconnected to ${secondaryRegion}` +
        `${drill.failedToReconnect.length > 0 ? ` (${drill.failedToReconnect.length} did not)` : ''}; ` +
        `from the stop: p50 ${drill.reconnectMs.p50} ms, p99 ${drill.reconnectMs.p99} ms (readiness before: ${connectReadyBefore}/${ctx.devices} connect-ready)`,
    );
    return { devices: ctx.devices, connectReadyBefore, fullyReadyBefore, drill };
  } finally {
    client.destroy();
  }
}
