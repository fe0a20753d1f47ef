import { apply } from '../../lib/core/apply';
import { ThrottledError, TransientServiceError } from '../../lib/core/errors';
import { jsonLinesLogger } from '../../lib/core/logger';
import type { Operation, OperationBase, OperationCall, Plan } from '../../lib/core/plan';
import type { RegistryWriter } from '../../lib/core/port';
import { InMemoryRegistry } from '../support/in-memory-registry';
import { thingType } from '../support/builders';

const op = (o: Partial<OperationBase> & OperationCall): Operation =>
  ({ id: `${o.type}:${o.key ?? 'x'}`, kind: 'thing', key: 'x', action: 'create', phase: 600, requires: [], ...o }) as Operation;

const createThing = (name: string, extra: Partial<OperationBase> & { thing?: { name: string; thingTypeName?: string; attributes: Record<string, string> } } = {}) =>
  op({ type: 'createThing', kind: 'thing', key: name, action: 'create', phase: 600, thing: { name, attributes: {} }, ...extra });

const planOf = (operations: Operation[], extra: Partial<Plan> = {}): Plan => ({ operations, skipped: [], invalid: [], ...extra });

describe('apply', () => {
  it('runs every operation and reports ok outcomes and counts per kind', async () => {
    const target = new InMemoryRegistry({ region: 'eu-west-1' });
    const result = await apply(planOf([createThing('a'), createThing('b')]), { writer: target, reader: target });
    expect(result.outcomes.map((o) => [o.operationId, o.status])).toEqual([['createThing:a', 'ok'], ['createThing:b', 'ok']]);
    expect(result.summary).toEqual({ thing: { created: 2, updated: 0, deleted: 0, skipped: 0, failed: 0 } });
    expect(await target.getThing('b')).toBeDefined();
  });

  it('goes on after a failed item and skips the operations that require it', async () => {
    const target = new InMemoryRegistry({ region: 'eu-west-1' });
    const plan = planOf([
      op({ type: 'createThingType', kind: 'thingType', key: 'sensor', phase: 100, thingType: thingType('sensor') }),
      createThing('typed', { thing: { name: 'typed', thingTypeName: 'missing-type', attributes: {} }, requires: ['thingType:missing-type'] }),
      createThing('plain'),
      op({ type: 'addThingToBillingGroup', kind: 'thing', key: 'typed', action: 'update', phase: 700, thingName: 'typed', billingGroupName: 'b', requires: ['thing:typed'] }),
    ]);
    const result = await apply(plan, { writer: target, reader: target });
    expect(result.outcomes.map((o) => [o.key, o.status, o.errorName])).toEqual([
      ['sensor', 'ok', undefined],
      ['typed', 'failed', 'ResourceNotFoundError'],
      ['plain', 'ok', undefined],
      ['typed', 'skipped', undefined],
    ]);
    expect(result.outcomes[3]?.message).toBe('dependency failed: thing:typed (createThing:typed)');
    expect(result.totals).toEqual({ created: 2, updated: 0, deleted: 0, skipped: 1, failed: 1 });
  });

  it('skips transitively: a skipped creation blocks what requires it in turn', async () => {
    const target = new InMemoryRegistry({ region: 'eu-west-1' });
    target.injectFault({ method: 'createThingGroup', error: () => new TransientServiceError('boom') });
    const plan = planOf([
      op({ type: 'createThingGroup', kind: 'thingGroup', key: 'root', phase: 200, group: { kind: 'static', name: 'root', attributes: {} } }),
      op({ type: 'createThingGroup', kind: 'thingGroup', key: 'child', phase: 201, group: { kind: 'static', name: 'child', parentName: 'root', attributes: {} }, requires: ['thingGroup:root'] }),
      op({ type: 'addThingToGroup', kind: 'groupMembership', key: 't|child', phase: 700, thingName: 't', groupName: 'child', requires: ['thingGroup:child'] }),
    ]);
    const result = await apply(plan, { writer: target, reader: target });
    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'skipped', 'skipped']);
    expect(result.outcomes[2]?.message).toMatch(/^dependency failed: thingGroup:child/);
  });

  it('does not block dependents when a plain update of an existing resource fails', async () => {
    const target = new InMemoryRegistry({ region: 'eu-west-1' });
    target.seed({ things: [{ name: 't', attributes: {}, groupNames: [] }], thingGroups: [{ kind: 'static', name: 'g', attributes: {} }] });
    target.injectFault({ method: 'updateThing', error: () => new ThrottledError('slow down') });
    const plan = planOf([
      op({ type: 'updateThing', kind: 'thing', key: 't', action: 'update', phase: 600, thing: { name: 't', attributes: { a: '1' } } }),
      op({ type: 'addThingToGroup', kind: 'groupMembership', key: 't|g', phase: 700, thingName: 't', groupName: 'g', requires: ['thing:t'] }),
    ]);
    const result = await apply(plan, { writer: target, reader: target });
    expect(result.outcomes.map((o) => [o.status, o.errorName])).toEqual([['failed', 'ThrottledError'], ['ok', undefined]]);
  });

  it('reports retryable errors as failed outcomes with their error name', async () => {
    const target = new InMemoryRegistry({ region: 'eu-west-1' });
    target.injectFault({ method: 'createThing', error: () => new ThrottledError('Rate exceeded') });
    const result = await apply(planOf([createThing('a')]), { writer: target, reader: target });
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', errorName: 'ThrottledError', message: 'Rate exceeded' });
  });

  it('reports the plan’s skipped and invalid items as outcomes', async () => {
    const target = new InMemoryRegistry({ region: 'eu-west-1' });
    const plan = planOf([], {
      skipped: [{ kind: 'certificate', key: 'c', reason: 'REVOKED is final' }],
      invalid: [{ kind: 'policy', key: 'p', errorName: 'InvalidResourceError', message: 'policy "p": not JSON' }],
    });
    const result = await apply(plan, { writer: target, reader: target });
    expect(result.outcomes).toEqual([
      { operationId: 'invalid:policy:p', kind: 'policy', key: 'p', action: 'none', status: 'failed', errorName: 'InvalidResourceError', message: 'policy "p": not JSON' },
      { operationId: 'skipped:certificate:c', kind: 'certificate', key: 'c', action: 'none', status: 'skipped', message: 'REVOKED is final' },
    ]);
    expect(target.writeCalls()).toEqual([]);
  });

  it('deletes the oldest non-default policy version and retries once at the 5-version limit', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const target = new InMemoryRegistry({ region: 'eu-west-1', now: () => clock });
    await target.createPolicy('p', '{"v":1}');
    for (let v = 2; v <= 5; v += 1) {
      clock += 1000;
      await target.createPolicyVersion('p', `{"v":${v}}`);
    }
    const plan = planOf([op({ type: 'createPolicyVersion', kind: 'policy', key: 'p', action: 'update', phase: 300, name: 'p', document: '{"v":6}', rewrittenArns: 0, rewrittenAccounts: 0 })]);
    const result = await apply(plan, { writer: target, reader: target });
    expect(result.outcomes[0]?.status).toBe('ok');
    expect(target.writeCalls().slice(-3).map((c) => [c.method, c.args[1]])).toEqual([
      ['createPolicyVersion', '{"v":6}'],
      ['deletePolicyVersion', '1'],
      ['createPolicyVersion', '{"v":6}'],
    ]);
    expect(await target.getPolicy('p')).toEqual({ name: 'p', document: '{"v":6}' });
    expect((await target.listPolicyVersions('p')).map((v) => v.versionId)).toEqual(['2', '3', '4', '5', '6']);
  });

  it('deletes a policy’s non-default versions before the policy', async () => {
    const target = new InMemoryRegistry({ region: 'eu-west-1' });
    await target.createPolicy('p', '{}');
    await target.createPolicyVersion('p', '{"a":1}');
    const result = await apply(planOf([op({ type: 'deletePolicy', kind: 'policy', key: 'p', action: 'delete', phase: 960, name: 'p' })]), { writer: target, reader: target });
    expect(result.outcomes[0]?.status).toBe('ok');
    expect(await target.getPolicy('p')).toBeUndefined();
  });

  it('explains the 5-minute rule when a thing type cannot be deleted yet', async () => {
    const target = new InMemoryRegistry({ region: 'eu-west-1' });
    await target.createThingType(thingType('old'));
    const plan = planOf([
      op({ type: 'setThingTypeDeprecated', kind: 'thingType', key: 'old', action: 'update', phase: 905, name: 'old', deprecated: true, deletePreparation: true }),
      op({ type: 'deleteThingType', kind: 'thingType', key: 'old', action: 'delete', phase: 1200, name: 'old', requires: ['thingType:old'] }),
    ]);
    const result = await apply(plan, { writer: target, reader: target });
    expect(result.outcomes[1]).toMatchObject({ status: 'failed', errorName: 'ResourceConflictError', message: expect.stringMatching(/5 minutes after its deprecation/) });
  });

  it('runs phases in order and at most `concurrency` operations of a phase at once', async () => {
    const events: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const writer = {
      region: 'eu-west-1',
      async createThing(thing: { name: string }) {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        events.push(`start ${thing.name}`);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        events.push(`end ${thing.name}`);
      },
    } as unknown as RegistryWriter;
    const plan = planOf([...['a', 'b', 'c', 'd', 'e'].map((n) => createThing(n)), createThing('late', { phase: 700 })]);
    await apply(plan, { writer, reader: new InMemoryRegistry({ region: 'eu-west-1' }) }, { concurrency: 2 });
    expect(maxInFlight).toBe(2);
    expect(events.indexOf('start late')).toBeGreaterThan(Math.max(...['a', 'b', 'c', 'd', 'e'].map((n) => events.indexOf(`end ${n}`))));
  });

  it('logs failures through the given logger as JSON lines', async () => {
    const lines: string[] = [];
    const target = new InMemoryRegistry({ region: 'eu-west-1' });
    target.injectFault({ method: 'createThing', error: () => new ThrottledError('Rate exceeded') });
    await apply(planOf([createThing('a')]), { writer: target, reader: target }, { logger: jsonLinesLogger({ write: (l) => lines.push(l), now: () => new Date(0) }) });
    expect(JSON.parse(lines[0] as string)).toEqual({
      time: '1970-01-01T00:00:00.000Z', level: 'warn', message: 'operation failed', operationId: 'createThing:a', errorName: 'ThrottledError', error: 'Rate exceeded',
    });
    expect(JSON.parse(lines[1] as string)).toMatchObject({ level: 'info', message: 'plan applied', totals: { failed: 1 } });
  });
});
