/** `iot-registry-sync drift` end to end against the emulator: exit codes 0 / 2 / 1, formats, --out. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDriftCommand, type DriftCommandOptions } from '../../bin/commands/drift';
import type { DriftReport } from '../../lib/core/drift';
import { deviceName } from '../../lib/local/fleet';
import { SOURCE, TARGET, startSyncedFleet, type SyncedFleet } from '../support/synced-fleet';

let f: SyncedFleet;

beforeAll(async () => {
  f = await startSyncedFleet(12);
});

afterAll(async () => {
  await f?.emulator.close();
});

async function drift(options: Partial<DriftCommandOptions> = {}) {
  const printed: string[] = [];
  const messages: string[] = [];
  const code = await runDriftCommand(
    { sourceRegion: SOURCE, targetRegion: TARGET, endpoint: f.emulator.url, quotaScale: 0, format: 'json', ...options },
    { print: (text) => printed.push(text), message: (line) => messages.push(line) },
  );
  return { code, printed: printed.join(''), messages };
}

describe('the drift command', () => {
  it('exits 0 and prints a report with every device ready when the target is in sync', async () => {
    const { code, printed } = await drift();
    const report = JSON.parse(printed) as DriftReport;
    expect(code).toBe(0);
    expect(report).toMatchObject({ inSync: true, sourceRegion: SOURCE, targetRegion: TARGET, readiness: { devices: 12, notReady: 0, readinessPercent: 100 } });
    // Device 3's certificate is REVOKED and device 2 only shares device 1's; neither blocks the others.
    expect(report.readiness.notApplicable).toBe(1);
    expect(report.reading?.callsByOperation).not.toHaveProperty('DescribeThing');
    expect(report.reading?.callsByOperation).not.toHaveProperty('DescribeCertificate');
  });

  it('exits 2 and names the differences and the devices they make not ready', async () => {
    const cert = f.fleet.certificates.get(deviceName(5))![0]!;
    await f.target.updateCertificateStatus(cert.certificateId, 'INACTIVE');
    await f.target.createThing({ name: 'stray', attributes: {} });
    try {
      const { code, printed } = await drift({ format: 'table' });
      expect(code).toBe(2);
      expect(printed).toContain('2 differences');
      expect(printed).toContain(`${deviceName(5)}: certificate ${cert.certificateId.slice(0, 12)} is INACTIVE in target`);
      expect(printed).toMatch(/extra\s+thing\s+stray/);
    } finally {
      await f.target.deleteThing('stray');
      await f.target.updateCertificateStatus(cert.certificateId, 'ACTIVE');
    }
  });

  it('writes the chosen format to --out and says where on the message stream', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'drift-cli-')), 'report.html');
    const { code, printed, messages } = await drift({ format: 'html', out });
    expect(code).toBe(0);
    expect(printed).toBe('');
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
    expect(messages.at(-1)).toContain(`report written to ${out}`);
  });

  it('exits 1 with the error on the message stream when a region cannot be read', async () => {
    f.emulator.configure({ faultRate: 1 });
    try {
      const { code, messages } = await drift();
      expect(code).toBe(1);
      expect(messages.at(-1)).toMatch(/^error: TransientServiceError: /);
    } finally {
      f.emulator.configure({ faultRate: 0 });
    }
  });
});
