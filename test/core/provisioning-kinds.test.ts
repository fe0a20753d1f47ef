/**
 * The provisioning kinds (templates, role aliases). Templates as a replicated kind: compared by the default version's body after the region
 * rewrite of the policies it embeds, type, enabled, description, role and hook; planned and applied
 * through the in-memory registry; a hook in the source region is reported, never copied.
 */
import { diff } from '../../lib/core/diff';
import type { ProvisioningTemplate } from '../../lib/core/model';
import { plan } from '../../lib/core/plan';
import { syncResources } from '../../lib/core/sync';
import { emptySnapshot, IndexingConfigurationSchema } from '../../lib/core/model';
import { narrowerDimensions, widenedIndexing } from '../../lib/core/indexing';
import { changeStages, MAX_TASK_DEVICES_PER_EXECUTION } from '../../lib/core/change-stages';
import { policyDocument } from '../support/builders';
import { registries, SOURCE_REGION, TARGET_REGION } from '../support/reference-fleet';

const regions = { sourceRegion: SOURCE_REGION, targetRegion: TARGET_REGION };
const ROLE = 'arn:aws:iam::123456789012:role/provisioning';
const body = (region: string) =>
  JSON.stringify({ Resources: { policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: policyDocument(region) } } } });
const template = (extra: Partial<ProvisioningTemplate> = {}): ProvisioningTemplate => ({
  name: 'claim',
  templateBody: body(SOURCE_REGION),
  type: 'FLEET_PROVISIONING',
  enabled: true,
  provisioningRoleArn: ROLE,
  ...extra,
});
const snap = (templates: ProvisioningTemplate[]) => ({ ...emptySnapshot(), provisioningTemplates: templates });

describe('provisioning templates in the diff', () => {
  it('is in sync when the target holds the body rewritten to its region, whatever the whitespace', () => {
    const inTarget = template({ templateBody: JSON.stringify(JSON.parse(body(TARGET_REGION)), null, 2) });
    expect(diff(snap([template()]), snap([inTarget]), regions)).toEqual([]);
  });

  it('reports each differing field, and a body still naming the source region', () => {
    const inTarget = template({ enabled: false, description: 'old', provisioningRoleArn: `${ROLE}-old` });
    const [d] = diff(snap([template()]), snap([inTarget]), regions);
    expect(d).toMatchObject({ kind: 'provisioningTemplate', key: 'claim', change: 'different' });
    expect(d!.fields!.map((f) => f.field)).toEqual(['templateBody', 'enabled', 'description', 'provisioningRoleArn']);
  });

  it('compares templates only when both snapshots read them', () => {
    expect(diff(snap([template()]), emptySnapshot(), regions)).toEqual([]);
    expect(diff(snap([template()]), snap([]), regions)).toMatchObject([{ kind: 'provisioningTemplate', change: 'missing' }]);
  });

  it('reports a body that is not JSON as invalid, naming the template', () => {
    const [d] = diff(snap([template({ templateBody: '{nope' })]), snap([]), regions);
    expect(d).toMatchObject({ kind: 'provisioningTemplate', change: 'invalid', error: { message: expect.stringContaining('provisioning template "claim"') } });
  });
});

describe('provisioning templates in the plan', () => {
  it('creates a missing template with the rewritten body; updates a changed body as a new default version', () => {
    const create = plan(diff(snap([template()]), snap([]), regions), regions).operations;
    expect(create).toMatchObject([{ type: 'createProvisioningTemplate', template: { name: 'claim', templateBody: expect.stringContaining(`arn:aws:iot:${TARGET_REGION}:`) } }]);
    const update = plan(diff(snap([template()]), snap([template({ templateBody: body('ap-south-1') })]), regions), regions).operations;
    expect(update).toMatchObject([{ type: 'updateProvisioningTemplate', newBody: true }]);
    const flagOnly = plan(diff(snap([template()]), snap([template({ templateBody: body(TARGET_REGION), enabled: false })]), regions), regions).operations;
    expect(flagOnly).toMatchObject([{ type: 'updateProvisioningTemplate', newBody: false }]);
  });

  it('reports a template whose pre-provisioning hook is in the source region instead of writing it', () => {
    const hooked = template({ preProvisioningHook: { targetArn: `arn:aws:lambda:${SOURCE_REGION}:123456789012:function:check` } });
    const p = plan(diff(snap([hooked]), snap([]), regions), regions);
    expect(p.operations).toEqual([]);
    expect(p.skipped).toEqual([{ kind: 'provisioningTemplate', key: 'claim', reason: expect.stringContaining(`is in the source region ${SOURCE_REGION}`) }]);
    const elsewhere = template({ preProvisioningHook: { targetArn: `arn:aws:lambda:${TARGET_REGION}:123456789012:function:check` } });
    expect(plan(diff(snap([elsewhere]), snap([]), regions), regions).operations).toMatchObject([{ type: 'createProvisioningTemplate', template: { preProvisioningHook: elsewhere.preProvisioningHook } }]);
  });

  it('refuses to change a template type, and keeps an extra template unless mirroring', () => {
    const p = plan(diff(snap([template()]), snap([template({ type: 'JITP', templateBody: body(TARGET_REGION) })]), regions), regions);
    expect(p.skipped[0]?.reason).toMatch(/cannot change type/);
    expect(plan(diff(snap([]), snap([template()]), regions), regions).skipped).toHaveLength(1);
    expect(plan(diff(snap([]), snap([template()]), regions), { ...regions, deleteMode: 'mirror' }).operations).toMatchObject([{ type: 'deleteProvisioningTemplate', name: 'claim' }]);
  });
});

describe('syncResources with a provisioning template ref', () => {
  it('copies the template, then makes no write call', async () => {
    const { source, target } = registries();
    await source.createProvisioningTemplate(template());
    const ref = { kind: 'provisioningTemplate' as const, name: 'claim' };
    await syncResources(source, { reader: target, writer: target }, [ref], regions);
    expect((await target.getProvisioningTemplate('claim'))?.templateBody).toContain(`arn:aws:iot:${TARGET_REGION}:`);
    const writes = target.writeCalls().length;
    const again = await syncResources(source, { reader: target, writer: target }, [ref], regions);
    expect(again.differences).toEqual([]);
    expect(target.writeCalls()).toHaveLength(writes);
  });
});

describe('role aliases', () => {
  const alias = { name: 'device-creds', roleArn: ROLE, credentialDurationSeconds: 3600 };
  const aliases = (list: (typeof alias)[]) => ({ ...emptySnapshot(), roleAliases: list });

  it('are compared by role ARN and credential duration, only when both snapshots read them', () => {
    expect(diff(aliases([alias]), aliases([alias]), regions)).toEqual([]);
    expect(diff(aliases([alias]), emptySnapshot(), regions)).toEqual([]);
    const [d] = diff(aliases([alias]), aliases([{ ...alias, credentialDurationSeconds: 900 }]), regions);
    expect(d).toMatchObject({ kind: 'roleAlias', change: 'different', fields: [{ field: 'credentialDurationSeconds', source: 3600, target: 900 }] });
  });

  it('are created, updated, kept when extra (retain) and deleted when mirroring', () => {
    expect(plan(diff(aliases([alias]), aliases([]), regions), regions).operations).toMatchObject([{ type: 'createRoleAlias', roleAlias: alias }]);
    expect(plan(diff(aliases([alias]), aliases([{ ...alias, roleArn: `${ROLE}-old` }]), regions), regions).operations).toMatchObject([{ type: 'updateRoleAlias', roleAlias: alias }]);
    expect(plan(diff(aliases([]), aliases([alias]), regions), regions).skipped).toHaveLength(1);
    expect(plan(diff(aliases([]), aliases([alias]), regions), { ...regions, deleteMode: 'mirror' }).operations).toMatchObject([{ type: 'deleteRoleAlias', name: 'device-creds' }]);
  });

  it('sync by ref, then make no write call', async () => {
    const { source, target } = registries();
    await source.createRoleAlias(alias);
    const ref = { kind: 'roleAlias' as const, name: 'device-creds' };
    await syncResources(source, { reader: target, writer: target }, [ref], regions);
    expect(await target.getRoleAlias('device-creds')).toEqual(alias);
    const writes = target.writeCalls().length;
    expect((await syncResources(source, { reader: target, writer: target }, [ref], regions)).differences).toEqual([]);
    expect(target.writeCalls()).toHaveLength(writes);
  });
});

describe('the fleet-indexing configuration dynamic groups need', () => {
  const off = IndexingConfigurationSchema.parse({});
  const registry = { ...off, thingIndexingMode: 'REGISTRY' as const };
  const withConnectivity = { ...registry, thingConnectivityIndexingMode: 'STATUS' as const, customFields: [{ name: 'attributes.floor', type: 'Number' as const }] };
  const indexing = (c: typeof off) => ({ ...emptySnapshot(), indexingConfiguration: c });

  it('widens a narrower target to index what the source does, keeping what the target already indexes', () => {
    const target = { ...off, thingGroupIndexingMode: 'ON' as const };
    const [d] = diff(indexing(withConnectivity), indexing(target), regions);
    expect(d).toMatchObject({ kind: 'indexingConfiguration', change: 'different', narrower: ['thingIndexingMode', 'thingConnectivityIndexingMode', 'customFields'] });
    expect(plan([d!], regions).operations).toMatchObject([{ type: 'updateIndexingConfiguration', configuration: { ...withConnectivity, thingGroupIndexingMode: 'ON' } }]);
    expect(widenedIndexing(withConnectivity, target)).toEqual({ ...withConnectivity, thingGroupIndexingMode: 'ON' });
  });

  it('reports a target that indexes more and leaves it as is', () => {
    const [d] = diff(indexing(registry), indexing({ ...withConnectivity, thingIndexingMode: 'REGISTRY_AND_SHADOW' }), regions);
    expect(d).toMatchObject({ change: 'different', narrower: [] });
    const p = plan([d!], regions);
    expect(p.operations).toEqual([]);
    expect(p.skipped[0]?.reason).toMatch(/the target indexes more than the source/);
    expect(narrowerDimensions(registry, withConnectivity)).toEqual([]);
  });

  it('is in sync when equal, and compared only when both snapshots read it', () => {
    expect(diff(indexing(registry), indexing(registry), regions)).toEqual([]);
    expect(diff(indexing(registry), emptySnapshot(), regions)).toEqual([]);
  });

  it('is converged before a dynamic group, through the sync', async () => {
    const { source, target } = registries();
    await source.updateIndexingConfiguration(registry);
    await source.createThingGroup({ kind: 'dynamic', name: 'hot', queryString: 'attributes.temp > 30', attributes: {} });
    const stages = await changeStages(source, { kind: 'thingGroup', name: 'hot' });
    expect(stages.map((s) => s.map((i) => i.ref.kind))).toEqual([['indexingConfiguration'], ['thingGroup']]);
    for (const stage of stages) await syncResources(source, { reader: target, writer: target }, stage.map((i) => i.ref), regions);
    expect(await target.getIndexingConfiguration()).toEqual(registry);
    expect(await target.getThingGroup('hot')).toMatchObject({ kind: 'dynamic', queryString: 'attributes.temp > 30' });
  });
});

describe('a bulk registration task event', () => {
  it('converges the devices of a finished task, waits (retryable) on a running one, and refuses one too large for an execution', async () => {
    const { source } = registries();
    await source.createThing({ name: 'bulk-1', attributes: {} });
    source.registrationTasks.set('done', { status: 'Completed', thingNames: ['bulk-1', 'gone-since'] });
    source.registrationTasks.set('running', { status: 'InProgress', thingNames: [] });
    source.registrationTasks.set('huge', { status: 'Completed', thingNames: Array.from({ length: MAX_TASK_DEVICES_PER_EXECUTION + 1 }, (_, i) => `t-${i}`) });
    const stages = await changeStages(source, { kind: 'thingRegistrationTask', taskId: 'done' });
    expect(stages.flat().map((i) => `${i.mode} ${i.ref.kind}`)).toEqual(['converge thing', 'converge thingPrincipals']);
    await expect(changeStages(source, { kind: 'thingRegistrationTask', taskId: 'running' })).rejects.toMatchObject({ name: 'TransientServiceError' });
    await expect(changeStages(source, { kind: 'thingRegistrationTask', taskId: 'huge' })).rejects.toMatchObject({ name: 'InvalidResourceError', message: expect.stringContaining('run reconcile') });
    await expect(changeStages(source, { kind: 'thingRegistrationTask', taskId: 'nope' })).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
  });
});
