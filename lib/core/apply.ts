/**
 * Apply: runs a plan against the target, phase by phase, operations of one phase concurrently. Every
 * operation yields an outcome; one failure never stops the others, and an operation whose `requires`
 * names a resource whose operation failed is skipped ("dependency failed: …").
 */
import { errorMessage, errorName } from './errors';
import { resourceId, type DifferenceKind } from './keys';
import { mapWithConcurrency } from './concurrency';
import { silentLogger, type Logger } from './logger';
import type { Operation, Plan } from './plan';
import type { RegistryReader, RegistryWriter } from './port';

/** What happened to one operation (or to a skipped or invalid item of the plan). */
export interface Outcome {
  operationId: string;
  kind: DifferenceKind;
  key: string;
  action: Operation['action'] | 'none';
  status: 'ok' | 'skipped' | 'failed';
  errorName?: string;
  message?: string;
}

/** Counts of one kind's outcomes. */
export interface KindSummary {
  created: number;
  updated: number;
  deleted: number;
  skipped: number;
  failed: number;
}

/** Every outcome, in plan order, and the counts per kind and in total. */
export interface ApplyResult {
  outcomes: Outcome[];
  summary: Partial<Record<DifferenceKind, KindSummary>>;
  totals: KindSummary;
}

/** Options of {@link apply}. */
export interface ApplyOptions {
  /** Operations in flight at once inside a phase (default 8). */
  concurrency?: number;
  logger?: Logger;
}

/** The target region as apply needs it: the writer, and the reader for policy versions. */
export interface ApplyTarget {
  writer: RegistryWriter;
  reader: RegistryReader;
}

const emptySummary = (): KindSummary => ({ created: 0, updated: 0, deleted: 0, skipped: 0, failed: 0 });

/** Counts outcomes per kind and in total. */
export function summarise(outcomes: readonly Outcome[]): Pick<ApplyResult, 'summary' | 'totals'> {
  const summary: Partial<Record<DifferenceKind, KindSummary>> = {};
  const totals = emptySummary();
  for (const o of outcomes) {
    const counts = (summary[o.kind] ??= emptySummary());
    const field: keyof KindSummary =
      o.status === 'ok' ? (o.action === 'create' ? 'created' : o.action === 'delete' ? 'deleted' : 'updated') : o.status;
    counts[field] += 1;
    totals[field] += 1;
  }
  return { summary, totals };
}

/** Deletes the oldest non-default version of a policy (by creation date, else by version number). */
async function pruneOldestPolicyVersion(target: ApplyTarget, name: string): Promise<void> {
  const versions = (await target.reader.listPolicyVersions(name)).filter((v) => !v.isDefault);
  versions.sort((a, b) =>
    a.createDate !== undefined && b.createDate !== undefined && a.createDate !== b.createDate
      ? a.createDate.localeCompare(b.createDate)
      : Number(a.versionId) - Number(b.versionId),
  );
  const oldest = versions[0];
  if (oldest === undefined) throw new Error(`policy "${name}" is at its version limit but has no non-default version to delete`);
  await target.writer.deletePolicyVersion(name, oldest.versionId);
}

/** Runs one operation's writer call(s). */
async function execute(op: Operation, target: ApplyTarget): Promise<void> {
  const w = target.writer;
  switch (op.type) {
    case 'createThingType':
      return w.createThingType(op.thingType);
    case 'updateThingType':
      return w.updateThingType(op.thingType);
    case 'setThingTypeDeprecated':
      return w.setThingTypeDeprecated(op.name, op.deprecated);
    case 'deleteThingType':
      try {
        return await w.deleteThingType(op.name);
      } catch (error) {
        if (error instanceof Error) {
          error.message = `${error.message} (a thing type can be deleted only 5 minutes after its deprecation and once no thing uses it; a later run retries)`;
        }
        throw error;
      }
    case 'createThingGroup':
      return w.createThingGroup(op.group);
    case 'updateThingGroup':
      return w.updateThingGroup(op.group);
    case 'deleteThingGroup':
      return w.deleteThingGroup(op.name, op.groupKind);
    case 'createThing':
      return w.createThing(op.thing);
    case 'updateThing':
      return w.updateThing(op.thing);
    case 'deleteThing':
      return w.deleteThing(op.name);
    case 'addThingToGroup':
      return w.addThingToGroup(op.thingName, { name: op.groupName });
    case 'removeThingFromGroup':
      return w.removeThingFromGroup(op.thingName, op.groupName);
    case 'addThingToBillingGroup':
      return w.addThingToBillingGroup(op.thingName, op.billingGroupName);
    case 'removeThingFromBillingGroup':
      return w.removeThingFromBillingGroup(op.thingName, op.billingGroupName);
    case 'registerCertificate':
      return w.registerCertificate({
        certificatePem: op.certificatePem,
        status: op.status,
        ...(op.caCertificatePem === undefined ? {} : { caCertificatePem: op.caCertificatePem }),
      });
    case 'updateCertificateStatus':
      return w.updateCertificateStatus(op.certificateId, op.status);
    case 'deleteCertificate':
      return w.deleteCertificate(op.certificateId);
    case 'registerCaCertificate':
      return w.registerCaCertificate(op.caCertificate);
    case 'updateCaCertificate':
      return w.updateCaCertificate(op.caCertificate);
    case 'createProvisioningTemplate':
      return w.createProvisioningTemplate(op.template);
    case 'updateProvisioningTemplate':
      return w.updateProvisioningTemplate(op.template, { newBody: op.newBody });
    case 'deleteProvisioningTemplate':
      return w.deleteProvisioningTemplate(op.name);
    case 'updateIndexingConfiguration':
      return w.updateIndexingConfiguration(op.configuration);
    case 'createRoleAlias':
      return w.createRoleAlias(op.roleAlias);
    case 'updateRoleAlias':
      return w.updateRoleAlias(op.roleAlias);
    case 'deleteRoleAlias':
      return w.deleteRoleAlias(op.name);
    case 'deleteCaCertificate':
      return w.deleteCaCertificate(op.certificateId);
    case 'createPolicy':
      return w.createPolicy(op.name, op.document);
    case 'createPolicyVersion':
      try {
        return await w.createPolicyVersion(op.name, op.document);
      } catch (error) {
        if (errorName(error) !== 'PolicyVersionLimitError') throw error;
        await pruneOldestPolicyVersion(target, op.name);
        return w.createPolicyVersion(op.name, op.document);
      }
    case 'deletePolicy': {
      for (const version of await target.reader.listPolicyVersions(op.name)) {
        if (!version.isDefault) await w.deletePolicyVersion(op.name, version.versionId);
      }
      return w.deletePolicy(op.name);
    }
    case 'attachPolicy':
      return w.attachPolicy(op.policyName, op.target);
    case 'detachPolicy':
      return w.detachPolicy(op.policyName, op.target);
    case 'attachThingPrincipal':
      return w.attachThingPrincipal(op.thingName, op.certificateId, op.principalType);
    case 'detachThingPrincipal':
      return w.detachThingPrincipal(op.thingName, op.certificateId);
  }
}

/**
 * Applies a plan. A failed (or dependency-skipped) operation marks its resource as failed for the
 * operations that require it, except a plain update: the resource still exists, so what depends on its
 * existence goes on. Retryable errors (throttling, transient) are failed outcomes too: the adapter has
 * already retried, and the caller decides whether to run again.
 */
export async function apply(plan: Plan, target: ApplyTarget, options: ApplyOptions = {}): Promise<ApplyResult> {
  const concurrency = options.concurrency ?? 8;
  const logger = options.logger ?? silentLogger;
  const outcomes: Outcome[] = [];
  for (const item of plan.invalid) {
    outcomes.push({ operationId: `invalid:${item.kind}:${item.key}`, kind: item.kind, key: item.key, action: 'none', status: 'failed', errorName: item.errorName, message: item.message });
    logger.warn('invalid item', { kind: item.kind, key: item.key, error: item.message });
  }
  for (const item of plan.skipped) {
    outcomes.push({ operationId: `skipped:${item.kind}:${item.key}`, kind: item.kind, key: item.key, action: 'none', status: 'skipped', message: item.reason });
  }

  const failed = new Map<string, string>();
  const phases = [...new Set(plan.operations.map((op) => op.phase))].sort((a, b) => a - b);
  const results = new Map<string, Outcome>();
  for (const phase of phases) {
    const ops = plan.operations.filter((op) => op.phase === phase);
    await mapWithConcurrency(ops, concurrency, async (op) => {
      const base = { operationId: op.id, kind: op.kind, key: op.key, action: op.action } as const;
      const blocker = op.requires.find((id) => failed.has(id));
      if (blocker !== undefined) {
        if (op.action !== 'update' || op.deletePreparation) failed.set(resourceId(op.kind, op.key), op.id);
        results.set(op.id, { ...base, status: 'skipped', message: `dependency failed: ${blocker} (${failed.get(blocker)})` });
        return;
      }
      try {
        await execute(op, target);
        results.set(op.id, { ...base, status: 'ok' });
      } catch (error) {
        if (op.action !== 'update' || op.deletePreparation) failed.set(resourceId(op.kind, op.key), op.id);
        const outcome: Outcome = { ...base, status: 'failed', errorName: errorName(error), message: errorMessage(error) };
        results.set(op.id, outcome);
        logger.warn('operation failed', { operationId: op.id, errorName: outcome.errorName, error: outcome.message });
      }
    });
  }
  for (const op of plan.operations) outcomes.push(results.get(op.id) as Outcome);
  const counts = summarise(outcomes);
  logger.info('plan applied', { totals: counts.totals });
  return { outcomes, ...counts };
}
