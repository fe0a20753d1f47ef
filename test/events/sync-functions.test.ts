import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SYNC_FUNCTION_NAMES, SYNC_FUNCTIONS } from '../../lib/events/sync-functions';
import { LOCAL_SYNC_SUBSTITUTIONS, syncLambdaHandlers } from '../../lib/local/sync-runner';

const ROOT = join(__dirname, '..', '..');

describe('the one list of sync Lambdas', () => {
  it('names exactly the functions the sync state machine substitutes', () => {
    const asl = readFileSync(join(ROOT, 'statemachine', 'sync.asl.json'), 'utf8');
    const substituted = [...asl.matchAll(/\$\{(\w+)FunctionArn\}/g)].map((m) => m[1]!);
    expect([...new Set(substituted)].sort()).toEqual([...SYNC_FUNCTION_NAMES].sort());
  });

  it('names handler files that exist in lambdas/', () => {
    for (const name of SYNC_FUNCTION_NAMES) expect(existsSync(join(ROOT, 'lambdas', SYNC_FUNCTIONS[name]))).toBe(true);
  });

  it('gives the local runner one placeholder ARN and one handler per function, and nothing else', () => {
    const arns = Object.keys(LOCAL_SYNC_SUBSTITUTIONS).filter((key) => key.endsWith('FunctionArn'));
    expect(arns.sort()).toEqual(SYNC_FUNCTION_NAMES.map((name) => `${name}FunctionArn`).sort());
    const handlers = syncLambdaHandlers({} as never);
    expect(Object.keys(handlers).sort()).toEqual([...SYNC_FUNCTION_NAMES].sort());
    for (const handler of Object.values(handlers)) expect(typeof handler).toBe('function');
  });
});
