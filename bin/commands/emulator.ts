/**
 * `iot-registry-sync emulator`: serves the local two-region AWS IoT control-plane emulator (and, with
 * --mqtt-port, its data plane) until interrupted, printing where it listens and how it is set.
 */
import { InvalidArgumentError } from 'commander';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../lib/local/emulator';
import { readTemplateFile, stackRegionOf } from '../../lib/local/iam';

/** The emulator's IAM settings from --iam-template and --iam-stack-region (none without a template). */
export function emulatorIam(file: string | undefined, stackRegion: string | undefined): Pick<EmulatorOptions, 'iam'> {
  if (file === undefined) return {};
  const template = readTemplateFile(file);
  const resolved = stackRegion ?? stackRegionOf(template);
  if (resolved === undefined) throw new InvalidArgumentError(`--iam-stack-region: ${file} names no source region; give the stack's region`);
  return { iam: { template, stackRegion: resolved } };
}

/** Starts the emulator for the CLI; the first printed line is `listening on http://HOST:PORT`. */
export async function runEmulatorCommand(options: EmulatorOptions, print: (line: string) => void): Promise<RunningEmulator> {
  const emulator = await startEmulator({ port: 4566, ...options });
  print(`listening on ${emulator.url}`);
  if (emulator.dataPlane) print(`mqtt listening on ${emulator.dataPlane.url}`);
  const o = { quotaScale: options.quotaScale ?? 1, faultRate: options.faultRate ?? 0, throttleRate: options.throttleRate ?? 0, latencyMs: options.latencyMs ?? 0 };
  print(`account ${options.accountId ?? '123456789012'}; quotaScale ${o.quotaScale}${o.quotaScale === 0 ? ' (quotas off)' : ''}; faultRate ${o.faultRate}; throttleRate ${o.throttleRate}; latencyMs ${o.latencyMs}`);
  if (options.iam) print(`IAM: calls signed with a role's logical ID as access key are evaluated against that role of the template (stack region ${options.iam.stackRegion})`);
  print(`admin: ${emulator.url}/_emulator/{stats,dump?region=,events?region=,config} and POST ${emulator.url}/_emulator/reset?region=`);
  return emulator;
}
