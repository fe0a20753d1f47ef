/** The data-plane commands as a user runs them: a separate process, real arguments, exit codes and output. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningEmulator } from '../../lib/local/emulator';
import { iot, PRIMARY, start } from '../support/emulator';
import { createFleet } from '../support/device-fleet';

const ROOT = join(__dirname, '..', '..');

function cli(args: string[], until?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until?.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

let emulator: RunningEmulator;
let dir: string;
beforeAll(async () => {
  emulator = await start({ mqtt: { port: 0 } });
  dir = mkdtempSync(join(tmpdir(), 'drill-cli-'));
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('iot-registry-sync data plane commands', () => {
  it('emulator --mqtt-port prints the mqtt line right after the listening line', async () => {
    const run = await cli(['emulator', '--port', '0', '--mqtt-port', '0'], /mqtt listening on/);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toMatch(/^mqtt listening on mqtts:\/\/127\.0\.0\.1:\d+$/);
  });

  it('drill exits 0 when every device connects and 2, naming the device, when one is refused; it never prints a key', async () => {
    const client = iot(emulator, PRIMARY);
    const fleet = await createFleet(client, PRIMARY, 'cli', 2);
    client.destroy();
    const file = join(dir, 'devices.json');
    writeFileSync(file, JSON.stringify(fleet.map(({ thingName, clientId, certificatePem, privateKey }) => ({ thingName, clientId, certificatePem, privateKey }))));
    const args = ['drill', '--devices-file', file, '--region', PRIMARY, '--endpoint', emulator.url, '--mqtt-endpoint', emulator.dataPlane!.url];
    const ok = await cli(args);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/2\/2 connected, 0 refused/);

    const refused = await cli([...args, '--region', 'eu-west-1', '--json']);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({ region: 'eu-west-1', devices: 2, connected: 0, refused: [{ thingName: 'cli-000', reason: 'certificate not registered' }, { thingName: 'cli-001', reason: 'certificate not registered' }] });
    for (const d of fleet) expect(refused.stdout + refused.stderr + ok.stdout + ok.stderr).not.toContain(d.privateKey.split('\n')[1]);
  });

  it('drill exits 1 naming the file when it is not a JSON array', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"not":"an array"}');
    const run = await cli(['drill', '--devices-file', file, '--region', PRIMARY, '--endpoint', emulator.url, '--mqtt-endpoint', emulator.dataPlane!.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/bad\.json: must be a JSON array/);
  });
});
