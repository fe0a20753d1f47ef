/**
 * `iot-registry-sync drift`: compares both regions and reports what differs and how ready the target is
 * for a failover, as a terminal table, JSON, Markdown or a self-contained HTML page (to --out or stdout).
 * Exit codes as `terraform plan -detailed-exitcode`: 0 no differences, 2 differences found, 1 error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { Option, type Command } from 'commander';
import { jsonLinesLogger } from '../../lib/core/logger';
import { checkDrift, memoryDriftStore } from '../../lib/core/drift-read';
import { driftExitCode } from '../../lib/core/drift';
import { createDriftRegistry } from '../../lib/aws/drift-listings';
import { compareRegionQuotas, createServiceQuotasClient } from '../../lib/aws/service-quotas';
import { quotasReady } from '../../lib/core/quota-readiness';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../../lib/report';
import { headline } from '../../lib/report/values';
import { roleCredentials, readTemplateFile, taskRolesFor } from '../../lib/local/iam';
import type { RegionOptions } from './registries';
import { describeIssue } from '../../lib/core/validation';

/** Options of the drift command. */
export interface DriftCommandOptions extends RegionOptions {
  format: ReportFormat;
  /** Write the report here instead of standard output. */
  out?: string;
  /** A `drill --json` result to show beside the readiness. */
  drillResult?: string;
}

const DrillOutcomeSchema = z.object({
  region: z.string().min(1),
  devices: z.number().int().min(0),
  connected: z.number().int().min(0),
  refused: z.array(z.object({ thingName: z.string(), reason: z.string() })),
});

/** Reads a `drill --json` output file; the error names the file and the field. */
function readDrillOutcome(file: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`--drill-result ${file}: ${(error as Error).message}`);
  }
  const result = DrillOutcomeSchema.safeParse(parsed);
  if (!result.success) {
    throw new Error(`--drill-result ${file}: ${describeIssue(result.error)} (expected the output of drill --json)`);
  }
  const { region, devices, connected, refused } = result.data;
  return { region, devices, connected, refused };
}

/** Where the command writes: the report, and one-line messages (stderr on the command line). */
export interface DriftCommandOutput {
  print(text: string): void;
  message(line: string): void;
}

const processOutput: DriftCommandOutput = {
  print: (text) => process.stdout.write(text),
  message: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the drift check and writes the report; returns the exit code (0, 2, or 1 on error). */
export async function runDriftCommand(options: DriftCommandOptions, output: DriftCommandOutput = processOutput): Promise<number> {
  try {
    if (options.sourceRegion === options.targetRegion) throw new Error('--source-region and --target-region must differ');
    const drill = options.drillResult === undefined ? undefined : readDrillOutcome(options.drillResult);
    if (drill && drill.region !== options.targetRegion) throw new Error(`--drill-result: the drill ran in ${drill.region}, not in the target region ${options.targetRegion}`);
    const logger = jsonLinesLogger({ write: (line) => output.message(line) });
    // With --iam-template, both regions are read as the drift job's ReadChunk Lambda reads them: under its role.
    if (options.iamTemplate !== undefined && options.endpoint === undefined) throw new Error('--iam-template needs --endpoint: an emulator started with --iam-template');
    const readRole = options.iamTemplate === undefined ? undefined : taskRolesFor(readTemplateFile(options.iamTemplate), 'drift.asl.json')['ReadChunk'];
    const common = {
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(readRole === undefined ? {} : { credentials: roleCredentials(readRole) }),
      quotas: { scale: options.quotaScale },
      logger,
    };
    const source = createDriftRegistry({ ...common, region: options.sourceRegion });
    const target = createDriftRegistry({ ...common, region: options.targetRegion });
    const started = Date.now();
    const report = await checkDrift({
      regions: { source: { reader: source.registry, listings: source.listings }, target: { reader: target.registry, listings: target.listings } },
      store: memoryDriftStore(),
    });
    const callsByOperation: Record<string, number> = {};
    for (const stats of [source.registry.stats(), target.registry.stats()]) {
      for (const [operation, n] of Object.entries(stats.quota.calls)) callsByOperation[operation] = (callsByOperation[operation] ?? 0) + n;
    }
    const calls = Object.values(callsByOperation).reduce((a, b) => a + b, 0);
    report.reading = {
      calls,
      callsByOperation,
      // Per device and region read: each region is read once.
      callsPerDevice: report.readiness.devices === 0 ? 0 : Math.round((calls / (2 * report.readiness.devices)) * 1000) / 1000,
      wallSeconds: Math.round((Date.now() - started) / 10) / 100,
    };
    // Readiness includes quotas (docs/failover.md); a region whose quotas cannot be read is a note, not a failure.
    try {
      report.quotas = await compareRegionQuotas(
        createServiceQuotasClient(options.sourceRegion, options.endpoint),
        createServiceQuotasClient(options.targetRegion, options.endpoint),
      );
    } catch (error) {
      report.notes.push(`IoT Core quotas not compared: ${(error as Error).name}: ${(error as Error).message}`);
    }
    if (drill) report.drill = drill;
    const text = formatReport(report, options.format);
    if (options.out === undefined) {
      output.print(text);
    } else {
      writeFileSync(options.out, text);
      output.message(`${headline(report)}; report written to ${options.out}`);
    }
    const code = driftExitCode(report);
    return code === 0 && !quotasReady(report.quotas) ? 2 : code;
  } catch (error) {
    const e = error as Error;
    output.message(`error: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`);
    return 1;
  }
}

/** Adds the drift command's description, options and action to a command that already has the region options. */
export function registerDriftCommand(command: Command): Command {
  return command
    .description('Compare both regions: every difference, and how ready the target is for a failover (exit 0 in sync, 2 drift, 1 error).')
    .addOption(new Option('--format <format>', 'table on a terminal, json for machines, markdown for a ticket, html for a page').choices(REPORT_FORMATS).default('table'))
    .option('--out <file>', 'write the report to this file instead of standard output')
    .option('--drill-result <file>', 'the output of `drill --json` in the target region, shown beside the readiness')
    .action(async (options: DriftCommandOptions) => {
      process.exitCode = await runDriftCommand(options);
    });
}
