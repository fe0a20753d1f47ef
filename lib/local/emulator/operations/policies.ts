/** Policies, their versions and their attachments to certificates, thing groups and Cognito identities. */
import { randomUUID } from 'node:crypto';
import { seconds, type OperationContext, type OperationTable } from '../context';
import {
  deleteConflict,
  invalidRequest,
  limitExceeded,
  malformedPolicy,
  resourceAlreadyExists,
  resourceNotFound,
  versionsLimitExceeded,
} from '../errors';
import { checkName, optionalBool, optionalInt, optionalString, POLICY_NAME, requiredString, type Input } from '../input';
import { pageSize, paginate } from '../pagination';
import type { PolicyRecord } from '../state';
import { ancestorsOf } from './thing-groups';

/** Longest policy document, not counting whitespace. */
export const MAX_POLICY_CHARS = 2048;
/** Versions a policy may hold. */
export const MAX_POLICY_VERSIONS = 5;
/** Policies a certificate or Cognito identity may carry. */
export const MAX_POLICIES_PER_PRINCIPAL = 10;
const DEFAULT_PAGE_SIZE = 25;
const COGNITO_ID = /^[a-z]{2}(-gov)?-[a-z]+-\d:[0-9a-f-]{36}$/;

/** Validates a policy document as AWS IoT does (JSON, statements, size without whitespace). */
export function checkPolicyDocument(document: string): void {
  if (document.replace(/\s/g, '').length > MAX_POLICY_CHARS) {
    throw malformedPolicy(`Policy document is longer than ${MAX_POLICY_CHARS} characters (whitespace excluded)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    throw malformedPolicy('Policy document is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw malformedPolicy('Policy document must be a JSON object');
  const statement = (parsed as { Statement?: unknown }).Statement;
  const statements = Array.isArray(statement) ? statement : statement !== undefined ? [statement] : [];
  if (statements.length === 0) throw malformedPolicy('Policy document has no Statement');
  for (const s of statements) {
    if (!s || typeof s !== 'object') throw malformedPolicy('Each Statement must be an object');
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw malformedPolicy('Statement Effect must be Allow or Deny');
    if (st.Action === undefined && st.NotAction === undefined) throw malformedPolicy('Statement has no Action');
    if (st.Resource === undefined && st.NotResource === undefined) throw malformedPolicy('Statement has no Resource');
  }
}

function requirePolicy(ctx: OperationContext, name: string): PolicyRecord {
  const policy = ctx.state.policies.get(name);
  if (!policy) throw resourceNotFound(`Policy not found: ${name}`);
  return policy;
}

function requireVersion(policy: PolicyRecord, versionId: string) {
  const version = policy.versions.get(versionId);
  if (!version) throw resourceNotFound(`Policy version ${versionId} of ${policy.name} not found`);
  return version;
}

type TargetKind = 'cert' | 'thinggroup' | 'cognito';

/** Checks an attachment target of this region and says what it is (ResourceNotFoundException if absent). */
function resolveTarget(ctx: OperationContext, target: string, allowGroups: boolean): TargetKind {
  if (COGNITO_ID.test(target)) return 'cognito';
  const m = /^arn:aws:iot:([^:]+):(\d{12}):(cert|thinggroup)\/(.+)$/.exec(target);
  if (!m) throw invalidRequest(`Invalid target: ${target}`);
  const [, region, account, kind, id] = m as unknown as [string, string, string, 'cert' | 'thinggroup', string];
  if (region !== ctx.region || account !== ctx.accountId) throw invalidRequest(`Target ${target} is not in this account and region`);
  if (kind === 'cert') {
    if (!ctx.state.certificates.has(id)) throw resourceNotFound(`The certificate ${id} does not exist`);
    return 'cert';
  }
  if (!allowGroups) throw invalidRequest(`Invalid principal: ${target}`);
  const group = ctx.state.thingGroups.get(id);
  if (!group) throw resourceNotFound(`Thing Group ${id} does not exist`);
  if (group.dynamic) throw invalidRequest('Policies cannot be attached to dynamic thing groups');
  return 'thinggroup';
}

function attach(ctx: OperationContext, policyName: string, target: string, allowGroups: boolean): void {
  requirePolicy(ctx, policyName);
  const kind = resolveTarget(ctx, target, allowGroups);
  const attached = ctx.state.targetPolicies.get(target) ?? new Set<string>();
  if (attached.has(policyName)) return; // attaching twice is a no-op
  if (kind !== 'thinggroup' && attached.size >= MAX_POLICIES_PER_PRINCIPAL) {
    throw limitExceeded(`A principal can have at most ${MAX_POLICIES_PER_PRINCIPAL} policies attached`);
  }
  attached.add(policyName);
  ctx.state.targetPolicies.set(target, attached);
  const targets = ctx.state.policyTargets.get(policyName) ?? new Set<string>();
  targets.add(target);
  ctx.state.policyTargets.set(policyName, targets);
}

function detach(ctx: OperationContext, policyName: string, target: string): void {
  if (!COGNITO_ID.test(target) && !target.startsWith('arn:')) throw invalidRequest(`Invalid target: ${target}`);
  ctx.state.targetPolicies.get(target)?.delete(policyName);
  if (ctx.state.targetPolicies.get(target)?.size === 0) ctx.state.targetPolicies.delete(target);
  ctx.state.policyTargets.get(policyName)?.delete(target);
}

function newDocument(input: Input): string {
  const document = requiredString(input, 'policyDocument');
  checkPolicyDocument(document);
  return document;
}

const policyRef = (p: PolicyRecord): Record<string, string> => ({ policyName: p.name, policyArn: p.arn });

/** The handlers of the policy family. */
export const policyOperations: OperationTable = {
  CreatePolicy(ctx, input) {
    const name = requiredString(input, 'policyName');
    checkName('policyName', name, POLICY_NAME);
    const document = newDocument(input);
    if (ctx.state.policies.has(name)) throw resourceAlreadyExists(`Policy cannot be created - name already exists (name=${name})`, name, ctx.arn(`policy/${name}`));
    const policy: PolicyRecord = {
      name,
      arn: ctx.arn(`policy/${name}`),
      versions: new Map([['1', { versionId: '1', document, createDate: ctx.now }]]),
      defaultVersionId: '1',
      nextVersionNumber: 2,
      creationDate: ctx.now,
      lastModifiedDate: ctx.now,
      generationId: randomUUID(),
      seq: ++ctx.state.seq,
    };
    ctx.state.policies.set(name, policy);
    return { body: { policyName: name, policyArn: policy.arn, policyDocument: document, policyVersionId: '1' } };
  },

  GetPolicy(ctx, input) {
    const p = requirePolicy(ctx, requiredString(input, 'policyName'));
    return {
      body: {
        policyName: p.name,
        policyArn: p.arn,
        policyDocument: requireVersion(p, p.defaultVersionId).document,
        defaultVersionId: p.defaultVersionId,
        creationDate: seconds(p.creationDate),
        lastModifiedDate: seconds(p.lastModifiedDate),
        generationId: p.generationId,
      },
    };
  },

  DeletePolicy(ctx, input) {
    const p = requirePolicy(ctx, requiredString(input, 'policyName'));
    if ((ctx.state.policyTargets.get(p.name)?.size ?? 0) > 0) {
      throw deleteConflict(`The policy cannot be deleted as the policy is attached to one or more principals (name=${p.name})`);
    }
    if (p.versions.size > 1) {
      throw deleteConflict(`The policy cannot be deleted as versions other than the default version exist (name=${p.name})`);
    }
    ctx.state.policies.delete(p.name);
    ctx.state.policyTargets.delete(p.name);
    return { body: {} };
  },

  ListPolicies(ctx, input) {
    const size = pageSize(optionalInt(input, 'pageSize'), 'pageSize', DEFAULT_PAGE_SIZE);
    const ascending = optionalBool(input, 'ascendingOrder') ?? false;
    const sorted = [...ctx.state.policies.values()].sort((a, b) => (ascending ? a.seq - b.seq : b.seq - a.seq));
    const page = paginate(sorted, (p) => String(p.seq).padStart(15, '0'), size, optionalString(input, 'marker'), 'marker', !ascending);
    return { body: { policies: page.items.map(policyRef), ...(page.next !== undefined ? { nextMarker: page.next } : {}) } };
  },

  CreatePolicyVersion(ctx, input) {
    const p = requirePolicy(ctx, requiredString(input, 'policyName'));
    const document = newDocument(input);
    if (p.versions.size >= MAX_POLICY_VERSIONS) {
      throw versionsLimitExceeded(`The policy ${p.name} already has the maximum number of versions (${MAX_POLICY_VERSIONS})`);
    }
    const versionId = String(p.nextVersionNumber++);
    p.versions.set(versionId, { versionId, document, createDate: ctx.now });
    const isDefault = optionalBool(input, 'setAsDefault') ?? false;
    if (isDefault) {
      p.defaultVersionId = versionId;
      p.generationId = randomUUID();
    }
    p.lastModifiedDate = ctx.now;
    return { body: { policyArn: p.arn, policyDocument: document, policyVersionId: versionId, isDefaultVersion: isDefault } };
  },

  GetPolicyVersion(ctx, input) {
    const p = requirePolicy(ctx, requiredString(input, 'policyName'));
    const v = requireVersion(p, requiredString(input, 'policyVersionId'));
    return {
      body: {
        policyArn: p.arn,
        policyName: p.name,
        policyDocument: v.document,
        policyVersionId: v.versionId,
        isDefaultVersion: v.versionId === p.defaultVersionId,
        creationDate: seconds(v.createDate),
        lastModifiedDate: seconds(p.lastModifiedDate),
        generationId: p.generationId,
      },
    };
  },

  ListPolicyVersions(ctx, input) {
    const p = requirePolicy(ctx, requiredString(input, 'policyName'));
    const versions = [...p.versions.values()].sort((a, b) => Number(b.versionId) - Number(a.versionId));
    return {
      body: {
        policyVersions: versions.map((v) => ({ versionId: v.versionId, isDefaultVersion: v.versionId === p.defaultVersionId, createDate: seconds(v.createDate) })),
      },
    };
  },

  SetDefaultPolicyVersion(ctx, input) {
    const p = requirePolicy(ctx, requiredString(input, 'policyName'));
    const v = requireVersion(p, requiredString(input, 'policyVersionId'));
    if (p.defaultVersionId !== v.versionId) {
      p.defaultVersionId = v.versionId;
      p.generationId = randomUUID();
      p.lastModifiedDate = ctx.now;
    }
    return { body: {} };
  },

  DeletePolicyVersion(ctx, input) {
    const p = requirePolicy(ctx, requiredString(input, 'policyName'));
    const v = requireVersion(p, requiredString(input, 'policyVersionId'));
    if (v.versionId === p.defaultVersionId) throw deleteConflict(`Cannot delete the default version of policy ${p.name}`);
    p.versions.delete(v.versionId);
    return { body: {} };
  },

  // AWS's sample CloudTrail record of AttachPolicy names the target `principal`
  // (https://docs.aws.amazon.com/iot/latest/developerguide/iot-using-cloudtrail.html); the record carries that shape.
  AttachPolicy(ctx, input) {
    const policyName = requiredString(input, 'policyName');
    const target = requiredString(input, 'target');
    attach(ctx, policyName, target, true);
    return { body: {}, requestParameters: { policyName, principal: target } };
  },

  // UNCONFIRMED: no sample of DetachPolicy is published; recorded like AttachPolicy.
  DetachPolicy(ctx, input) {
    const policyName = requiredString(input, 'policyName');
    const target = requiredString(input, 'target');
    detach(ctx, policyName, target);
    return { body: {}, requestParameters: { policyName, principal: target } };
  },

  AttachPrincipalPolicy(ctx, input) {
    attach(ctx, requiredString(input, 'policyName'), requiredString(input, 'principal'), false);
    return { body: {} };
  },

  DetachPrincipalPolicy(ctx, input) {
    detach(ctx, requiredString(input, 'policyName'), requiredString(input, 'principal'));
    return { body: {} };
  },

  ListAttachedPolicies(ctx, input) {
    const target = requiredString(input, 'target');
    const kind = resolveTarget(ctx, target, true);
    const names = new Set(ctx.state.targetPolicies.get(target) ?? []);
    if (kind === 'thinggroup' && (optionalBool(input, 'recursive') ?? false)) {
      const group = ctx.state.thingGroups.get(target.slice(target.indexOf('thinggroup/') + 'thinggroup/'.length));
      for (const ancestor of group ? ancestorsOf(ctx, group) : []) for (const n of ctx.state.targetPolicies.get(ancestor.arn) ?? []) names.add(n);
    }
    const policies = [...names].sort().flatMap((n) => {
      const p = ctx.state.policies.get(n);
      return p ? [p] : [];
    });
    const size = pageSize(optionalInt(input, 'pageSize'), 'pageSize', DEFAULT_PAGE_SIZE);
    const page = paginate(policies, (p) => p.name, size, optionalString(input, 'marker'), 'marker');
    return { body: { policies: page.items.map(policyRef), ...(page.next !== undefined ? { nextMarker: page.next } : {}) } };
  },

  ListTargetsForPolicy(ctx, input) {
    const p = requirePolicy(ctx, requiredString(input, 'policyName'));
    const size = pageSize(optionalInt(input, 'pageSize'), 'pageSize', DEFAULT_PAGE_SIZE);
    const targets = [...(ctx.state.policyTargets.get(p.name) ?? [])].sort();
    const page = paginate(targets, (t) => t, size, optionalString(input, 'marker'), 'marker');
    return { body: { targets: page.items, ...(page.next !== undefined ? { nextMarker: page.next } : {}) } };
  },
};
