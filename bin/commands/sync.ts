/** `iot-registry-sync sync --event FILE|-`: one event through the sync state machine, locally. */
import { readFileSync } from 'node:fs';
import { jsonLinesLogger } from '../../lib/core/logger';
import { LocalSyncRunner } from '../../lib/local/sync-runner';
import { registriesFor, roleRegistriesFor, type RegionOptions } from './registries';

/** Options of the sync command. */
export interface SyncCommandOptions extends RegionOptions {
  event: string;
  deleteMode: 'retain' | 'mirror';
  json: boolean;
}

/** Runs the execution and prints its outcome; exit 0 when it succeeded, 2 when it failed or left the change unresolved. */
export async function runSyncCommand(options: SyncCommandOptions): Promise<number> {
  const text = readFileSync(options.event === '-' ? 0 : options.event, 'utf8');
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new Error(`--event: ${options.event} is not JSON: ${(error as Error).message}`);
  }
  // A dead-letter record carries the original event: redriving it is syncing that event again.
  if (event && typeof event === 'object' && 'event' in event && 'failure' in event) event = (event as { event: unknown }).event;
  // A batch's dead-letter record carries the events that named a failed resource: one event runs alone, several as a batch.
  else if (event && typeof event === 'object' && Array.isArray((event as { events?: unknown }).events) && 'failure' in event) {
    const events = (event as unknown as { events: unknown[] }).events;
    event = events.length === 1 ? events[0] : events;
  }
  const logger = jsonLinesLogger({ write: (line) => process.stderr.write(`${line}\n`) });
  const common = { deleteMode: options.deleteMode, logger };
  const iamTemplate = options.iamTemplate;
  const runner = new LocalSyncRunner(
    iamTemplate === undefined
      ? { ...registriesFor(options, logger), ...common }
      : (() => {
          const byRole = roleRegistriesFor({ ...options, iamTemplate }, logger, 'sync.asl.json');
          return { forTask: (state: string) => ({ ...byRole.forTask(state), ...common }) };
        })(),
  );
  const execution = await runner.run(event);
  const report = { ...execution, deadLetters: runner.deadLetters, failureEvents: runner.failureEvents.length };
  const resolved = (execution.output as { resolved?: { status?: string; reason?: string } } | undefined)?.resolved;
  const unresolved = resolved?.status === 'unresolved' ? { reason: resolved.reason ?? '' } : undefined;
  if (options.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`${execution.status} in ${execution.durationMs} ms, ${execution.stateTransitions} state transitions`);
    if (execution.error) console.log(`error: ${execution.error}${execution.cause ? `: ${execution.cause}` : ''}`);
    for (const letter of runner.deadLetters) console.log(`dead letter: ${JSON.stringify(letter)}`);
    if (unresolved) console.log(`unresolved: ${unresolved.reason}; run a reconcile to converge it`);
  }
  return execution.status === 'SUCCEEDED' && !unresolved ? 0 : 2;
}
