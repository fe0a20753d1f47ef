import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { DOMAIN_ERRORS } from '../../lib/core/errors';
import { STATE_MACHINE_DIR, taskStateNames } from '../../lib/local/state-machine';

const files = readdirSync(STATE_MACHINE_DIR).filter((f) => f.endsWith('.asl.json'));
const read = (file: string) => JSON.parse(readFileSync(join(STATE_MACHINE_DIR, file), 'utf8')) as { States: Record<string, unknown> };

/** Every ErrorEquals entry anywhere in a definition. */
function errorNames(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(errorNames);
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => (key === 'ErrorEquals' ? (value as string[]) : errorNames(value)));
}

describe('statemachine/*.asl.json', () => {
  it('holds at least the sync state machine', () => {
    expect(files).toContain('sync.asl.json');
  });

  it.each(files)('%s is valid Amazon States Language', (file) => {
    const result = aslValidator(read(file));
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it.each(files)('%s retries and catches only error names that exist in the code', (file) => {
    const names = errorNames(read(file)).filter((n) => !n.startsWith('States.') && !n.startsWith('Lambda.'));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(Object.keys(DOMAIN_ERRORS)).toContain(name);
  });

  it.each(files)('%s retries Lambda service exceptions on every Lambda task', (file) => {
    const definition = read(file);
    const tasks: { name: string; Resource: string; Retry?: { ErrorEquals: string[] }[] }[] = [];
    const visit = (states: Record<string, unknown>) => {
      for (const [name, raw] of Object.entries(states)) {
        const s = raw as { Type: string; Resource?: string; Retry?: { ErrorEquals: string[] }[]; ItemProcessor?: { States: Record<string, unknown> }; Branches?: { States: Record<string, unknown> }[] };
        if (s.Type === 'Task') tasks.push({ name, Resource: s.Resource ?? '', Retry: s.Retry });
        if (s.ItemProcessor) visit(s.ItemProcessor.States);
        for (const b of s.Branches ?? []) visit(b.States);
      }
    };
    visit(definition.States);
    expect(taskStateNames(definition)).toEqual(tasks.map((t) => t.name));
    for (const task of tasks.filter((t) => t.Resource.includes('FunctionArn'))) {
      const retried = (task.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect({ task: task.name, retried }).toEqual({ task: task.name, retried: expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'ThrottledError']) });
    }
  });
});
