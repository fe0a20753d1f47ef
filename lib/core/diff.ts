/**
 * The diff: typed differences between two snapshots, with field-level reasons. It compares exactly what
 * both snapshots hold (DESIGN.md, "in sync" table), so callers read both regions with the same scope.
 * Items that fail the model's validation become `invalid` differences naming the item; they are left
 * out of the comparison and everything else is still compared.
 */
import type { z } from 'zod';
import {
  CaCertificateSchema,
  ProvisioningTemplateSchema,
  RoleAliasSchema,
  IndexingConfigurationSchema,
  CertificateSchema,
  PolicyAttachmentSchema,
  PolicySchema,
  ThingGroupSchema,
  ThingPrincipalAttachmentSchema,
  ThingSchema,
  ThingTypeSchema,
  type CaCertificate,
  type Certificate,
  type RegistrationConfig,
  type Policy,
  type PolicyAttachment,
  type ProvisioningTemplate,
  type RoleAlias,
  type IndexingConfiguration,
  type PolicyTarget,
  type RegistrySnapshot,
  type Thing,
  type ThingGroup,
  type ThingPrincipalAttachment,
  type ThingType,
} from './model';
import { DIFFERENCE_KINDS, groupMembershipKey, type DifferenceKind, type GroupMembership } from './keys';
import { normalisePolicyDocument, rewritePolicyDocument, type AccountRewrite } from './policy-document';
import { INDEXING_CONFIGURATION_KEY, narrowerDimensions } from './indexing';
import { expectedRegistrationConfig, normaliseTemplateBody, rewriteTemplateBody } from './provisioning-template';
import { targetCertificateStatus } from './safety';
import { errorMessage, errorName } from './errors';
import { describeIssue } from './validation';

/** How one difference is classified. `invalid`: the item failed validation and was not compared. */
export type Change = 'missing' | 'different' | 'extra' | 'invalid';

/** One field that differs, with both values. */
export interface FieldDifference {
  field: string;
  source: unknown;
  target: unknown;
}

/** Fields shared by every difference. */
export interface DifferenceOf<K extends DifferenceKind, T> {
  kind: K;
  key: string;
  change: Change;
  /** For `different`: the fields that differ. */
  fields?: FieldDifference[];
  /** The source item (absent for `extra`). */
  source?: T;
  /** The target item (absent for `missing`). */
  target?: T;
  /**
   * For an `extra` relationship: whether its parent (the thing of a membership or thing–principal
   * attachment, the certificate or group of a policy attachment) exists in the source. When it does,
   * the source says the relationship must go (both delete modes); when not, only mirror mode removes it.
   */
  parentInSource?: boolean;
  /** For `invalid`: why, naming the item. */
  error?: { name: string; message: string; side: 'source' | 'target' };
}

export type ThingTypeDifference = DifferenceOf<'thingType', ThingType>;
export type ThingGroupDifference = DifferenceOf<'thingGroup', ThingGroup> & {
  /** Number of ancestors (0 for a root or dynamic group), from the side that holds the item. */
  depth?: number;
};
export type ThingDifference = DifferenceOf<'thing', Thing> & {
  /** The thing type the source thing needs is deprecated in the target (new associations are refused). */
  targetTypeDeprecated?: boolean;
};
export type GroupMembershipDifference = DifferenceOf<'groupMembership', GroupMembership>;
export type CertificateDifference = DifferenceOf<'certificate', Certificate> & {
  /** The source certificate's CA when the source snapshot holds it, and whether the target holds it too. */
  sourceCa?: { certificatePem: string; inTarget: boolean };
};
export type CaCertificateDifference = DifferenceOf<'caCertificate', CaCertificate>;
export type PolicyDifference = DifferenceOf<'policy', Policy>;
export type ProvisioningTemplateDifference = DifferenceOf<'provisioningTemplate', ProvisioningTemplate>;
export type RoleAliasDifference = DifferenceOf<'roleAlias', RoleAlias>;
export type IndexingConfigurationDifference = DifferenceOf<'indexingConfiguration', IndexingConfiguration> & {
  /** What the target indexes less than the source (empty: the target indexes more, and is left as is). */
  narrower?: string[];
};
export type PolicyAttachmentDifference = DifferenceOf<'policyAttachment', PolicyAttachment>;
export type ThingPrincipalAttachmentDifference = DifferenceOf<'thingPrincipalAttachment', ThingPrincipalAttachment>;

/** A typed difference between the source and the target. */
export type Difference =
  | ThingTypeDifference
  | ThingGroupDifference
  | ThingDifference
  | GroupMembershipDifference
  | CertificateDifference
  | CaCertificateDifference
  | PolicyDifference
  | ProvisioningTemplateDifference
  | RoleAliasDifference
  | IndexingConfigurationDifference
  | PolicyAttachmentDifference
  | ThingPrincipalAttachmentDifference;

/** The regions of the two snapshots (policy ARNs are compared after the region rewrite), and the accounts when they differ. */
export interface DiffContext {
  sourceRegion: string;
  targetRegion: string;
  /** Set when the target registry is in another account: policy ARNs are compared after the account rewrite too. */
  accounts?: AccountRewrite;
}

type Side = 'source' | 'target';
type Raw = Record<string, unknown>;

const PEM_PATTERN = /^\s*-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\s*$/;

/** Whether a string has the shape of one PEM certificate (the registry parses it for real). */
export function looksLikeCertificatePem(pem: string): boolean {
  return PEM_PATTERN.test(pem);
}

const str = (value: unknown): string => (typeof value === 'string' ? value : String(value));

function rawPolicyTargetKey(target: unknown): string {
  const t = (target ?? {}) as Raw;
  return t['kind'] === 'certificate' ? `cert:${str(t['certificateId'])}` : `group:${str(t['groupName'])}`;
}

/** How each kind of item is validated and keyed, also when it is malformed. */
const SPECS = {
  thingType: { schema: ThingTypeSchema, keyOf: (r: Raw) => str(r['name']) },
  thingGroup: { schema: ThingGroupSchema, keyOf: (r: Raw) => str(r['name']) },
  thing: { schema: ThingSchema, keyOf: (r: Raw) => str(r['name']) },
  certificate: {
    schema: CertificateSchema.refine((c) => looksLikeCertificatePem(c.certificatePem), {
      message: 'is not a PEM certificate',
      path: ['certificatePem'],
    }),
    keyOf: (r: Raw) => str(r['certificateId']),
  },
  caCertificate: {
    schema: CaCertificateSchema.refine((c) => looksLikeCertificatePem(c.certificatePem), {
      message: 'is not a PEM certificate',
      path: ['certificatePem'],
    }),
    keyOf: (r: Raw) => str(r['certificateId']),
  },
  policy: { schema: PolicySchema, keyOf: (r: Raw) => str(r['name']) },
  provisioningTemplate: { schema: ProvisioningTemplateSchema, keyOf: (r: Raw) => str(r['name']) },
  roleAlias: { schema: RoleAliasSchema, keyOf: (r: Raw) => str(r['name']) },
  policyAttachment: {
    schema: PolicyAttachmentSchema,
    keyOf: (r: Raw) => `${str(r['policyName'])}|${rawPolicyTargetKey(r['target'])}`,
  },
  thingPrincipalAttachment: {
    schema: ThingPrincipalAttachmentSchema,
    keyOf: (r: Raw) => `${str(r['thingName'])}|${str(r['certificateId'])}`,
  },
} as const;

/** A key short enough for a message (a 300-character name stays recognisable). */
function shortKey(key: string): string {
  return key.length <= 80 ? key : `${key.slice(0, 60)}… (${key.length} characters)`;
}

interface Validated<T> {
  items: Map<string, T>;
  /** Keys present on this side, valid or not (what "exists" means for a parent). */
  present: Set<string>;
}

function validate<T>(
  kind: DifferenceKind,
  spec: { schema: z.ZodType<T>; keyOf: (r: Raw) => string },
  items: readonly unknown[],
  side: Side,
  region: string,
  invalid: Difference[],
  invalidKeys: Set<string>,
): Validated<T> {
  const result: Validated<T> = { items: new Map(), present: new Set() };
  for (const raw of items) {
    const key = spec.keyOf((raw ?? {}) as Raw);
    result.present.add(key);
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) {
      result.items.set(key, parsed.data);
      continue;
    }
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`).join('; ');
    invalidKeys.add(key);
    invalid.push({
      kind,
      key,
      change: 'invalid',
      error: {
        name: 'InvalidResourceError',
        message: `${kind} "${shortKey(key)}" in the ${side} region ${region} is invalid: ${problems}`,
        side,
      },
    } as Difference);
  }
  return result;
}

function recordsEqual(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

const sortedCopy = (values: readonly string[]): string[] => [...values].sort();
const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  JSON.stringify(sortedCopy(a)) === JSON.stringify(sortedCopy(b));

/** Collects field differences; `undefined` and '' count as the same optional text. */
class FieldCollector {
  readonly fields: FieldDifference[] = [];
  text(field: string, source: string | undefined, target: string | undefined): this {
    if ((source ?? '') !== (target ?? '')) this.fields.push({ field, source: source ?? null, target: target ?? null });
    return this;
  }
  value(field: string, source: unknown, target: unknown, equal = source === target): this {
    if (!equal) this.fields.push({ field, source, target });
    return this;
  }
}

function groupDepth(name: string, groups: Map<string, ThingGroup>): number {
  let depth = 0;
  const seen = new Set<string>([name]);
  let current = groups.get(name);
  while (current?.kind === 'static' && current.parentName !== undefined && !seen.has(current.parentName)) {
    depth += 1;
    seen.add(current.parentName);
    current = groups.get(current.parentName);
  }
  return depth;
}

function thingTypeFields(s: ThingType, t: ThingType): FieldDifference[] {
  return new FieldCollector()
    .text('description', s.description, t.description)
    .value('searchableAttributes', s.searchableAttributes, t.searchableAttributes, sameSet(s.searchableAttributes, t.searchableAttributes))
    .value('deprecated', s.deprecated, t.deprecated)
    .value('mqtt5Configuration', s.mqtt5Configuration ?? null, t.mqtt5Configuration ?? null, samePropagatingAttributes(s, t)).fields;
}

/** Same propagating attributes, in the same order (absent = none). */
function samePropagatingAttributes(s: ThingType, t: ThingType): boolean {
  const list = (x: ThingType) =>
    JSON.stringify((x.mqtt5Configuration?.propagatingAttributes ?? []).map((a) => [a.userPropertyKey, a.thingAttribute ?? null, a.connectionAttribute ?? null]));
  return list(s) === list(t);
}

function thingGroupFields(s: ThingGroup, t: ThingGroup): FieldDifference[] {
  if (s.kind !== t.kind) return [{ field: 'kind', source: s.kind, target: t.kind }];
  if (s.kind === 'dynamic' && t.kind === 'dynamic') {
    return new FieldCollector().value('queryString', s.queryString, t.queryString).fields;
  }
  const sParent = s.kind === 'static' ? s.parentName : undefined;
  const tParent = t.kind === 'static' ? t.parentName : undefined;
  return new FieldCollector()
    .text('parentName', sParent, tParent)
    .text('description', s.description, t.description)
    .value('attributes', s.attributes, t.attributes, recordsEqual(s.attributes, t.attributes)).fields;
}

function thingFields(s: Thing, t: Thing): FieldDifference[] {
  return new FieldCollector()
    .text('thingTypeName', s.thingTypeName, t.thingTypeName)
    .value('attributes', s.attributes, t.attributes, recordsEqual(s.attributes, t.attributes))
    .text('billingGroupName', s.billingGroupName, t.billingGroupName).fields;
}

function certificateFields(s: Certificate, t: Certificate): FieldDifference[] {
  const equal = targetCertificateStatus(s.status) === targetCertificateStatus(t.status);
  return new FieldCollector().value('status', s.status, t.status, equal).fields;
}

/** A registration config in comparable form: the body normalised, empty fields dropped. */
function comparableRegistrationConfig(c: RegistrationConfig | undefined): string {
  if (c === undefined) return '{}';
  return JSON.stringify({
    roleArn: c.roleArn ?? null,
    templateBody: c.templateBody === undefined || c.templateBody === '' ? null : normaliseTemplateBody(c.templateBody),
    templateName: c.templateName ?? null,
  });
}

function caCertificateFields(context: DiffContext) {
  return (s: CaCertificate, t: CaCertificate): FieldDifference[] => {
    const expected = comparableRegistrationConfig(expectedRegistrationConfig(s.registrationConfig, context, s.certificateId));
    const actual = comparableRegistrationConfig(t.registrationConfig);
    return new FieldCollector()
      .value('status', s.status, t.status)
      .value('autoRegistration', s.autoRegistration, t.autoRegistration)
      .value('registrationConfig', s.registrationConfig ?? null, t.registrationConfig ?? null, expected === actual).fields;
  };
}

/** Emits missing / different / extra for one kind, skipping keys that are invalid on either side. */
function compareMaps<T, D extends Difference>(
  kind: D['kind'],
  source: Map<string, T>,
  target: Map<string, T>,
  invalidKeys: Set<string>,
  fieldsOf: (s: T, t: T) => FieldDifference[],
  decorate: (d: DifferenceOf<D['kind'], T>) => DifferenceOf<D['kind'], T> = (d) => d,
): Difference[] {
  const out: Difference[] = [];
  for (const [key, s] of source) {
    if (invalidKeys.has(key)) continue;
    const t = target.get(key);
    if (t === undefined) {
      out.push(decorate({ kind, key, change: 'missing', source: s }) as Difference);
      continue;
    }
    const fields = fieldsOf(s, t);
    if (fields.length > 0) out.push(decorate({ kind, key, change: 'different', fields, source: s, target: t }) as Difference);
  }
  for (const [key, t] of target) {
    if (invalidKeys.has(key) || source.has(key)) continue;
    out.push(decorate({ kind, key, change: 'extra', target: t }) as Difference);
  }
  return out;
}

function policyTargetExists(target: PolicyTarget, certificates: Set<string>, groups: Set<string>): boolean {
  return target.kind === 'certificate' ? certificates.has(target.certificateId) : groups.has(target.groupName);
}

/** Compares two snapshots; the result is ordered by kind (creation order), then key. */
export function diff(source: RegistrySnapshot, target: RegistrySnapshot, context: DiffContext): Difference[] {
  const out: Difference[] = [];
  const invalidKeys = new Map<DifferenceKind, Set<string>>(DIFFERENCE_KINDS.map((k) => [k, new Set<string>()]));
  const bad = (kind: DifferenceKind) => invalidKeys.get(kind) as Set<string>;
  const read = <K extends keyof typeof SPECS>(kind: K, snapshot: RegistrySnapshot, side: Side, field: keyof RegistrySnapshot) =>
    validate(kind, SPECS[kind] as never, (snapshot[field] as readonly unknown[] | undefined) ?? [], side, side === 'source' ? context.sourceRegion : context.targetRegion, out, bad(kind));
  const both = <K extends keyof typeof SPECS>(kind: K, field: keyof RegistrySnapshot) => ({
    s: read(kind, source, 'source', field),
    t: read(kind, target, 'target', field),
  });

  const types = both('thingType', 'thingTypes') as { s: Validated<ThingType>; t: Validated<ThingType> };
  const groups = both('thingGroup', 'thingGroups') as { s: Validated<ThingGroup>; t: Validated<ThingGroup> };
  const things = both('thing', 'things') as { s: Validated<Thing>; t: Validated<Thing> };
  const cas = both('caCertificate', 'caCertificates') as { s: Validated<CaCertificate>; t: Validated<CaCertificate> };
  const certs = both('certificate', 'certificates') as { s: Validated<Certificate>; t: Validated<Certificate> };
  const policies = both('policy', 'policies') as { s: Validated<Policy>; t: Validated<Policy> };
  const attachments = both('policyAttachment', 'policyAttachments') as {
    s: Validated<PolicyAttachment>;
    t: Validated<PolicyAttachment>;
  };
  const principals = both('thingPrincipalAttachment', 'thingPrincipalAttachments') as {
    s: Validated<ThingPrincipalAttachment>;
    t: Validated<ThingPrincipalAttachment>;
  };

  out.push(...compareMaps('thingType', types.s.items, types.t.items, bad('thingType'), thingTypeFields));

  out.push(
    ...compareMaps<ThingGroup, ThingGroupDifference>('thingGroup', groups.s.items, groups.t.items, bad('thingGroup'), thingGroupFields, (d) => ({
      ...d,
      depth: groupDepth(d.key, d.change === 'extra' ? groups.t.items : groups.s.items),
    })),
  );

  // Policies: the source document must parse (a malformed one is invalid, never written); the target's
  // only has to equal the rewritten source.
  const expectedDocuments = new Map<string, string>();
  for (const [name, policy] of policies.s.items) {
    try {
      const rewritten = rewritePolicyDocument(policy.document, context.sourceRegion, context.targetRegion, name, context.accounts);
      expectedDocuments.set(name, normalisePolicyDocument(rewritten.document, name));
    } catch (error) {
      bad('policy').add(name);
      out.push({ kind: 'policy', key: name, change: 'invalid', error: { name: errorName(error), message: errorMessage(error), side: 'source' } });
    }
  }
  out.push(
    ...compareMaps('policy', policies.s.items, policies.t.items, bad('policy'), (s, t) => {
      const expected = expectedDocuments.get(s.name) as string;
      let actual: string;
      try {
        actual = normalisePolicyDocument(t.document);
      } catch {
        actual = t.document;
      }
      return new FieldCollector().value('document', expected, actual).fields;
    }),
  );

  // A CA whose JITP template body is not JSON is invalid (never written), like a malformed policy.
  for (const [id, ca] of cas.s.items) {
    try {
      expectedRegistrationConfig(ca.registrationConfig, context, id);
    } catch (error) {
      bad('caCertificate').add(id);
      out.push({ kind: 'caCertificate', key: id, change: 'invalid', error: { name: errorName(error), message: errorMessage(error), side: 'source' } });
    }
  }
  out.push(...compareMaps('caCertificate', cas.s.items, cas.t.items, bad('caCertificate'), caCertificateFields(context)));

  // Provisioning templates, compared only when both snapshots read them (a scoped read may not).
  if (source.provisioningTemplates !== undefined && target.provisioningTemplates !== undefined) {
    const templates = both('provisioningTemplate', 'provisioningTemplates') as { s: Validated<ProvisioningTemplate>; t: Validated<ProvisioningTemplate> };
    const expectedBodies = new Map<string, string>();
    for (const [name, t] of templates.s.items) {
      try {
        expectedBodies.set(name, normaliseTemplateBody(rewriteTemplateBody(t.templateBody, context.sourceRegion, context.targetRegion, `provisioning template "${name}"`, context.accounts).body));
      } catch (error) {
        bad('provisioningTemplate').add(name);
        out.push({ kind: 'provisioningTemplate', key: name, change: 'invalid', error: { name: errorName(error), message: errorMessage(error), side: 'source' } });
      }
    }
    out.push(
      ...compareMaps('provisioningTemplate', templates.s.items, templates.t.items, bad('provisioningTemplate'), (s, t) =>
        new FieldCollector()
          .value('templateBody', s.templateBody, t.templateBody, expectedBodies.get(s.name) === normaliseTemplateBody(t.templateBody))
          .value('type', s.type, t.type)
          .value('enabled', s.enabled, t.enabled)
          .text('description', s.description, t.description)
          .value('provisioningRoleArn', s.provisioningRoleArn, t.provisioningRoleArn)
          .value('preProvisioningHook', s.preProvisioningHook ?? null, t.preProvisioningHook ?? null, JSON.stringify(s.preProvisioningHook ?? null) === JSON.stringify(t.preProvisioningHook ?? null)).fields,
      ),
    );
  }

  out.push(
    ...compareMaps<Certificate, CertificateDifference>('certificate', certs.s.items, certs.t.items, bad('certificate'), certificateFields, (d) => {
      const caId = d.source?.caCertificateId;
      const ca = caId === undefined ? undefined : cas.s.items.get(caId);
      return ca === undefined || caId === undefined
        ? d
        : { ...d, sourceCa: { certificatePem: ca.certificatePem, inTarget: cas.t.items.has(caId) } };
    }),
  );

  out.push(
    ...compareMaps<Thing, ThingDifference>('thing', things.s.items, things.t.items, bad('thing'), thingFields, (d) => {
      const typeName = d.source?.thingTypeName;
      const needsAssociation = d.change === 'missing' || (d.change === 'different' && d.fields?.some((f) => f.field === 'thingTypeName'));
      return typeName !== undefined && needsAssociation && types.t.items.get(typeName)?.deprecated === true
        ? { ...d, targetTypeDeprecated: true }
        : d;
    }),
  );

  // Memberships of things present in the source; an extra thing's memberships go with the thing.
  for (const [name, s] of things.s.items) {
    if (bad('thing').has(name)) continue;
    const t = things.t.items.get(name);
    const targetGroups = new Set(t?.groupNames ?? []);
    const sourceGroups = new Set(s.groupNames);
    for (const groupName of sourceGroups) {
      if (targetGroups.has(groupName)) continue;
      const m = { thingName: name, groupName };
      out.push({ kind: 'groupMembership', key: groupMembershipKey(m), change: 'missing', source: m });
    }
    for (const groupName of targetGroups) {
      if (sourceGroups.has(groupName)) continue;
      const m = { thingName: name, groupName };
      out.push({ kind: 'groupMembership', key: groupMembershipKey(m), change: 'extra', target: m, parentInSource: true });
    }
  }

  out.push(
    ...compareMaps<ThingPrincipalAttachment, ThingPrincipalAttachmentDifference>(
      'thingPrincipalAttachment',
      principals.s.items,
      principals.t.items,
      bad('thingPrincipalAttachment'),
      (s, t) => new FieldCollector().value('type', s.type, t.type).fields,
      (d) => (d.change === 'extra' ? { ...d, parentInSource: things.s.present.has((d.target as ThingPrincipalAttachment).thingName) } : d),
    ),
  );

  out.push(
    ...compareMaps<PolicyAttachment, PolicyAttachmentDifference>(
      'policyAttachment',
      attachments.s.items,
      attachments.t.items,
      bad('policyAttachment'),
      () => [],
      (d) =>
        d.change === 'extra'
          ? { ...d, parentInSource: policyTargetExists((d.target as PolicyAttachment).target, certs.s.present, groups.s.present) }
          : d,
    ),
  );

  // Role aliases, compared only when both snapshots read them.
  if (source.roleAliases !== undefined && target.roleAliases !== undefined) {
    const aliases = both('roleAlias', 'roleAliases') as { s: Validated<RoleAlias>; t: Validated<RoleAlias> };
    out.push(
      ...compareMaps('roleAlias', aliases.s.items, aliases.t.items, bad('roleAlias'), (s, t) =>
        new FieldCollector().value('roleArn', s.roleArn, t.roleArn).value('credentialDurationSeconds', s.credentialDurationSeconds, t.credentialDurationSeconds).fields,
      ),
    );
  }

  // The fleet-indexing configuration, when both snapshots read it: the target must index at least what the source does.
  if (source.indexingConfiguration !== undefined && target.indexingConfiguration !== undefined) {
    const parse = (side: 'source' | 'target', value: unknown) => {
      const parsed = IndexingConfigurationSchema.safeParse(value);
      if (!parsed.success) {
        out.push({ kind: 'indexingConfiguration', key: INDEXING_CONFIGURATION_KEY, change: 'invalid', error: { name: 'InvalidResourceError', message: `fleet-indexing configuration in the ${side} region is invalid: ${describeIssue(parsed.error)}`, side } });
      }
      return parsed.success ? parsed.data : undefined;
    };
    const s = parse('source', source.indexingConfiguration);
    const t = parse('target', target.indexingConfiguration);
    if (s !== undefined && t !== undefined) {
      const fields = new FieldCollector();
      for (const field of Object.keys(s) as (keyof IndexingConfiguration)[]) {
        fields.value(field, s[field], t[field], JSON.stringify(s[field]) === JSON.stringify(t[field]));
      }
      if (fields.fields.length > 0) {
        out.push({ kind: 'indexingConfiguration', key: INDEXING_CONFIGURATION_KEY, change: 'different', fields: fields.fields, source: s, target: t, narrower: narrowerDimensions(s, t) });
      }
    }
  }

  const order = new Map(DIFFERENCE_KINDS.map((k, i) => [k, i]));
  return out.sort((a, b) => (order.get(a.kind) as number) - (order.get(b.kind) as number) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
