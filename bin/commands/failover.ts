/**
 * `iot-registry-sync failover status` (reads only) and `failover flip` (routing control): see
 * docs/failover.md. Exit codes: status 0 healthy and ready, 2 not ready, 1 error; flip 0 flipped, 2 refused
 * by the readiness gate, 1 error.
 */
import { Option, type Command } from 'commander';
import { awsFailoverClients, FlipRefusedError, flipRoutingControls, readFailoverStatus, type ClusterEndpoint, type FailoverClients, type FlipResult } from '../../lib/aws/failover';
import { failoverExitCode, type FailoverStatus } from '../../lib/core/failover-status';
import { describeLowerQuota } from '../../lib/core/quota-readiness';

/** Where the commands write: results (stdout) and messages (stderr). */
export interface FailoverCommandOutput {
  print(text: string): void;
  message(line: string): void;
}

const processOutput: FailoverCommandOutput = {
  print: (text) => process.stdout.write(text),
  message: (line) => process.stderr.write(`${line}\n`),
};

/** Options of `failover status`. */
export interface FailoverStatusCommandOptions {
  domain: string;
  sourceRegion: string;
  targetRegion: string;
  stackName: string;
  hostedZoneId?: string;
  syncStateMachineArn?: string;
  /** Service Quotas endpoint (the local emulator); default AWS. */
  endpoint?: string;
  json: boolean;
}

/** Options of `failover flip`. */
export interface FailoverFlipCommandOptions {
  to: 'primary' | 'secondary';
  sourceRegion: string;
  targetRegion: string;
  stackName: string;
  /** `region=https://…` entries, comma-separated: the cluster's regional endpoints. */
  clusterEndpoints: string;
  force: boolean;
  json: boolean;
}

/** Parses `--cluster-endpoints us-east-1=https://…,eu-west-1=https://…`. */
export function parseClusterEndpoints(value: string): ClusterEndpoint[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const match = /^([a-z]{2}(?:-[a-z]+)+-\d)=(https:\/\/\S+)$/.exec(entry);
      if (!match) throw new Error(`--cluster-endpoints: "${entry}" is not region=https://endpoint`);
      return { region: match[1]!, url: match[2]! };
    });
}

/** Runs `failover status`; returns the exit code. */
export async function runFailoverStatus(options: FailoverStatusCommandOptions, clients: FailoverClients = awsFailoverClients(options.endpoint), output: FailoverCommandOutput = processOutput): Promise<number> {
  try {
    const status = await readFailoverStatus(clients, {
      domainName: options.domain,
      sourceRegion: options.sourceRegion,
      targetRegion: options.targetRegion,
      stackName: options.stackName,
      ...(options.hostedZoneId ? { hostedZoneId: options.hostedZoneId } : {}),
      ...(options.syncStateMachineArn ? { syncStateMachineArn: options.syncStateMachineArn } : {}),
    });
    output.print(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    return failoverExitCode(status);
  } catch (error) {
    output.message(`error: ${describe(error)}`);
    return 1;
  }
}

/** Runs `failover flip`; returns the exit code. */
export async function runFailoverFlip(
  options: FailoverFlipCommandOptions,
  clients: FailoverClients = awsFailoverClients(),
  output: FailoverCommandOutput = processOutput,
  random: () => number = Math.random,
): Promise<number> {
  try {
    const result = await flipRoutingControls(clients, {
      to: options.to,
      stackName: options.stackName,
      sourceRegion: options.sourceRegion,
      targetRegion: options.targetRegion,
      endpoints: parseClusterEndpoints(options.clusterEndpoints),
      force: options.force,
      random,
    });
    output.print(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatFlip(result));
    return 0;
  } catch (error) {
    if (error instanceof FlipRefusedError) {
      output.message(error.message);
      return 2;
    }
    output.message(`error: ${describe(error)}`);
    return 1;
  }
}

const describe = (error: unknown) => (error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error));

/** The status for a terminal. */
export function formatStatus(s: FailoverStatus): string {
  const lines = [
    `${s.domainName}: ${s.problems.length === 0 ? 'healthy and ready' : `NOT READY (${s.problems.length} problem${s.problems.length === 1 ? '' : 's'})`}`,
    `resolves to ${s.resolvesTo ? `${s.resolvesTo.value}${s.resolvesTo.record ? ` (${s.resolvesTo.record})` : ''}` : '(no answer)'}`,
    '',
    'records:',
    ...s.records.map((r) => `  ${r.failover.padEnd(9)} ${r.value}${r.healthCheckId ? `  health check ${r.healthCheckId}` : ''}`),
    'domain configurations:',
    ...s.domainConfigurations.map((d) => `  ${d.region.padEnd(15)} ${d.name}: ${d.status}`),
    'health checks:',
    ...s.healthChecks.map((h) => `  ${(h.healthy === undefined ? 'unknown' : h.healthy ? 'healthy' : 'UNHEALTHY').padEnd(9)} ${h.role} ${h.id}${h.type ? ` (${h.type})` : ''}`),
    'canaries:',
    ...s.canaries.map(
      (c) =>
        `  ${c.region.padEnd(15)} ${c.lastSuccess === undefined ? 'no result' : c.lastSuccess >= 1 ? 'succeeded' : 'FAILED'}${c.lastAt ? ` at ${c.lastAt}` : ''}${c.lastLatencyMs === undefined ? '' : `, ${c.lastLatencyMs} ms`}${c.alarm ? `, alarm ${c.alarm}` : ''}`,
    ),
    `readiness of ${s.targetRegion}: ${s.readiness.percent === undefined ? 'not measured' : `${s.readiness.percent} %${s.readiness.at ? ` at ${s.readiness.at}` : ''}`} (threshold ${s.readiness.threshold} %)`,
    ...(s.expectedFailoverSeconds === undefined ? [] : [`expected time to fail over: ${s.expectedFailoverSeconds} s (interval × threshold + TTL)`]),
    ...(s.syncLagSeconds === undefined ? [] : [`sync lag: ${s.syncLagSeconds} s (longest sync execution in the last hour)`]),
    `quotas: ${s.quotas === undefined ? 'not read' : s.quotas.lower.length === 0 ? `none of ${s.quotas.compared} lower in ${s.targetRegion}` : `${s.quotas.lower.length} lower in ${s.targetRegion}`}`,
    ...(s.quotas?.lower ?? []).map((q) => `  ${describeLowerQuota(q)}`),
    ...(s.problems.length === 0 ? [] : ['', 'problems:', ...s.problems.map((p) => `  - ${p}`)]),
  ];
  return `${lines.join('\n')}\n`;
}

/** The flip for a terminal: what changed, where. */
export function formatFlip(r: FlipResult): string {
  return `${[
    `flipped to the ${r.to} through ${r.endpoint.region} (${r.endpoint.url})${r.failedEndpoints.length > 0 ? ` after ${r.failedEndpoints.length} failed endpoint(s): ${r.failedEndpoints.map((f) => f.endpoint.region).join(', ')}` : ''}`,
    ...r.changes.map((c) => `  ${c.name}: ${c.from} → ${c.to}`),
    r.readiness.forced
      ? `  readiness gate overridden with --force (readiness ${r.readiness.percent ?? 'unknown'} %, threshold ${r.readiness.threshold} %)`
      : `  readiness ${r.readiness.percent} % ≥ threshold ${r.readiness.threshold} %`,
  ].join('\n')}\n`;
}

/** Adds `failover status` and `failover flip` under `failover`; `region` validates region options. */
export function registerFailoverCommand(program: Command, region: (value: string) => string): Command {
  const failover = program.command('failover').description('The Route 53 failover between the regions (docs/failover.md).');
  const common = (command: Command) =>
    command
      .requiredOption('--source-region <region>', 'the primary region', region)
      .requiredOption('--target-region <region>', 'the secondary region', region)
      .option('--stack-name <name>', 'the main stack name the failover resources are named after', 'IotRegistrySync')
      .option('--json', 'print JSON', false);
  common(failover.command('status').description('Where the domain resolves, each health check, the canaries, readiness, sync lag and quotas (exit 0 ready, 2 not ready, 1 error).'))
    .requiredOption('--domain <name>', 'the failover domain')
    .option('--hosted-zone-id <id>', 'the hosted zone (default: found by name)')
    .option('--sync-state-machine-arn <arn>', 'the sync state machine, for the sync lag')
    .option('--endpoint <url>', 'IoT and Service Quotas endpoint (e.g. the local emulator); default AWS')
    .action(async (options: FailoverStatusCommandOptions) => {
      process.exitCode = await runFailoverStatus(options);
    });
  common(failover.command('flip').description('Set the routing controls so that only the given region is on (exit 0 flipped, 2 refused: not ready, 1 error).'))
    .addOption(new Option('--to <role>', 'where devices should go').choices(['primary', 'secondary']).makeOptionMandatory())
    .requiredOption('--cluster-endpoints <list>', 'the cluster’s regional endpoints: region=https://…, comma-separated')
    .option('--force', 'flip even when the destination is below the readiness threshold', false)
    .action(async (options: FailoverFlipCommandOptions) => {
      process.exitCode = await runFailoverFlip(options);
    });
  return failover;
}
