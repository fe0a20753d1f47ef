/**
 * `iot-registry-sync drill`: connects every device of a fleet file to one region's data plane with its
 * own certificate and client ID, and reports who was refused and why. Exit 0 all connected, 2 some
 * refused (or a publish failed), 1 error. Private keys are read from the file given and go to TLS only.
 */
import { readFileSync } from 'node:fs';
import { createIotClient, isLoopbackUrl } from '../../lib/aws/clients';
import { parseDrillDevices, runDrill, type DrillResult } from '../../lib/aws/drill';
import { parseMqttEndpoint } from '../../lib/aws/mqtt-device';

/** Options of the drill command. */
export interface DrillCommandOptions {
  devicesFile: string;
  region: string;
  endpoint?: string;
  mqttEndpoint?: string;
  domain?: string;
  caFile?: string;
  publish?: string;
  concurrency: number;
  timeoutMs: number;
  json: boolean;
}

/** Where the command writes. */
export interface DrillCommandIo {
  stdout: (line: string) => void;
  stderr: { isTTY?: boolean; write: (text: string) => unknown };
}

const processIo: DrillCommandIo = { stdout: (line) => console.log(line), stderr: process.stderr };

/** The emulator's CA, which signs its data plane's server certificates. */
async function emulatorCa(endpoint: string): Promise<string> {
  const response = await fetch(new URL('/_emulator/ca', endpoint));
  if (!response.ok) throw new Error(`--endpoint ${endpoint}: GET /_emulator/ca answered ${response.status}; pass --ca-file`);
  const body = (await response.json()) as { caCertificatePem?: unknown };
  if (typeof body.caCertificatePem !== 'string') throw new Error(`--endpoint ${endpoint}: /_emulator/ca has no caCertificatePem; pass --ca-file`);
  return body.caCertificatePem;
}

/** Runs the drill and prints its result; resolves with the exit code. */
export async function runDrillCommand(options: DrillCommandOptions, io: DrillCommandIo = processIo): Promise<number> {
  if (options.endpoint !== undefined && options.mqttEndpoint === undefined) {
    throw new Error('--mqtt-endpoint is required with --endpoint (the emulator prints it: "mqtt listening on mqtts://HOST:PORT")');
  }
  const { devices, invalid } = parseDrillDevices(readFileSync(options.devicesFile, 'utf8'), options.devicesFile);
  const caPem =
    options.caFile !== undefined
      ? readFileSync(options.caFile, 'utf8')
      : options.endpoint !== undefined && isLoopbackUrl(options.endpoint)
        ? await emulatorCa(options.endpoint)
        : undefined;
  const iot = createIotClient({ region: options.region, ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}) });
  const progress = Boolean(io.stderr.isTTY) && !options.json;
  try {
    const result = await runDrill(devices, invalid, {
      region: options.region,
      iot,
      ...(options.mqttEndpoint !== undefined ? { connectTo: parseMqttEndpoint(options.mqttEndpoint) } : {}),
      ...(options.domain !== undefined ? { domain: options.domain } : {}),
      ...(caPem !== undefined ? { caPem } : {}),
      ...(options.publish !== undefined ? { publishTopic: options.publish } : {}),
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      ...(progress ? { onDevice: (done: number, total: number) => void io.stderr.write(`\r\x1b[Kdrill: ${done}/${total} devices`) } : {}),
    });
    if (progress) io.stderr.write('\r\x1b[K');
    print(result, options.json, io);
    return result.refused.length === 0 && result.publishFailed.length === 0 ? 0 : 2;
  } finally {
    iot.destroy();
  }
}

function print(result: DrillResult, json: boolean, io: DrillCommandIo): void {
  if (json) {
    io.stdout(JSON.stringify(result, null, 2));
    return;
  }
  for (const r of result.refused) io.stdout(`refused         ${r.thingName}: ${r.reason}`);
  for (const r of result.publishFailed) io.stdout(`publish failed  ${r.thingName}: ${r.reason}`);
  io.stdout(
    `${result.region} (${result.serverName}): ${result.connected}/${result.devices} connected, ${result.refused.length} refused` +
      `${result.publishFailed.length > 0 ? `, ${result.publishFailed.length} publish failed` : ''}; connect p50 ${result.connectMs.p50} ms, p99 ${result.connectMs.p99} ms; ${result.wallMs} ms`,
  );
}
