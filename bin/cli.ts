/**
 * The `iot-registry-sync` command line. Every command works against real AWS (normal credential chain,
 * AWS_PROFILE) or, with --endpoint, against any IoT-compatible endpoint such as the bundled emulator.
 */
import '../lib/local/polyfills';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runReconcileCommand } from './commands/reconcile';
import { runSyncCommand } from './commands/sync';
import { runDemoCommand } from './commands/demo';
import { registerDriftCommand } from './commands/drift';
import { registerFailoverCommand } from './commands/failover';
import { runDrillCommand } from './commands/drill';
import { emulatorIam, runEmulatorCommand } from './commands/emulator';
import { REGION_PATTERN } from '../lib/core/validation';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The version in package.json (read at run time: the CLI runs from the repository). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

const region = (value: string) => {
  if (!REGION_PATTERN.test(value)) throw new InvalidArgumentError(`"${value}" is not an AWS region such as us-east-1`);
  return value;
};
const positiveNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a non-negative number`);
  return n;
};
const positiveInteger = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return n;
};

const program = new Command()
  .name('iot-registry-sync')
  .version(packageVersion(), '--version', 'print the version')
  .description('Keeps the AWS IoT Core registry of a secondary region identical to the primary.')
  .showHelpAfterError();

const regionsAndEndpoint = (command: Command) =>
  command
    .requiredOption('--source-region <region>', 'the primary region (read only)', region)
    .requiredOption('--target-region <region>', 'the secondary region (converged)', region)
    .option('--endpoint <url>', 'one IoT endpoint for both regions (e.g. the local emulator); default: AWS')
    .option('--quota-scale <factor>', 'pace calls at this multiple of the AWS default quotas', positiveNumber, 1)
    .option('--iam-template <file>', 'a synthesized template (cdk.out/<stack>.template.json): each local Lambda signs with its own role, for an emulator started with the same --iam-template');

regionsAndEndpoint(
  program
    .command('reconcile')
    .description('Converge the target registry to the source, page by page: in process (default), through the local state machine, or by following the deployed one.'),
)
  .option('--dry-run', 'print the plan and write nothing', false)
  .addOption(new Option('--delete-mode <mode>', 'what to do with what only the target has').choices(['retain', 'mirror']).default('retain'))
  .option('--allow-mass-delete', 'let a run delete more than the mass-delete guard allows', false)
  .option('--thing-prefix <prefix>', 'only things whose name starts with this (and what they reach)')
  .option('--thing-type <type>', 'only things of this type (and what they reach)')
  .option('--thing-group <group>', 'only direct members of this static group (and what they reach)')
  .option('--resume <token>', 'go on from where an earlier run (or execution) stopped')
  .option('--page-size <n>', 'things per page (1-250)', positiveInteger)
  .addOption(new Option('--via-step-functions <arn>', 'start the deployed reconcile state machine and follow it to the end').conflicts('localStateMachine'))
  .option('--local-state-machine', 'run statemachine/reconcile.asl.json locally with the real handlers', false)
  .option('--poll-seconds <s>', 'seconds between execution status polls (--via-step-functions)', positiveNumber, 10)
  .option('--json', 'print the summary as JSON', false)
  .action(async (options) => {
    process.exitCode = await runReconcileCommand(options);
  });

regionsAndEndpoint(
  program.command('sync').description('Run the sync state machine locally for one EventBridge event, with the real handlers.'),
)
  .requiredOption('--event <file>', 'the EventBridge event as AWS delivers it, or - for standard input')
  .addOption(new Option('--delete-mode <mode>', 'what to do with what only the target has').choices(['retain', 'mirror']).default('retain'))
  .option('--json', 'print the execution as JSON', false)
  .action(async (options) => {
    process.exitCode = await runSyncCommand(options);
  });

registerDriftCommand(regionsAndEndpoint(program.command('drift')));

registerFailoverCommand(program, region);

program
  .command('drill')
  .description("Connect every device of a fleet file to one region's data plane; report each refused device and why.")
  .requiredOption('--devices-file <file>', 'JSON array of { thingName, clientId, certificatePem, privateKey }')
  .requiredOption('--region <region>', 'the region whose data plane the devices connect to', region)
  .option('--endpoint <url>', 'IoT control-plane endpoint (e.g. the local emulator); default: AWS')
  .option('--mqtt-endpoint <url>', 'mqtts://HOST:PORT to open (required with --endpoint); default: the SNI name, port 8883')
  .option('--domain <name>', "SNI name: a custom domain of a domain configuration; default: the region's iot:Data-ATS endpoint")
  .option('--ca-file <pem>', 'CA to trust for the server certificate; default: the system roots (the emulator CA with a loopback --endpoint)')
  .option('--publish <topic>', 'publish one QoS 1 message here after connecting ({clientId} is replaced)')
  .option('--concurrency <n>', 'devices connecting at once', positiveInteger, 10)
  .option('--timeout-ms <ms>', 'per-connection timeout', positiveInteger, 10_000)
  .option('--json', 'print { region, devices, connected, refused: [{ thingName, reason }] } as JSON', false)
  .action(async (options) => {
    process.exitCode = await runDrillCommand(options);
  });

program
  .command('demo')
  .description('Start the emulator, build a fleet in the primary, sync it event by event, change it, and show the secondary following.')
  .option('--devices <n>', 'devices in the generated fleet (at least 10: the demo changes devices 4 to 9)', (v: string) => {
    const n = positiveInteger(v);
    if (n < 10) throw new InvalidArgumentError(`"${v}" is fewer than the 10 devices the demo changes`);
    return n;
  }, 200)
  .option('--quota-scale <factor>', 'emulated AWS quotas multiplied by this', positiveNumber, 20)
  .option('--iam-template <file>', "run under this synthesized template's IAM (each Lambda signs with its own role; regions from the template)")
  .action(async (options) => {
    process.exitCode = await runDemoCommand(options);
  });

program
  .command('emulator')
  .description('Serve the local two-region AWS IoT control-plane emulator until interrupted.')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on (0: any free port)', (v: string) => (v === '0' ? 0 : positiveInteger(v)), 4566)
  .option('--quota-scale <factor>', 'AWS default quotas multiplied by this (0: no quotas)', positiveNumber, 1)
  .option('--fault-rate <rate>', 'share of requests answered with a 5xx', positiveNumber, 0)
  .option('--latency-ms <ms>', 'latency added to every request', positiveNumber, 0)
  .option('--iam-template <file>', "enforce this synthesized template's IAM on calls signed with a role's logical ID as access key")
  .option('--iam-stack-region <region>', "the template's stack region (the sync's source); default: its functions' IRS_SOURCE_REGION", region)
  .option('--mqtt-port <port>', 'also serve the MQTT data plane (TLS, client certificates) on this port (0: any free port)', (v: string) => (v === '0' ? 0 : positiveInteger(v)))
  .action(async ({ iamTemplate, iamStackRegion, mqttPort, ...options }) => {
    await runEmulatorCommand(
      { ...options, ...emulatorIam(iamTemplate, iamStackRegion), ...(mqttPort !== undefined ? { mqtt: { port: mqttPort as number } } : {}) },
      (line) => console.log(line),
    );
  });

program.parseAsync().catch((error: Error) => {
  console.error(`error: ${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`);
  process.exitCode = 1;
});
