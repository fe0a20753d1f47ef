/**
 * Normalises what arrives (CloudTrail API-call events and forwarded IoT registry events) into one
 * `RegistryChange`. Per principle 1 a change only names WHICH resource to re-read; nothing of the
 * event's payload is applied as truth.
 */
import { z } from 'zod';
import { InvalidInputError } from '../core/errors';
import { CertificateIdSchema, PolicyNameSchema, ProvisioningTemplateNameSchema, RegistryNameSchema, RoleAliasNameSchema, ThingNameSchema } from '../core/model';
import type { PolicyTarget } from '../core/model';
import { ResourceRefSchema, type ResourceRef } from '../core/resource-ref';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  CloudTrailDetailSchema,
  EventBridgeEnvelopeSchema,
  REGISTRY_EVENT_DETAIL_TYPE,
  REGISTRY_EVENT_SOURCE,
  RegistryEventDetailSchema,
  type CloudTrailDetail,
  type EventBridgeEnvelope,
  type RegistryEventDetail,
} from './schemas';
import { parseOrThrow } from '../core/validation';

export const RegistryChangeSchema = z.strictObject({
  eventId: z.string().min(1),
  eventTime: z.string().min(1),
  sourceRegion: z.string().min(1),
  origin: z.enum(['cloudtrail', 'registry']),
  /** The API call (`AttachPolicy`) or registry event (`THING_EVENT:UPDATED`) that reported the change. */
  operation: z.string().min(1),
  ref: ResourceRefSchema,
});
/** One changed resource of the source region, named by its key. */
export type RegistryChange = z.infer<typeof RegistryChangeSchema>;

/**
 * The result of normalising one event: a change to converge, a recorded reason to ignore it, or a change
 * that happened but whose event does not say which resource it made (counted; a reconcile converges it).
 */
export type NormalisedEvent =
  | { status: 'change'; change: RegistryChange }
  | { status: 'ignored'; reason: string; eventId?: string }
  | { status: 'unresolved'; reason: string; eventId: string; operation: string; eventTime: string };

/** Options of `normaliseEvent`. */
export interface NormaliseOptions {
  /** When set, events from any other region are ignored (a failback stack must not see its own writes as source changes). */
  sourceRegion?: string;
}

/** Parses an EventBridge envelope and names the resource it changed; throws InvalidInputError naming the field. */
export function normaliseEvent(input: unknown, options: NormaliseOptions = {}): NormalisedEvent {
  const envelope = parseOrThrow(EventBridgeEnvelopeSchema, input, '');
  if (options.sourceRegion && envelope.region !== options.sourceRegion) {
    return ignored(envelope, `event from region ${envelope.region}; this sync's source region is ${options.sourceRegion}`);
  }
  if (envelope.source === 'aws.iot' && envelope['detail-type'] === CLOUDTRAIL_DETAIL_TYPE) {
    return normaliseCloudTrail(envelope, parseOrThrow(CloudTrailDetailSchema, envelope.detail, 'detail'));
  }
  if (envelope.source === REGISTRY_EVENT_SOURCE && envelope['detail-type'] === REGISTRY_EVENT_DETAIL_TYPE) {
    return normaliseRegistryEvent(envelope, parseOrThrow(RegistryEventDetailSchema, envelope.detail, 'detail'));
  }
  return ignored(envelope, `not an event this sync handles (source ${envelope.source}, detail-type ${envelope['detail-type']})`);
}

/** A call whose record lacks the key of what it created: the reason, instead of a reference. */
interface Unresolved {
  unresolved: string;
}

type RefFromCall = (call: CallFields) => ResourceRef | Unresolved;

interface CallFields {
  request: Record<string, unknown>;
  response: Record<string, unknown>;
}

const fromThingName: RefFromCall = (c) => ({ kind: 'thing', name: thingNameOf(c.request) });
const fromThingTypeName: RefFromCall = (c) => ({ kind: 'thingType', name: field(c.request, 'thingTypeName', RegistryNameSchema, 'requestParameters') });
const fromThingGroupName: RefFromCall = (c) => ({ kind: 'thingGroup', name: field(c.request, 'thingGroupName', RegistryNameSchema, 'requestParameters') });
const fromPolicyName: RefFromCall = (c) => ({ kind: 'policy', name: field(c.request, 'policyName', PolicyNameSchema, 'requestParameters') });
const fromRequestCertificateId: RefFromCall = (c) => ({ kind: 'certificate', certificateId: field(c.request, 'certificateId', CertificateIdSchema, 'requestParameters') });
/**
 * The certificate a call created, from `responseElements.certificateId`, else from `certificateArn`. CloudTrail
 * may omit or redact the response elements of calls that return key material (UNCONFIRMED which fields it keeps
 * for CreateKeysAndCertificate: no captured record shows them); then the change is unresolved, not an error: the certificate
 * converges with the next event that names it (its attachment to a thing or a policy) or with a reconcile.
 */
const fromResponseCertificateId: RefFromCall = (c) => {
  if (c.response.certificateId !== undefined) {
    return { kind: 'certificate', certificateId: field(c.response, 'certificateId', CertificateIdSchema, 'responseElements') };
  }
  if (typeof c.response.certificateArn === 'string') {
    const path = 'detail.responseElements.certificateArn';
    return { kind: 'certificate', certificateId: parseOrThrow(CertificateIdSchema, arnResource(c.response.certificateArn, 'cert', path), path) };
  }
  return { unresolved: 'the record carries no certificate ID (responseElements has neither certificateId nor certificateArn)' };
};
const fromRequestCaId: RefFromCall = (c) => ({ kind: 'caCertificate', certificateId: field(c.request, 'certificateId', CertificateIdSchema, 'requestParameters') });
const fromResponseCaId: RefFromCall = (c) => ({ kind: 'caCertificate', certificateId: field(c.response, 'certificateId', CertificateIdSchema, 'responseElements') });
// AttachPolicy's request names `target`, but AWS's sample CloudTrail record names it `principal`
// (https://docs.aws.amazon.com/iot/latest/developerguide/iot-using-cloudtrail.html): either is accepted.
const fromPolicyTarget: RefFromCall = (c) => ({
  kind: 'policyAttachments',
  target: policyTargetOf(c.request, c.request.target === undefined && c.request.principal !== undefined ? 'principal' : 'target'),
});
const fromPolicyPrincipal: RefFromCall = (c) => ({ kind: 'policyAttachments', target: policyTargetOf(c.request, 'principal') });
const TaskIdSchema = z.string().min(1).max(40);
const fromTemplateName: RefFromCall = (c) => ({ kind: 'provisioningTemplate', name: field(c.request, 'templateName', ProvisioningTemplateNameSchema, 'requestParameters') });
const fromRoleAlias: RefFromCall = (c) => ({ kind: 'roleAlias', name: field(c.request, 'roleAlias', RoleAliasNameSchema, 'requestParameters') });
const fromThingPrincipal: RefFromCall = (c) => ({ kind: 'thingPrincipals', thingName: thingNameOf(c.request) });
/**
 * RegisterThing provisions a whole device in one call (one CloudTrail record; the calls it makes inside
 * are not logged: https://docs.aws.amazon.com/iot/latest/apireference/API_RegisterThing.html). Its
 * response names the resources by ARN; the thing brings the whole device, else the certificate does.
 */
const fromRegisterThing: RefFromCall = (c) => {
  const path = 'detail.responseElements.resourceArns';
  const arns = c.response.resourceArns;
  if (!arns || typeof arns !== 'object') throw new InvalidInputError(`invalid input: ${path}: required (the resources RegisterThing provisioned)`);
  const { thing, certificate } = arns as Record<string, unknown>;
  if (typeof thing === 'string') return { kind: 'thing', name: parseOrThrow(ThingNameSchema, arnResource(thing, 'thing', `${path}.thing`), `${path}.thing`) };
  if (typeof certificate === 'string') {
    return { kind: 'certificate', certificateId: parseOrThrow(CertificateIdSchema, arnResource(certificate, 'cert', `${path}.certificate`), `${path}.certificate`) };
  }
  throw new InvalidInputError(`invalid input: ${path}: names neither a thing nor a certificate`);
};

/** Every IoT write API whose effect this sync replicates, and which resource it names. */
export const SYNCED_API_CALLS: Readonly<Record<string, RefFromCall>> = {
  CreateThing: fromThingName,
  UpdateThing: fromThingName,
  DeleteThing: fromThingName,
  AddThingToThingGroup: fromThingName,
  RemoveThingFromThingGroup: fromThingName,
  UpdateThingGroupsForThing: fromThingName,
  AddThingToBillingGroup: fromThingName,
  RemoveThingFromBillingGroup: fromThingName,
  CreateThingType: fromThingTypeName,
  UpdateThingType: fromThingTypeName,
  DeprecateThingType: fromThingTypeName,
  DeleteThingType: fromThingTypeName,
  CreateThingGroup: fromThingGroupName,
  UpdateThingGroup: fromThingGroupName,
  DeleteThingGroup: fromThingGroupName,
  CreateDynamicThingGroup: fromThingGroupName,
  UpdateDynamicThingGroup: fromThingGroupName,
  DeleteDynamicThingGroup: fromThingGroupName,
  CreateKeysAndCertificate: fromResponseCertificateId,
  CreateCertificateFromCsr: fromResponseCertificateId,
  RegisterCertificate: fromResponseCertificateId,
  RegisterCertificateWithoutCA: fromResponseCertificateId,
  UpdateCertificate: fromRequestCertificateId,
  DeleteCertificate: fromRequestCertificateId,
  RegisterCACertificate: fromResponseCaId,
  UpdateCACertificate: fromRequestCaId,
  DeleteCACertificate: fromRequestCaId,
  CreatePolicy: fromPolicyName,
  CreatePolicyVersion: fromPolicyName,
  SetDefaultPolicyVersion: fromPolicyName,
  DeletePolicyVersion: fromPolicyName,
  DeletePolicy: fromPolicyName,
  AttachPolicy: fromPolicyTarget,
  DetachPolicy: fromPolicyTarget,
  // Deprecated, but older tools still call them.
  AttachPrincipalPolicy: fromPolicyPrincipal,
  DetachPrincipalPolicy: fromPolicyPrincipal,
  AttachThingPrincipal: fromThingPrincipal,
  DetachThingPrincipal: fromThingPrincipal,
  RegisterThing: fromRegisterThing,
  // Provisioning templates: each write names the template, the new default version is re-read from the source.
  // UNCONFIRMED: that CloudTrail's requestParameters carry the URI's templateName (as they do for policyName).
  CreateProvisioningTemplate: fromTemplateName,
  UpdateProvisioningTemplate: fromTemplateName,
  DeleteProvisioningTemplate: fromTemplateName,
  CreateProvisioningTemplateVersion: fromTemplateName,
  DeleteProvisioningTemplateVersion: fromTemplateName,
  UpdateIndexingConfiguration: () => ({ kind: 'indexingConfiguration' }),
  // A bulk registration task: one CloudTrail record for the whole task; the devices come from its report.
  StartThingRegistrationTask: (c) => ({ kind: 'thingRegistrationTask', taskId: field(c.response, 'taskId', TaskIdSchema, 'responseElements') }),
  CreateRoleAlias: fromRoleAlias,
  UpdateRoleAlias: fromRoleAlias,
  DeleteRoleAlias: fromRoleAlias,
};

function normaliseCloudTrail(envelope: EventBridgeEnvelope, detail: CloudTrailDetail): NormalisedEvent {
  if (detail.eventSource !== 'iot.amazonaws.com') {
    return ignored(envelope, `event source ${detail.eventSource} is not iot.amazonaws.com`);
  }
  const toRef = SYNCED_API_CALLS[detail.eventName];
  if (!toRef) return ignored(envelope, `${detail.eventName} changes nothing this sync replicates`);
  if (detail.errorCode) return ignored(envelope, `${detail.eventName} failed with ${detail.errorCode}; it changed nothing`);
  const ref = toRef({ request: detail.requestParameters ?? {}, response: detail.responseElements ?? {} });
  const eventId = detail.eventID ?? envelope.id;
  const eventTime = detail.eventTime ?? envelope.time;
  if ('unresolved' in ref) {
    return { status: 'unresolved', reason: `${detail.eventName}: ${ref.unresolved}`, eventId, operation: detail.eventName, eventTime };
  }
  return {
    status: 'change',
    change: { eventId, eventTime, sourceRegion: detail.awsRegion ?? envelope.region, origin: 'cloudtrail', operation: detail.eventName, ref },
  };
}

/** Registry-event topics, after `$aws/events/`, and the resource each names. */
const REGISTRY_TOPICS: { pattern: RegExp; toRef: (m: RegExpMatchArray) => ResourceRef }[] = [
  { pattern: /^thing\/([^/]+)\/(created|updated|deleted)$/, toRef: (m) => ({ kind: 'thing', name: m[1]! }) },
  { pattern: /^thingType\/([^/]+)\/(created|updated|deleted)$/, toRef: (m) => ({ kind: 'thingType', name: m[1]! }) },
  // Both documented forms: registry-events.html (…/thing/<thing>/thingType/<type>/added|removed) and
  // reserved-topics.html (…/thing/<thing>/<type>).
  { pattern: /^thingTypeAssociation\/thing\/([^/]+)\/thingType\/[^/]+\/(added|removed)$/, toRef: (m) => ({ kind: 'thing', name: m[1]! }) },
  { pattern: /^thingTypeAssociation\/thing\/([^/]+)\/[^/]+$/, toRef: (m) => ({ kind: 'thing', name: m[1]! }) },
  { pattern: /^thingGroup\/([^/]+)\/(created|updated|deleted)$/, toRef: (m) => ({ kind: 'thingGroup', name: m[1]! }) },
  { pattern: /^thingGroupMembership\/thingGroup\/[^/]+\/thing\/([^/]+)\/(added|removed)$/, toRef: (m) => ({ kind: 'thing', name: m[1]! }) },
  {
    pattern: /^thingGroupHierarchy\/thingGroup\/[^/]+\/childThingGroup\/([^/]+)\/(added|removed)$/,
    toRef: (m) => ({ kind: 'thingGroup', name: m[1]! }),
  },
];

function normaliseRegistryEvent(envelope: EventBridgeEnvelope, detail: RegistryEventDetail): NormalisedEvent {
  const path = detail.topic.slice('$aws/events/'.length);
  for (const { pattern, toRef } of REGISTRY_TOPICS) {
    const match = path.match(pattern);
    if (!match) continue;
    const ref = parseOrThrow(ResourceRefSchema, toRef(match), 'detail.topic');
    return {
      status: 'change',
      change: {
        eventId: detail.eventId ?? envelope.id,
        eventTime: detail.timestamp !== undefined ? new Date(detail.timestamp).toISOString() : envelope.time,
        sourceRegion: envelope.region,
        origin: 'registry',
        operation: `${detail.eventType}:${detail.operation}`,
        ref,
      },
    };
  }
  return ignored(envelope, `registry topic ${detail.topic} is not one this sync replicates`);
}

function ignored(envelope: EventBridgeEnvelope, reason: string): NormalisedEvent {
  return { status: 'ignored', reason, eventId: envelope.id };
}

function thingNameOf(request: Record<string, unknown>): string {
  if (request.thingName === undefined && typeof request.thingArn === 'string') {
    return parseOrThrow(ThingNameSchema, arnResource(request.thingArn, 'thing', 'detail.requestParameters.thingArn'), 'detail.requestParameters.thingArn');
  }
  return field(request, 'thingName', ThingNameSchema, 'requestParameters');
}

function policyTargetOf(request: Record<string, unknown>, name: 'target' | 'principal'): PolicyTarget {
  const path = `detail.requestParameters.${name}`;
  const value = field(request, name, z.string().min(1), 'requestParameters');
  if (/^arn:[^:]+:iot:[^:]*:[^:]*:cert\//.test(value)) {
    return { kind: 'certificate', certificateId: parseOrThrow(CertificateIdSchema, arnResource(value, 'cert', path), path) };
  }
  if (/^arn:[^:]+:iot:[^:]*:[^:]*:thinggroup\//.test(value)) {
    return { kind: 'thingGroup', groupName: parseOrThrow(RegistryNameSchema, arnResource(value, 'thinggroup', path), path) };
  }
  throw new InvalidInputError(`invalid input: ${path}: ${JSON.stringify(value)} is neither a certificate nor a thing-group ARN (Cognito identities are not replicated)`);
}

/** The name after `<type>/` in an IoT ARN's resource part. */
function arnResource(arn: string, type: string, path: string): string {
  const resource = arn.split(':').slice(5).join(':');
  if (!resource.startsWith(`${type}/`)) {
    throw new InvalidInputError(`invalid input: ${path}: ${JSON.stringify(arn)} is not an IoT ${type} ARN`);
  }
  return resource.slice(type.length + 1);
}

function field<T>(record: Record<string, unknown>, name: string, schema: z.ZodType<T>, prefix: string): T {
  return parseOrThrow(schema, record[name], `${prefix ? `detail.${prefix}.` : ''}${name}`);
}
