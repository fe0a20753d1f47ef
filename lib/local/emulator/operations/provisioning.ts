/**
 * Provisioning from a template, as AWS IoT does it, and the provisioning-template family.
 *
 * One engine (`provisionFromTemplate`) serves every path: the control-plane `RegisterThing` (one API
 * call, one CloudTrail record), fleet provisioning (MQTT `CreateKeysAndCertificate` /
 * `CreateCertificateFromCsr` + `RegisterThing` on `$aws/provisioning-templates/<name>/provision`) and JITP
 * (a certificate signed by a registered CA with a `registrationConfig` connects for the first time).
 * The engine calls the other operation handlers directly, so each resource it creates publishes the
 * registry events its own API would, and no CloudTrail record: the data-plane steps are not logged
 * by CloudTrail (https://docs.aws.amazon.com/iot/latest/developerguide/iot-using-cloudtrail.html).
 *
 * Template format: https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html
 * RegisterThing: https://docs.aws.amazon.com/iot/latest/apireference/API_RegisterThing.html
 * Fleet provisioning MQTT API: https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html
 * JITP: https://docs.aws.amazon.com/iot/latest/developerguide/jit-provisioning.html
 */
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { seconds, type OperationContext, type OperationTable } from '../context';
import { invalidRequest, resourceAlreadyExists, resourceNotFound } from '../errors';
import { checkName, optionalBool, optionalInt, optionalObject, optionalString, optionalStringMap, requiredString, type Input } from '../input';
import { pageSize, paginate } from '../pagination';
import type { RegionState } from '../state';
import { billingGroupOperations } from './billing-groups';
import { certificateOperations } from './certificates';
import { policyOperations } from './policies';
import { principalOperations } from './principals';
import { thingGroupOperations } from './thing-groups';
import { thingOperations } from './things';

/** The two template types of the API model. */
export type TemplateType = 'FLEET_PROVISIONING' | 'JITP';

/** One version of a provisioning template. */
export interface TemplateVersionRecord {
  versionId: number;
  body: string;
  creationDate: number;
}

/** A provisioning template. */
export interface ProvisioningTemplateRecord {
  name: string;
  arn: string;
  description?: string;
  type: TemplateType;
  enabled: boolean;
  provisioningRoleArn: string;
  preProvisioningHook?: { targetArn: string; payloadVersion?: string };
  versions: Map<number, TemplateVersionRecord>;
  defaultVersionId: number;
  nextVersionId: number;
  creationDate: number;
  lastModifiedDate: number;
}

/** A certificate created over the fleet-provisioning MQTT API, waiting for its RegisterThing. */
interface OwnershipToken {
  certificateId: string;
  expires: number;
}

/** Per-region provisioning state, kept beside the registry so `reset` drops it with the region. */
interface ProvisioningState {
  templates: Map<string, ProvisioningTemplateRecord>;
  tokens: Map<string, OwnershipToken>;
}

const stateOf = new WeakMap<RegionState, ProvisioningState>();

/** The provisioning state of a region (templates, ownership tokens). */
export function provisioningState(region: RegionState): ProvisioningState {
  let s = stateOf.get(region);
  if (!s) {
    // The templates live in the region state (the admin dump shows them); the tokens are transient.
    s = { templates: region.provisioningTemplates as Map<string, ProvisioningTemplateRecord>, tokens: new Map() };
    stateOf.set(region, s);
  }
  return s;
}

/** Versions a template may have (https://docs.aws.amazon.com/iot/latest/apireference/API_CreateProvisioningTemplateVersion.html: "up to five"). */
export const MAX_TEMPLATE_VERSIONS = 5;
/** An ownership token is valid for one hour (fleet-provision-api.html: "valid for one hour"). */
const TOKEN_LIFETIME_MS = 3_600_000;
const TEMPLATE_NAME = /^[0-9A-Za-z_-]+$/;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** What a provisioning run created or found, by resource. */
export interface ProvisionResult {
  thingName?: string;
  certificateId?: string;
  certificatePem?: string;
  resourceArns: Record<string, string>;
  deviceConfiguration: Record<string, string>;
}

function parseBody(body: string, field: string): { Parameters: Record<string, { Type?: string; Default?: Json }>; Resources: Record<string, { Type?: string; Properties?: Record<string, Json>; OverrideSettings?: Record<string, string> }>; DeviceConfiguration?: Record<string, Json> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw invalidRequest(`${field} is not valid JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidRequest(`${field} must be a JSON object`);
  const t = parsed as Record<string, unknown>;
  const resources = t.Resources;
  if (!resources || typeof resources !== 'object' || Array.isArray(resources)) throw invalidRequest(`${field}.Resources must be an object`);
  const parameters = (t.Parameters ?? {}) as Record<string, { Type?: string; Default?: Json }>;
  return { Parameters: parameters, Resources: resources as never, ...(t.DeviceConfiguration ? { DeviceConfiguration: t.DeviceConfiguration as Record<string, Json> } : {}) };
}

/**
 * Resolves the intrinsic functions the emulator supports: `Ref`, `Fn::Join`, `Fn::Sub` (string form),
 * `Fn::Select`, `Fn::Split`. Others (`Fn::If`, `Fn::FindInMap`, `Fn::Base64`) are refused by name: a
 * missing capability, not a silent pass-through.
 */
function resolve(value: Json, params: Record<string, string>, path: string): Json {
  if (Array.isArray(value)) return value.map((v, i) => resolve(v, params, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const only = keys.length === 1 ? keys[0]! : undefined;
  const ref = (name: string): string => {
    const v = params[name];
    if (v === undefined) throw invalidRequest(`${path}: parameter ${name} has no value and no default`);
    return v;
  };
  const str = (v: Json, where: string): string => {
    const r = resolve(v, params, where);
    if (typeof r !== 'string') throw invalidRequest(`${where} must resolve to a string`);
    return r;
  };
  switch (only) {
    case 'Ref':
      return ref(str(value.Ref!, `${path}.Ref`));
    case 'Fn::Join': {
      const [sep, list] = value['Fn::Join'] as [Json, Json];
      const items = resolve(list, params, `${path}.Fn::Join[1]`);
      if (!Array.isArray(items)) throw invalidRequest(`${path}.Fn::Join[1] must be a list`);
      return items.map((x, i) => str(x, `${path}.Fn::Join[1][${i}]`)).join(str(sep, `${path}.Fn::Join[0]`));
    }
    case 'Fn::Sub':
      return str(value['Fn::Sub']!, `${path}.Fn::Sub`).replace(/\$\{([^}]+)\}/g, (_, name: string) => ref(name));
    case 'Fn::Select': {
      const [index, list] = value['Fn::Select'] as [Json, Json];
      const items = resolve(list, params, `${path}.Fn::Select[1]`);
      const i = Number(resolve(index, params, `${path}.Fn::Select[0]`));
      if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) throw invalidRequest(`${path}.Fn::Select: index out of range`);
      return items[i]!;
    }
    case 'Fn::Split': {
      const [sep, s] = value['Fn::Split'] as [Json, Json];
      return str(s, `${path}.Fn::Split[1]`).split(str(sep, `${path}.Fn::Split[0]`));
    }
    default:
      if (only?.startsWith('Fn::')) throw invalidRequest(`${path}: ${only} is not supported by the emulator`);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, params, `${path}.${k}`)]));
  }
}

function optionalProp(props: Record<string, Json>, name: string, path: string): string | undefined {
  const v = props[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`${path}.${name} must be a string`);
  return v;
}

/**
 * Provisions the resources a template body describes, with these parameters (the template's defaults
 * fill the rest). Order: the certificate, then policies (created when a document is given, attached to
 * the certificate), then the thing (with type, attributes, groups, billing group) and its attachment to
 * the certificate. A resource that fails stops the run with the error AWS would answer.
 */
export async function provisionFromTemplate(ctx: OperationContext, templateBody: string, parameters: Record<string, string>, field = 'templateBody'): Promise<ProvisionResult> {
  const template = parseBody(templateBody, field);
  const params: Record<string, string> = {};
  for (const [name, decl] of Object.entries(template.Parameters)) {
    const v = parameters[name] ?? (decl?.Default !== undefined ? String(decl.Default) : undefined);
    if (v !== undefined) params[name] = v;
  }
  // System parameters (AWS::IoT::Certificate::*) are supplied by the path, declared or not.
  for (const [name, v] of Object.entries(parameters)) if (name.startsWith('AWS::')) params[name] = v;
  const resources = Object.entries(template.Resources).map(([logicalId, r]) => ({
    logicalId,
    type: r?.Type,
    props: resolve((r?.Properties ?? {}) as Json, params, `${field}.Resources.${logicalId}.Properties`) as Record<string, Json>,
    override: r?.OverrideSettings ?? {},
  }));
  for (const r of resources) {
    if (!['AWS::IoT::Thing', 'AWS::IoT::Certificate', 'AWS::IoT::Policy'].includes(String(r.type))) {
      throw invalidRequest(`${field}.Resources.${r.logicalId}.Type: ${String(r.type)} is not one of AWS::IoT::Thing, AWS::IoT::Certificate, AWS::IoT::Policy`);
    }
  }
  const result: ProvisionResult = { resourceArns: {}, deviceConfiguration: {} };

  const certs = resources.filter((r) => r.type === 'AWS::IoT::Certificate');
  if (certs.length > 1) throw invalidRequest(`${field}: at most one AWS::IoT::Certificate resource`);
  for (const r of certs) {
    const path = `${field}.Resources.${r.logicalId}.Properties`;
    const status = optionalProp(r.props, 'Status', path);
    const id = optionalProp(r.props, 'CertificateId', path);
    const csr = optionalProp(r.props, 'CertificateSigningRequest', path);
    const pem = optionalProp(r.props, 'CertificatePem', path);
    let certificateId: string;
    if (id !== undefined) {
      if (!ctx.state.certificates.has(id)) throw resourceNotFound(`${path}.CertificateId: the certificate ${id} does not exist`);
      certificateId = id;
      if (status !== undefined && ctx.state.certificates.get(id)!.status !== status) {
        await certificateOperations.UpdateCertificate!(ctx, { certificateId: id, newStatus: status });
      }
    } else if (csr !== undefined) {
      const out = (await certificateOperations.CreateCertificateFromCsr!(ctx, { certificateSigningRequest: csr, setAsActive: status === 'ACTIVE' })).body!;
      certificateId = String(out.certificateId);
    } else if (pem !== undefined) {
      const caPem = optionalProp(r.props, 'CACertificatePem', path);
      const existing = [...ctx.state.certificates.values()].find((c) => c.pem === pem);
      if (existing) certificateId = existing.id;
      else {
        const out = caPem !== undefined
          ? (await certificateOperations.RegisterCertificate!(ctx, { certificatePem: pem, caCertificatePem: caPem, status: status ?? 'INACTIVE' })).body!
          : (await certificateOperations.RegisterCertificateWithoutCA!(ctx, { certificatePem: pem, status: status ?? 'INACTIVE' })).body!;
        certificateId = String(out.certificateId);
      }
    } else {
      throw invalidRequest(`${path}: one of CertificateId, CertificateSigningRequest or CertificatePem is required`);
    }
    const cert = ctx.state.certificates.get(certificateId)!;
    result.certificateId = cert.id;
    result.certificatePem = cert.pem;
    result.resourceArns.certificate = cert.arn;
  }

  for (const r of resources.filter((x) => x.type === 'AWS::IoT::Policy')) {
    const path = `${field}.Resources.${r.logicalId}.Properties`;
    const docValue = r.props.PolicyDocument;
    const document = docValue === undefined || docValue === null ? undefined : typeof docValue === 'string' ? docValue : JSON.stringify(docValue);
    // PolicyName defaults to a hash of the document (provision-template.html, "Policy resources"); the hash
    // function is not documented: SHA-256 hex here (UNCONFIRMED).
    const name = optionalProp(r.props, 'PolicyName', path) ?? (document !== undefined ? createHash('sha256').update(document).digest('hex') : undefined);
    if (name === undefined) throw invalidRequest(`${path}: PolicyName or PolicyDocument is required`);
    if (!ctx.state.policies.has(name)) {
      if (document === undefined) throw resourceNotFound(`${path}.PolicyName: the policy ${name} does not exist and no PolicyDocument is given`);
      await policyOperations.CreatePolicy!(ctx, { policyName: name, policyDocument: document });
    }
    result.resourceArns.policy = ctx.state.policies.get(name)!.arn;
    if (result.certificateId !== undefined) {
      await policyOperations.AttachPolicy!(ctx, { policyName: name, target: ctx.state.certificates.get(result.certificateId)!.arn });
    }
  }

  const things = resources.filter((r) => r.type === 'AWS::IoT::Thing');
  if (things.length > 1) throw invalidRequest(`${field}: at most one AWS::IoT::Thing resource`);
  for (const r of things) {
    const path = `${field}.Resources.${r.logicalId}.Properties`;
    const name = optionalProp(r.props, 'ThingName', path);
    if (name === undefined) throw invalidRequest(`${path}.ThingName is required`);
    const typeName = optionalProp(r.props, 'ThingTypeName', path);
    const billingGroupName = optionalProp(r.props, 'BillingGroup', path);
    const attrs = r.props.AttributePayload ?? {};
    if (typeof attrs !== 'object' || Array.isArray(attrs) || attrs === null) throw invalidRequest(`${path}.AttributePayload must be an object`);
    const attributes = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, String(v)]));
    const groupsValue = r.props.ThingGroups ?? [];
    if (!Array.isArray(groupsValue)) throw invalidRequest(`${path}.ThingGroups must be a list`);
    const groups = groupsValue.map((g, i) => {
      if (typeof g !== 'string') throw invalidRequest(`${path}.ThingGroups[${i}] must be a string`);
      return g;
    });
    const existing = ctx.state.things.get(name);
    if (existing) {
      // OverrideSettings decide what an existing thing keeps; absent, nothing is changed (UNCONFIRMED default).
      const setting = (key: string) => r.override[key] ?? 'DO_NOTHING';
      for (const key of ['AttributePayload', 'ThingTypeName', 'ThingGroups']) if (setting(key) === 'FAIL') throw resourceAlreadyExists(`Thing ${name} already exists (${key}: FAIL)`, existing.id, existing.arn);
      const attributePayload =
        setting('AttributePayload') === 'REPLACE' ? { attributes: { ...attributes }, merge: false } : setting('AttributePayload') === 'MERGE' ? { attributes, merge: true } : undefined;
      const type = setting('ThingTypeName') === 'REPLACE' ? (typeName !== undefined ? { thingTypeName: typeName } : { removeThingType: true }) : {};
      if (attributePayload || Object.keys(type).length > 0) await thingOperations.UpdateThing!(ctx, { thingName: name, ...(attributePayload ? { attributePayload } : {}), ...type });
      if (setting('ThingGroups') === 'MERGE' || setting('ThingGroups') === 'REPLACE') {
        for (const g of groups) await thingGroupOperations.AddThingToThingGroup!(ctx, { thingName: name, thingGroupName: g });
      }
    } else {
      await thingOperations.CreateThing!(ctx, {
        thingName: name,
        ...(typeName !== undefined ? { thingTypeName: typeName } : {}),
        attributePayload: { attributes },
      });
      for (const g of groups) await thingGroupOperations.AddThingToThingGroup!(ctx, { thingName: name, thingGroupName: g });
    }
    if (billingGroupName !== undefined) await billingGroupOperations.AddThingToBillingGroup!(ctx, { thingName: name, billingGroupName });
    const thing = ctx.state.things.get(name)!;
    result.thingName = name;
    result.resourceArns.thing = thing.arn;
    if (result.certificateId !== undefined) {
      // A template attaches the certificate as AttachThingPrincipal does by default (UNCONFIRMED: templates have no type property).
      await principalOperations.AttachThingPrincipal!(ctx, { thingName: name, principal: ctx.state.certificates.get(result.certificateId)!.arn });
    }
  }
  if (template.DeviceConfiguration) {
    const conf = resolve(template.DeviceConfiguration as Json, params, `${field}.DeviceConfiguration`) as Record<string, Json>;
    result.deviceConfiguration = Object.fromEntries(Object.entries(conf).map(([k, v]) => [k, String(v)]));
  }
  return result;
}

function requireTemplate(ctx: OperationContext, name: string): ProvisioningTemplateRecord {
  const t = provisioningState(ctx.state).templates.get(name);
  if (!t) throw resourceNotFound(`The provisioning template ${name} does not exist`);
  return t;
}

function hookOf(input: Input): ProvisioningTemplateRecord['preProvisioningHook'] | undefined {
  const hook = optionalObject(input, 'preProvisioningHook');
  if (!hook) return undefined;
  const targetArn = hook.targetArn;
  if (typeof targetArn !== 'string' || targetArn === '') throw invalidRequest('preProvisioningHook.targetArn is required');
  return { targetArn, ...(typeof hook.payloadVersion === 'string' ? { payloadVersion: hook.payloadVersion } : {}) };
}

function describe(t: ProvisioningTemplateRecord): Record<string, unknown> {
  return {
    templateArn: t.arn,
    templateName: t.name,
    ...(t.description !== undefined ? { description: t.description } : {}),
    creationDate: seconds(t.creationDate),
    lastModifiedDate: seconds(t.lastModifiedDate),
    defaultVersionId: t.defaultVersionId,
    templateBody: t.versions.get(t.defaultVersionId)!.body,
    enabled: t.enabled,
    provisioningRoleArn: t.provisioningRoleArn,
    ...(t.preProvisioningHook ? { preProvisioningHook: t.preProvisioningHook } : {}),
    type: t.type,
  };
}

/** The provisioning-template family and the control-plane RegisterThing. */
export const provisioningOperations: OperationTable = {
  async RegisterThing(ctx, input) {
    const body = requiredString(input, 'templateBody');
    const parameters = optionalStringMap(input, 'parameters') ?? {};
    const out = await provisionFromTemplate(ctx, body, parameters);
    return { body: { ...(out.certificatePem !== undefined ? { certificatePem: out.certificatePem } : {}), resourceArns: out.resourceArns } };
  },

  CreateProvisioningTemplate(ctx, input) {
    const name = requiredString(input, 'templateName');
    checkName('templateName', name, TEMPLATE_NAME, 36);
    const body = requiredString(input, 'templateBody');
    parseBody(body, 'templateBody');
    const roleArn = requiredString(input, 'provisioningRoleArn');
    const type = (optionalString(input, 'type') ?? 'FLEET_PROVISIONING') as TemplateType;
    if (type !== 'FLEET_PROVISIONING' && type !== 'JITP') throw invalidRequest(`Invalid type: ${String(type)}`);
    const hook = hookOf(input);
    // "Pre-provisioning hooks are only supported for FLEET_PROVISIONING" (API_CreateProvisioningTemplate.html).
    if (hook && type === 'JITP') throw invalidRequest('preProvisioningHook is only supported for FLEET_PROVISIONING templates');
    const templates = provisioningState(ctx.state).templates;
    if (templates.has(name)) throw resourceAlreadyExists(`The provisioning template ${name} already exists`);
    const t: ProvisioningTemplateRecord = {
      name,
      arn: ctx.arn(`provisioningtemplate/${name}`),
      ...(optionalString(input, 'description') !== undefined ? { description: optionalString(input, 'description')! } : {}),
      type,
      enabled: optionalBool(input, 'enabled') ?? false,
      provisioningRoleArn: roleArn,
      ...(hook ? { preProvisioningHook: hook } : {}),
      versions: new Map([[1, { versionId: 1, body, creationDate: ctx.now }]]),
      defaultVersionId: 1,
      nextVersionId: 2,
      creationDate: ctx.now,
      lastModifiedDate: ctx.now,
    };
    templates.set(name, t);
    return { body: { templateArn: t.arn, templateName: t.name, defaultVersionId: 1 } };
  },

  DescribeProvisioningTemplate(ctx, input) {
    return { body: describe(requireTemplate(ctx, requiredString(input, 'templateName'))) };
  },

  ListProvisioningTemplates(ctx, input) {
    const all = [...provisioningState(ctx.state).templates.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    const page = paginate(all, (t) => t.name, pageSize(optionalInt(input, 'maxResults'), 'maxResults', 50), optionalString(input, 'nextToken'), 'nextToken');
    return {
      body: {
        templates: page.items.map((t) => ({
          templateArn: t.arn,
          templateName: t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          creationDate: seconds(t.creationDate),
          lastModifiedDate: seconds(t.lastModifiedDate),
          enabled: t.enabled,
          type: t.type,
        })),
        ...(page.next !== undefined ? { nextToken: page.next } : {}),
      },
    };
  },

  UpdateProvisioningTemplate(ctx, input) {
    const t = requireTemplate(ctx, requiredString(input, 'templateName'));
    const description = optionalString(input, 'description');
    const enabled = optionalBool(input, 'enabled');
    const defaultVersionId = optionalInt(input, 'defaultVersionId');
    const roleArn = optionalString(input, 'provisioningRoleArn');
    const hook = hookOf(input);
    if (defaultVersionId !== undefined && !t.versions.has(defaultVersionId)) throw resourceNotFound(`Version ${defaultVersionId} of ${t.name} does not exist`);
    if (hook && t.type === 'JITP') throw invalidRequest('preProvisioningHook is only supported for FLEET_PROVISIONING templates');
    if (description !== undefined) t.description = description;
    if (enabled !== undefined) t.enabled = enabled;
    if (defaultVersionId !== undefined) t.defaultVersionId = defaultVersionId;
    if (roleArn !== undefined) t.provisioningRoleArn = roleArn;
    if (hook) t.preProvisioningHook = hook;
    if (optionalBool(input, 'removePreProvisioningHook')) delete t.preProvisioningHook;
    t.lastModifiedDate = ctx.now;
    return { body: {} };
  },

  DeleteProvisioningTemplate(ctx, input) {
    const t = requireTemplate(ctx, requiredString(input, 'templateName'));
    provisioningState(ctx.state).templates.delete(t.name);
    return { body: {} };
  },

  CreateProvisioningTemplateVersion(ctx, input) {
    const t = requireTemplate(ctx, requiredString(input, 'templateName'));
    const body = requiredString(input, 'templateBody');
    parseBody(body, 'templateBody');
    if (t.versions.size >= MAX_TEMPLATE_VERSIONS) throw invalidRequest(`The provisioning template ${t.name} already has ${MAX_TEMPLATE_VERSIONS} versions`);
    const versionId = t.nextVersionId++;
    t.versions.set(versionId, { versionId, body, creationDate: ctx.now });
    const setAsDefault = optionalBool(input, 'setAsDefault') ?? false;
    if (setAsDefault) t.defaultVersionId = versionId;
    t.lastModifiedDate = ctx.now;
    return { body: { templateArn: t.arn, templateName: t.name, versionId, isDefaultVersion: setAsDefault } };
  },

  DescribeProvisioningTemplateVersion(ctx, input) {
    const t = requireTemplate(ctx, requiredString(input, 'templateName'));
    const v = t.versions.get(Number(requiredString(input, 'versionId')));
    if (!v) throw resourceNotFound(`That version of ${t.name} does not exist`);
    return { body: { versionId: v.versionId, creationDate: seconds(v.creationDate), templateBody: v.body, isDefaultVersion: v.versionId === t.defaultVersionId } };
  },

  ListProvisioningTemplateVersions(ctx, input) {
    const t = requireTemplate(ctx, requiredString(input, 'templateName'));
    return {
      body: {
        versions: [...t.versions.values()].map((v) => ({ versionId: v.versionId, creationDate: seconds(v.creationDate), isDefaultVersion: v.versionId === t.defaultVersionId })),
      },
    };
  },

  DeleteProvisioningTemplateVersion(ctx, input) {
    const t = requireTemplate(ctx, requiredString(input, 'templateName'));
    const id = Number(requiredString(input, 'versionId'));
    if (!t.versions.has(id)) throw resourceNotFound(`That version of ${t.name} does not exist`);
    if (id === t.defaultVersionId) throw invalidRequest('The default version of a provisioning template cannot be deleted');
    t.versions.delete(id);
    return { body: {} };
  },
};

/**
 * The device side of fleet provisioning, as the MQTT API offers it (`$aws/certificates/create/json`,
 * `$aws/certificates/create-from-csr/json`, `$aws/provisioning-templates/<name>/provision/json`):
 * the data plane calls these, and the emulator's admin paths call the same functions until it has one.
 * None of them is logged by CloudTrail; the registry events of the resources they create are.
 */
export const fleetProvisioning = {
  /** `CreateKeysAndCertificate` over MQTT: a new key pair and certificate (INACTIVE until a template activates it; UNCONFIRMED) and its ownership token. */
  async createKeysAndCertificate(ctx: OperationContext): Promise<Record<string, string>> {
    const out = (await certificateOperations.CreateKeysAndCertificate!(ctx, { setAsActive: false })).body!;
    const keyPair = out.keyPair as { PrivateKey: string };
    return { certificateId: String(out.certificateId), certificatePem: String(out.certificatePem), privateKey: keyPair.PrivateKey, certificateOwnershipToken: newToken(ctx, String(out.certificateId)) };
  },

  /** `CreateCertificateFromCsr` over MQTT. */
  async createCertificateFromCsr(ctx: OperationContext, csr: string): Promise<Record<string, string>> {
    const out = (await certificateOperations.CreateCertificateFromCsr!(ctx, { certificateSigningRequest: csr, setAsActive: false })).body!;
    return { certificateId: String(out.certificateId), certificatePem: String(out.certificatePem), certificateOwnershipToken: newToken(ctx, String(out.certificateId)) };
  },

  /** `RegisterThing` over MQTT: the named, enabled FLEET_PROVISIONING template's default version, with the token's certificate. */
  async registerThing(ctx: OperationContext, templateName: string, request: { certificateOwnershipToken?: unknown; parameters?: unknown }): Promise<{ thingName?: string; deviceConfiguration: Record<string, string> }> {
    const t = requireTemplate(ctx, templateName);
    if (t.type !== 'FLEET_PROVISIONING') throw invalidRequest(`The provisioning template ${t.name} is not a FLEET_PROVISIONING template`);
    if (!t.enabled) throw invalidRequest(`The provisioning template ${t.name} is disabled`);
    if (t.preProvisioningHook) throw invalidRequest(`The provisioning template ${t.name} has a pre-provisioning hook; the emulator does not call Lambda functions`);
    if (typeof request.certificateOwnershipToken !== 'string') throw invalidRequest('certificateOwnershipToken is required');
    const tokens = provisioningState(ctx.state).tokens;
    const token = tokens.get(request.certificateOwnershipToken);
    if (!token || token.expires < ctx.now) throw invalidRequest('certificateOwnershipToken is not valid or has expired');
    const parameters = stringMap(request.parameters, 'parameters');
    const out = await provisionFromTemplate(ctx, t.versions.get(t.defaultVersionId)!.body, { ...parameters, 'AWS::IoT::Certificate::Id': token.certificateId }, `provisioning template ${t.name}`);
    tokens.delete(request.certificateOwnershipToken);
    return { ...(out.thingName !== undefined ? { thingName: out.thingName } : {}), deviceConfiguration: out.deviceConfiguration };
  },
};

function newToken(ctx: OperationContext, certificateId: string): string {
  const token = randomUUID();
  provisioningState(ctx.state).tokens.set(token, { certificateId, expires: ctx.now + TOKEN_LIFETIME_MS });
  return token;
}

function stringMap(value: unknown, name: string): Record<string, string> {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalidRequest(`${name} must be an object of strings`);
  for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') throw invalidRequest(`${name}.${k} must be a string`);
  return value as Record<string, string>;
}

/** Subject fields JITP offers a template as `AWS::IoT::Certificate::*` parameters (jit-provisioning.html). */
const SUBJECT_PARAMETERS: Record<string, string> = {
  C: 'Country',
  O: 'Organization',
  OU: 'OrganizationalUnit',
  dnQualifier: 'DistinguishedNameQualifier',
  ST: 'StateName',
  CN: 'CommonName',
  serialNumber: 'SerialNumber',
};

/**
 * Just-in-time provisioning on a device's first connection: the certificate must be signed by a
 * registered, ACTIVE CA with auto-registration enabled and a `registrationConfig` (its template body, or
 * a JITP template by name). The certificate is registered (PENDING_ACTIVATION) and the template runs
 * with the certificate's subject fields and ID as parameters. Data plane: no CloudTrail record.
 */
export async function justInTimeProvision(ctx: OperationContext, certificatePem: string): Promise<ProvisionResult> {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certificatePem);
  } catch {
    throw invalidRequest('certificatePem is not an X.509 certificate');
  }
  const ca = [...ctx.state.caCertificates.values()].find((c) => x509.checkIssued(c.x509) && x509.verify(c.x509.publicKey));
  if (!ca) throw invalidRequest('The certificate is not signed by a CA certificate registered in this region');
  if (ca.status !== 'ACTIVE' || ca.autoRegistrationStatus !== 'ENABLE') throw invalidRequest(`The CA ${ca.id} is not ACTIVE with auto-registration enabled`);
  const config = ca.registrationConfig;
  if (!config) throw invalidRequest(`The CA ${ca.id} has no registrationConfig: the device would be registered by JITR, not provisioned`);
  let body: string;
  if (typeof config.templateName === 'string') {
    const t = requireTemplate(ctx, config.templateName);
    if (t.type !== 'JITP') throw invalidRequest(`The provisioning template ${t.name} is not a JITP template`);
    body = t.versions.get(t.defaultVersionId)!.body;
  } else if (typeof config.templateBody === 'string') body = config.templateBody;
  else throw invalidRequest(`The CA ${ca.id} registrationConfig has neither templateBody nor templateName`);
  const id = createHash('sha256').update(x509.raw).digest('hex');
  if (!ctx.state.certificates.has(id)) {
    await certificateOperations.RegisterCertificate!(ctx, { certificatePem, caCertificatePem: ca.pem, status: 'INACTIVE' });
    ctx.state.certificates.get(id)!.status = 'PENDING_ACTIVATION';
  }
  const parameters: Record<string, string> = { 'AWS::IoT::Certificate::Id': id };
  for (const line of x509.subject.split('\n')) {
    const eq = line.indexOf('=');
    const name = SUBJECT_PARAMETERS[line.slice(0, eq)];
    if (eq > 0 && name) parameters[`AWS::IoT::Certificate::${name}`] = line.slice(eq + 1);
  }
  return provisionFromTemplate(ctx, body, parameters, `CA ${ca.id} registrationConfig.templateBody`);
}
