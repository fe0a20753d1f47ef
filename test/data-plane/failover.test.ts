import { CreateKeysAndCertificateCommand, CreateThingCommand, AttachThingPrincipalCommand, AttachPolicyCommand } from '@aws-sdk/client-iot';
import { fullJitterDelayMs } from '../../lib/core/backoff';
import { createDrillFleet, emulatorDataPlane, runFailoverDrill } from '../../lib/local/failover-drill';
import { FailoverRecord } from '../../lib/local/failover-record';
import { iot, PRIMARY, SECONDARY, start } from '../support/emulator';
import { ACCOUNT } from '../support/constants';

describe('fullJitterDelayMs', () => {
  it('stays under min(cap, base × 2^attempt)', () => {
    const policy = { baseMs: 100, capMs: 1000 };
    expect(fullJitterDelayMs(policy, 0, () => 0.999)).toBe(99);
    expect(fullJitterDelayMs(policy, 2, () => 0.5)).toBe(200);
    expect(fullJitterDelayMs(policy, 10, () => 0.999)).toBe(999);
    expect(fullJitterDelayMs(policy, 3, () => 0)).toBe(0);
  });
});

describe('FailoverRecord', () => {
  const primary = { region: PRIMARY, serverName: 'p' };
  const secondary = { region: SECONDARY, serverName: 's' };

  it('answers the secondary only after failureThreshold consecutive failed checks, and flips back after as many successes', async () => {
    let up = true;
    const record = new FailoverRecord(primary, secondary, { intervalMs: 1000, failureThreshold: 3, probe: async () => up });
    up = false;
    await record.check();
    await record.check();
    expect(record.resolve()).toBe(primary);
    up = true;
    await record.check(); // a success resets the streak
    up = false;
    await record.check();
    await record.check();
    expect(record.resolve()).toBe(primary);
    await record.check();
    expect(record.resolve()).toBe(secondary);
    expect(record.flips.map((f) => f.to)).toEqual(['SECONDARY']);
    up = true;
    for (let i = 0; i < 3; i++) await record.check();
    expect(record.resolve()).toBe(primary);
  });

  it('counts a probe that throws as a failure and rejects a threshold Route 53 does not offer', async () => {
    const record = new FailoverRecord(primary, secondary, { intervalMs: 1000, failureThreshold: 1, probe: () => Promise.reject(new Error('down')) });
    await record.check();
    expect(record.resolve()).toBe(secondary);
    expect(() => new FailoverRecord(primary, secondary, { intervalMs: 1000, failureThreshold: 11, probe: async () => true })).toThrow(/failureThreshold/);
  });
});

describe('runFailoverDrill', () => {
  it('reconnects every device to the secondary after the primary data plane stops and the record flips', async () => {
    const emulator = await start({ mqtt: { port: 0 } });
    const primary = iot(emulator, PRIMARY);
    const secondary = iot(emulator, SECONDARY);
    try {
      const devices = await createDrillFleet({ primary: { client: primary, region: PRIMARY }, secondary: { client: secondary, region: SECONDARY } }, ACCOUNT, 'fo', 6);
      const canaryKeys = await primary.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      await primary.send(new CreateThingCommand({ thingName: 'canary' }));
      await primary.send(new AttachThingPrincipalCommand({ thingName: 'canary', principal: canaryKeys.certificateArn! }));
      await primary.send(new AttachPolicyCommand({ policyName: 'fo-connect', target: canaryKeys.certificateArn! }));
      const lines: string[] = [];

      const result = await runFailoverDrill({
        dataPlane: emulatorDataPlane(emulator),
        accountId: ACCOUNT,
        primaryRegion: PRIMARY,
        secondaryRegion: SECONDARY,
        devices,
        canary: { clientId: 'canary', certificatePem: canaryKeys.certificatePem!, privateKeyPem: canaryKeys.keyPair!.PrivateKey! },
        health: { intervalMs: 50, failureThreshold: 2 },
        backoff: { baseMs: 20, capMs: 200, maxAttempts: 100 },
        concurrency: 3,
        log: (l) => lines.push(l),
      });

      expect(result).toMatchObject({ devices: 6, connectedToPrimary: 6, refusedAtStart: 0, reconnected: 6, reconnectedToSecondary: 6, failedToReconnect: [] });
      expect(result.flipAfterMs).not.toBeNull();
      // Nobody can reconnect before the record flips: the primary refuses everyone until then.
      expect(result.reconnectMs.p50).toBeGreaterThanOrEqual(result.flipAfterMs!);
      expect(lines.join('\n')).toMatch(/the record now answers eu-west-1/);
    } finally {
      primary.destroy();
      secondary.destroy();
      await emulator.close();
    }
  });
});
