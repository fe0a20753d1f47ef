/**
 * The event path's stages: what one change converges (and only ensures), in which order, read from the
 * source only as far as the stages need; and which of them are still to run in the target.
 */
import { z } from 'zod';
import type { Certificate, PolicyTarget, Thing } from './model';
import type { RegistryReader } from './port';
import { mapWithConcurrency } from './concurrency';
import { InvalidResourceError, ResourceNotFoundError, TransientServiceError } from './errors';
import { uniqueRefs } from './keys';
import { ResourceRefSchema, type ResourceRef } from './resource-ref';

/**
 * How an event-driven sync treats a reference: the changed resource (and its own attachments) is
 * converged; what it depends on is only ensured to exist in the target (synced when absent), because
 * its own changes arrive as events of their own. This keeps an event to a few calls at the low IoT quotas.
 */
export const StageItemSchema = z.strictObject({ ref: ResourceRefSchema, mode: z.enum(['converge', 'ensure']) });
/** One reference of a change's stages, with how to treat it. */
export type StageItem = z.infer<typeof StageItemSchema>;

/** Whether the resource a reference names exists in a region (for an attachment set: its parent). */
export async function refExists(reader: RegistryReader, ref: ResourceRef): Promise<boolean> {
  switch (ref.kind) {
    case 'thingType':
      return (await reader.getThingType(ref.name)) !== undefined;
    case 'thingGroup':
      return (await reader.getThingGroup(ref.name)) !== undefined;
    case 'policy':
      return (await reader.getPolicy(ref.name)) !== undefined;
    case 'caCertificate':
      return (await reader.getCaCertificate(ref.certificateId)) !== undefined;
    case 'provisioningTemplate':
      return (await reader.getProvisioningTemplate(ref.name)) !== undefined;
    case 'roleAlias':
      return (await reader.getRoleAlias(ref.name)) !== undefined;
    case 'indexingConfiguration':
    case 'thingRegistrationTask':
      return true;
    case 'certificate':
      return (await reader.getCertificate(ref.certificateId)) !== undefined;
    case 'thing':
      return (await reader.getThing(ref.name)) !== undefined;
    case 'thingPrincipals':
      return (await reader.getThing(ref.thingName)) !== undefined;
    case 'policyAttachments':
      return ref.target.kind === 'certificate'
        ? (await reader.getCertificate(ref.target.certificateId)) !== undefined
        : (await reader.getThingGroup(ref.target.groupName)) !== undefined;
  }
}

/**
 * The stages still to run in the target: converged items always; ensured dependencies only where the
 * target lacks them. On a steady-state fleet that leaves a change with one or two stages, which is what
 * Standard workflows bill (state transitions) and what the IoT read quotas pay for.
 */
export async function pendingStages(target: RegistryReader, stages: StageItem[][], concurrency = 8): Promise<ResourceRef[][]> {
  const pending: ResourceRef[][] = [];
  for (const stage of stages) {
    const keep = await mapWithConcurrency(stage, concurrency, async (item) => item.mode === 'converge' || !(await refExists(target, item.ref)));
    const refs = stage.filter((_, i) => keep[i]).map((item) => item.ref);
    if (refs.length > 0) pending.push(refs);
  }
  return pending;
}

/** Static groups with their ancestors, one stage per depth, roots first. */
async function groupStages(source: RegistryReader, names: readonly string[]): Promise<{ stages: ResourceRef[][]; all: string[] }> {
  const parentOf = new Map<string, string | undefined>();
  let pending = [...new Set(names)];
  while (pending.length > 0) {
    const next: string[] = [];
    for (const name of pending) {
      if (parentOf.has(name)) continue;
      const group = await source.getThingGroup(name);
      const parent = group?.kind === 'static' ? group.parentName : undefined;
      parentOf.set(name, parent);
      if (parent !== undefined && !parentOf.has(parent)) next.push(parent);
    }
    pending = next;
  }
  const depthOf = (name: string): number => {
    let depth = 0;
    for (let p = parentOf.get(name); p !== undefined && depth < 100; p = parentOf.get(p)) depth += 1;
    return depth;
  };
  const stages: ResourceRef[][] = [];
  for (const name of [...parentOf.keys()].sort()) {
    const depth = depthOf(name);
    (stages[depth] ??= []).push({ kind: 'thingGroup', name });
  }
  return { stages: stages.filter((s) => s !== undefined), all: [...parentOf.keys()] };
}

const certTarget = (certificateId: string): PolicyTarget => ({ kind: 'certificate', certificateId });
const groupTarget = (groupName: string): PolicyTarget => ({ kind: 'thingGroup', groupName });
const policyRefs = (names: readonly string[]): ResourceRef[] => names.map((name) => ({ kind: 'policy', name }));

/**
 * The ordered stages an event-driven sync of `ref` runs, reading the source only for what they need:
 * a thing after its type, groups (parents first) and certificates; a certificate after its policies
 * and CA; a group after its policies and ancestors; attachments after their policies and parent.
 * A ref absent in the source yields just itself (the target then deletes or keeps it per mode).
 */
export async function changeStages(source: RegistryReader, ref: ResourceRef): Promise<StageItem[][]> {
  const ensure = (refs: ResourceRef[]): StageItem[] => uniqueRefs(refs).map((r) => ({ ref: r, mode: 'ensure' }));
  const converge = (refs: ResourceRef[]): StageItem[] => refs.map((r) => ({ ref: r, mode: 'converge' }));
  const stages = await (async (): Promise<StageItem[][]> => {
    switch (ref.kind) {
      case 'thing': {
        const thing = await source.getThing(ref.name);
        if (thing === undefined) return [converge([ref])];
        return deviceStages(source, [thing]);
      }
      case 'certificate': {
        const cert = await source.getCertificate(ref.certificateId);
        if (cert === undefined) return [converge([ref])];
        // A certificate attached to things is part of their devices: converge each device whole.
        const things = (await mapWithConcurrency(await source.listPrincipalThings(cert.certificateId), 8, (a) => source.getThing(a.thingName))).filter(
          (t): t is Thing => t !== undefined,
        );
        return deviceStages(source, things, [cert]);
      }
      case 'thingGroup': {
        const group = await source.getThingGroup(ref.name);
        if (group === undefined) return [converge([ref])];
        // A dynamic group's query runs against the fleet index: the target must index what the source does first.
        if (group.kind === 'dynamic') return [converge([{ kind: 'indexingConfiguration' }]), converge([ref])];
        const groups = await groupStages(source, [group.name]);
        const policies = await source.listAttachedPolicies(groupTarget(group.name));
        const ancestors = groups.stages.slice(0, -1);
        return [ensure(policyRefs(policies)), ...ancestors.map(ensure), converge([ref]), converge([{ kind: 'policyAttachments', target: groupTarget(group.name) }])];
      }
      case 'thingPrincipals': {
        const thing = await source.getThing(ref.thingName);
        if (thing === undefined) return [converge([ref])];
        return deviceStages(source, [thing]);
      }
      case 'policyAttachments': {
        const t = ref.target;
        const parent: ResourceRef = t.kind === 'certificate' ? certRef(t.certificateId) : { kind: 'thingGroup', name: t.groupName };
        return [ensure(policyRefs(await source.listAttachedPolicies(t))), ensure([parent]), converge([ref])];
      }
      case 'thingType':
      case 'policy':
      case 'provisioningTemplate':
      case 'roleAlias':
      case 'indexingConfiguration':
        return [converge([ref])];
      case 'thingRegistrationTask':
        return taskDeviceStages(source, ref.taskId);
      case 'caCertificate': {
        // A JITP CA may name its template: ensure the template first.
        const templateName = (await source.getCaCertificate(ref.certificateId))?.registrationConfig?.templateName;
        return templateName === undefined ? [converge([ref])] : [ensure([{ kind: 'provisioningTemplate', name: templateName }]), converge([ref])];
      }
    }
  })();
  return stages.filter((stage) => stage.length > 0);
}

const certRef = (certificateId: string): ResourceRef => ({ kind: 'certificate', certificateId });

/**
 * The stages that converge whole devices: each thing (type, attributes, billing group, static group
 * memberships), each certificate attached to it (status) with its policy attachments, the policies those
 * attach (created when missing, region rewritten), and the thing–principal attachments with their type.
 * Devices provisioned over the data plane (fleet provisioning, JITP) leave no CloudTrail record of their
 * certificate, policy attachment or thing attachment (
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-using-cloudtrail.html), so the one event they
 * do produce must bring all of it. Dependencies that have events of their own (type, groups, CA,
 * policies) are only ensured: data-plane provisioning only ever creates a policy, while every policy
 * update is a control-plane call (CreatePolicyVersion, SetDefaultPolicyVersion) that CloudTrail records
 * and that syncs on its own event, so converging policies here would only repeat that work per device.
 * The attachments are converged. A converged item reads both regions and writes nothing (principle 2).
 *
 * Stages: [type, root groups, CAs, policies (all ensured)] → deeper group levels → [certificates, things] →
 * [thing–principal attachments, certificate policy attachments].
 */
export async function deviceStages(source: RegistryReader, things: readonly Thing[], extraCertificates: readonly Certificate[] = []): Promise<StageItem[][]> {
  const ensure = (refs: ResourceRef[]): StageItem[] => uniqueRefs(refs).map((r) => ({ ref: r, mode: 'ensure' }));
  const converge = (refs: ResourceRef[]): StageItem[] => uniqueRefs(refs).map((r) => ({ ref: r, mode: 'converge' }));
  const groups = await groupStages(source, things.flatMap((t) => t.groupNames));
  const certIds = [
    ...new Set([
      ...extraCertificates.map((c) => c.certificateId),
      ...(await mapWithConcurrency(things, 8, (t) => source.listThingPrincipals(t.name))).flat().map((a) => a.certificateId),
    ]),
  ].sort();
  const known = new Map(extraCertificates.map((c) => [c.certificateId, c] as const));
  const certs = (await mapWithConcurrency(certIds, 8, async (id) => known.get(id) ?? (await source.getCertificate(id)))).filter((c): c is Certificate => c !== undefined);
  const policies = [...new Set((await mapWithConcurrency(certs, 8, (c) => source.listAttachedPolicies(certTarget(c.certificateId)))).flat())].sort();
  const types = things.flatMap((t): ResourceRef[] => (t.thingTypeName === undefined ? [] : [{ kind: 'thingType', name: t.thingTypeName }]));
  const cas = certs.flatMap((c): ResourceRef[] => (c.caCertificateId === undefined ? [] : [{ kind: 'caCertificate', certificateId: c.caCertificateId }]));
  const [rootGroups = [], ...deeperGroups] = groups.stages;
  const stages: StageItem[][] = [
    ensure([...types, ...rootGroups, ...cas, ...policyRefs(policies)]),
    ...deeperGroups.map(ensure),
    converge([...certs.map((c) => certRef(c.certificateId)), ...things.map((t): ResourceRef => ({ kind: 'thing', name: t.name }))]),
    converge([
      ...things.map((t): ResourceRef => ({ kind: 'thingPrincipals', thingName: t.name })),
      ...certs.map((c): ResourceRef => ({ kind: 'policyAttachments', target: certTarget(c.certificateId) })),
    ]),
  ];
  return stages.filter((stage) => stage.length > 0);
}

/**
 * Most devices one bulk registration task's event converges in one execution: each device adds a few
 * refs to the state (Step Functions caps a state's payload at 256 KiB), and the inner Map paces them at
 * ten in flight. A larger task fails with a clear error (nothing dropped silently); its things still
 * converge from their own registry events, and `reconcile` covers them.
 */
export const MAX_TASK_DEVICES_PER_EXECUTION = 500;

/**
 * The stages that converge every device a bulk registration task registered, read from the task's
 * results report (https://docs.aws.amazon.com/iot/latest/developerguide/bulk-provisioning.html). A task
 * still running throws TransientServiceError so the state machine's Retry waits with backoff.
 */
async function taskDeviceStages(source: RegistryReader, taskId: string): Promise<StageItem[][]> {
  const task = await source.getThingRegistrationTaskThings(taskId);
  if (task === undefined) throw new ResourceNotFoundError(`thing registration task ${taskId} does not exist in ${source.region}`);
  if (task.status === 'InProgress' || task.status === 'Cancelling') {
    throw new TransientServiceError(`thing registration task ${taskId} is still ${task.status}; its devices converge once it has finished`);
  }
  if (task.thingNames.length > MAX_TASK_DEVICES_PER_EXECUTION) {
    throw new InvalidResourceError(
      `thing registration task ${taskId} registered ${task.thingNames.length} things, more than ${MAX_TASK_DEVICES_PER_EXECUTION} one execution converges; they converge from their own registry events, or run reconcile`,
    );
  }
  const things = (await mapWithConcurrency(task.thingNames, 8, (name) => source.getThing(name))).filter((t): t is Thing => t !== undefined);
  return things.length === 0 ? [] : deviceStages(source, things);
}
