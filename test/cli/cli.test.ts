/**
 * The command line as a user runs it: a separate process, real arguments, exit codes and output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../lib/local/emulator';
import createKeys from '../fixtures/events/cloudtrail-create-keys-and-certificate.json';

const ROOT = join(__dirname, '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end (or until `until` matches stdout, then stops it). */
function cli(args: string[], options: { until?: RegExp; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (options.until?.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ quotaScale: 0 });
});

afterAll(async () => {
  await emulator.close();
});

describe('iot-registry-sync', () => {
  it('emulator prints where it listens as its first line', async () => {
    const run = await cli(['emulator', '--port', '0'], { until: /listening on/ });
    expect(run.stdout.split('\n')[0]).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('sync runs one event read from a file through the state machine and exits 0', async () => {
    const region = 'us-east-1';
    const dir = mkdtempSync(join(tmpdir(), 'irs-cli-'));
    const file = join(dir, 'event.json');
    const event = {
      ...createKeys,
      region,
      detail: { ...createKeys.detail, eventName: 'DeleteThing', requestParameters: { thingName: 'never-existed' }, responseElements: null },
    };
    writeFileSync(file, JSON.stringify(event));
    const run = await cli(['sync', '--event', file, '--source-region', region, '--target-region', 'eu-west-1', '--endpoint', emulator.url]);
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.stdout).toMatch(/^SUCCEEDED in \d+ ms, \d+ state transitions/);
    expect(run.code).toBe(0);
  });

  it('sync exits 2 and says a reconcile is needed when the event does not name the certificate it created', async () => {
    const event = { ...createKeys, detail: { ...createKeys.detail, responseElements: null } };
    const run = await cli(['sync', '--event', '-', '--source-region', 'us-east-1', '--target-region', 'eu-west-1', '--endpoint', emulator.url], { input: JSON.stringify(event) });
    expect(run.stdout).toMatch(/^SUCCEEDED in \d+ ms/);
    expect(run.stdout).toContain('unresolved: CreateKeysAndCertificate: the record carries no certificate ID');
    expect(run.code).toBe(2);
  });

  it('sync reads the event from standard input and exits 2 with the field named when the event is malformed', async () => {
    const event = { ...createKeys, detail: { ...createKeys.detail, responseElements: { certificateId: 'not-a-sha256' } } };
    const run = await cli(
      ['sync', '--event', '-', '--source-region', 'us-east-1', '--target-region', 'eu-west-1', '--endpoint', emulator.url, '--json'],
      { input: JSON.stringify(event) },
    );
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as { status: string; deadLetters: { failure: { Error: string; Cause: string } }[] };
    expect(report.status).toBe('FAILED');
    expect(report.deadLetters[0]?.failure).toMatchObject({ Error: 'InvalidInputError', Cause: expect.stringContaining('detail.responseElements.certificateId') });
  });

  it('refuses a demo fleet too small for its changes, naming the option', async () => {
    const run = await cli(['demo', '--devices', '6']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--devices.*fewer than the 10 devices/);
  });

  it('rejects a region that is not one, naming the option, with exit code 1', async () => {
    const run = await cli(['sync', '--event', '-', '--source-region', 'mars', '--target-region', 'eu-west-1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--source-region.*"mars" is not an AWS region/);
  });

  it('prints the package version with --version', async () => {
    const run = await cli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe((JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('says an argument error once, without an "Error:" prefix, and exits 1', async () => {
    const run = await cli(['reconcile', '--source-region', 'us-east-1', '--target-region', 'us-east-1', '--endpoint', emulator.url]);
    expect(run.code).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toContain('error: --source-region and --target-region must differ');
    expect(`${run.stdout}${run.stderr}`).not.toContain('Error:');
  });

  it('demo builds a small fleet, syncs it through the state machine and ends in sync', async () => {
    const run = await cli(['demo', '--devices', '10', '--quota-scale', '0']);
    expect(run.stdout).toMatch(/drift final: 0 differences/);
    expect(run.stdout).toMatch(/The secondary is in sync/);
    expect(run.code).toBe(0);
  });

  it('emulator --iam-template enforces a template read from a file, taking the stack region from its functions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irs-cli-'));
    const file = join(dir, 'template.json');
    const template = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { IRS_SOURCE_REGION: 'eu-central-1' } } } },
        Reader: { Type: 'AWS::IAM::Role', Properties: {} },
      },
    };
    writeFileSync(file, JSON.stringify(template));
    const run = await cli(['emulator', '--port', '0', '--iam-template', file], { until: /admin:/ });
    expect(run.stdout).toMatch(/IAM: .* \(stack region eu-central-1\)/);
  });

  it('sync --iam-template refuses to run without an emulator endpoint, exit code 1', async () => {
    const run = await cli(['sync', '--event', '-', '--source-region', 'us-east-1', '--target-region', 'eu-west-1', '--iam-template', 'template.json'], { input: '{}' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--iam-template needs --endpoint/);
  });
});
