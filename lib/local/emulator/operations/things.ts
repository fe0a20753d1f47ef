/** Things: CreateThing, DescribeThing, UpdateThing, DeleteThing, ListThings. */
import { randomUUID } from 'node:crypto';
import { registryHead, type OperationContext, type OperationTable } from '../context';
import { invalidRequest, resourceAlreadyExists, resourceNotFound, versionConflict } from '../errors';
import {
  checkName,
  optionalBool,
  optionalInt,
  optionalObject,
  optionalString,
  optionalStringMap,
  requiredString,
  RESOURCE_NAME,
  type Input,
} from '../input';
import { pageSize, paginate } from '../pagination';
import type { ThingRecord } from '../state';
import { requireThing, sameMap, sortedValues } from './lookup';

const ATTRIBUTE_NAME = /^[a-zA-Z0-9_.,@/:#-]+$/;
const ATTRIBUTE_VALUE = /^[a-zA-Z0-9_.,@/:#=[\]-]*$/;
/** Attributes a thing may carry without / with a thing type. */
export const MAX_ATTRIBUTES_UNTYPED = 3;
export const MAX_ATTRIBUTES_TYPED = 50;
/** Page size when maxResults is absent (AWS does not document it). */
export const DEFAULT_MAX_RESULTS = 50;

function checkAttributes(attributes: Readonly<Record<string, string>>): void {
  for (const [k, v] of Object.entries(attributes)) {
    if (k.length > 128 || !ATTRIBUTE_NAME.test(k)) throw invalidRequest(`Invalid attribute name: ${k}`);
    if (v.length > 800 || !ATTRIBUTE_VALUE.test(v)) throw invalidRequest(`Invalid value for attribute ${k}`);
  }
}

function checkAttributeCount(attributes: Readonly<Record<string, string>>, typed: boolean): void {
  const max = typed ? MAX_ATTRIBUTES_TYPED : MAX_ATTRIBUTES_UNTYPED;
  if (Object.keys(attributes).length > max) {
    throw invalidRequest(`A thing ${typed ? 'with' : 'without'} a thing type can have at most ${max} attributes`);
  }
}

/** A thing type that exists and may take new associations. */
function requireAssociableType(ctx: OperationContext, typeName: string): void {
  const type = ctx.state.thingTypes.get(typeName);
  if (!type) throw resourceNotFound(`Thing type ${typeName} does not exist`);
  if (type.deprecated) throw invalidRequest(`Can not create new thing with deprecated thing type: ${typeName}`);
}

/** The THING_EVENT of a thing's current state. */
export function thingEvent(ctx: OperationContext, thing: ThingRecord, operation: 'CREATED' | 'UPDATED' | 'DELETED'): void {
  ctx.registryEvent('THING', `$aws/events/thing/${thing.name}/${operation.toLowerCase()}`, {
    ...registryHead(ctx, 'THING_EVENT', operation),
    thingId: thing.id,
    thingName: thing.name,
    versionNumber: thing.version,
    thingTypeName: thing.typeName ?? null,
    attributes: { ...thing.attributes },
  });
}

function typeAssociationEvent(ctx: OperationContext, thing: ThingRecord, typeName: string, operation: 'ADDED' | 'REMOVED'): void {
  ctx.registryEvent(
    'THING_TYPE_ASSOCIATION',
    `$aws/events/thingTypeAssociation/thing/${thing.name}/thingType/${typeName}/${operation.toLowerCase()}`,
    // The documented payload of this event has no accountId.
    { ...registryHead(ctx, 'THING_TYPE_ASSOCIATION_EVENT', operation, false), thingId: thing.id, thingName: thing.name, thingTypeName: typeName },
  );
}

function attributesOf(input: Input): { attributes?: Record<string, string>; merge: boolean } {
  const payload = optionalObject(input, 'attributePayload');
  if (!payload) return { merge: false };
  const attributes = optionalStringMap(payload, 'attributes');
  return { ...(attributes ? { attributes } : {}), merge: optionalBool(payload, 'merge') ?? false };
}

function describe(thing: ThingRecord): Record<string, unknown> {
  return {
    defaultClientId: thing.name,
    thingName: thing.name,
    thingId: thing.id,
    thingArn: thing.arn,
    ...(thing.typeName !== undefined ? { thingTypeName: thing.typeName } : {}),
    attributes: { ...thing.attributes },
    version: thing.version,
    ...(thing.billingGroupName !== undefined ? { billingGroupName: thing.billingGroupName } : {}),
  };
}

/** The handlers of the thing family. */
export const thingOperations: OperationTable = {
  CreateThing(ctx, input) {
    const name = requiredString(input, 'thingName');
    checkName('thingName', name, RESOURCE_NAME);
    const typeName = optionalString(input, 'thingTypeName');
    const billingGroupName = optionalString(input, 'billingGroupName');
    const attributes = attributesOf(input).attributes ?? {};
    checkAttributes(attributes);
    const existing = ctx.state.things.get(name);
    if (existing) {
      // Idempotent only for an identical request.
      if (existing.typeName === typeName && existing.billingGroupName === billingGroupName && sameMap(existing.attributes, attributes)) {
        return { body: { thingName: existing.name, thingArn: existing.arn, thingId: existing.id } };
      }
      throw resourceAlreadyExists(`Thing ${name} already exists in account with different attributes`, existing.id, existing.arn);
    }
    if (typeName !== undefined) requireAssociableType(ctx, typeName);
    checkAttributeCount(attributes, typeName !== undefined);
    const billingGroup = billingGroupName !== undefined ? ctx.state.billingGroups.get(billingGroupName) : undefined;
    if (billingGroupName !== undefined && !billingGroup) throw resourceNotFound(`Billing group ${billingGroupName} does not exist`);
    const thing: ThingRecord = {
      name,
      id: randomUUID(),
      arn: ctx.arn(`thing/${name}`),
      ...(typeName !== undefined ? { typeName } : {}),
      attributes: { ...attributes },
      version: 1,
      ...(billingGroupName !== undefined ? { billingGroupName } : {}),
    };
    ctx.state.things.set(name, thing);
    billingGroup?.members.add(name);
    thingEvent(ctx, thing, 'CREATED');
    if (typeName !== undefined) typeAssociationEvent(ctx, thing, typeName, 'ADDED');
    return { body: { thingName: name, thingArn: thing.arn, thingId: thing.id } };
  },

  DescribeThing(ctx, input) {
    return { body: describe(requireThing(ctx, requiredString(input, 'thingName'))) };
  },

  UpdateThing(ctx, input) {
    const thing = requireThing(ctx, requiredString(input, 'thingName'));
    const expectedVersion = optionalInt(input, 'expectedVersion');
    if (expectedVersion !== undefined && expectedVersion !== thing.version) {
      throw versionConflict(`The version for thing ${thing.name} does not match the expected version.`);
    }
    const typeName = optionalString(input, 'thingTypeName');
    const removeThingType = optionalBool(input, 'removeThingType') ?? false;
    if (removeThingType && typeName !== undefined) throw invalidRequest('Cannot specify both thingTypeName and removeThingType');
    const newTypeName = removeThingType ? undefined : (typeName ?? thing.typeName);
    if (typeName !== undefined && typeName !== thing.typeName) requireAssociableType(ctx, typeName);
    const { attributes, merge } = attributesOf(input);
    let newAttributes = { ...thing.attributes };
    if (attributes !== undefined) {
      checkAttributes(attributes);
      // merge=true merges and an empty value removes; otherwise the given set replaces the stored one.
      newAttributes = merge ? { ...thing.attributes, ...attributes } : { ...attributes };
      for (const [k, v] of Object.entries(newAttributes)) if (v === '') delete newAttributes[k];
    }
    checkAttributeCount(newAttributes, newTypeName !== undefined);
    const oldTypeName = thing.typeName;
    thing.attributes = newAttributes;
    if (newTypeName === undefined) delete thing.typeName;
    else thing.typeName = newTypeName;
    thing.version += 1;
    thingEvent(ctx, thing, 'UPDATED');
    if (oldTypeName !== newTypeName) {
      if (oldTypeName !== undefined) typeAssociationEvent(ctx, thing, oldTypeName, 'REMOVED');
      if (newTypeName !== undefined) typeAssociationEvent(ctx, thing, newTypeName, 'ADDED');
    }
    return { body: {} };
  },

  DeleteThing(ctx, input) {
    const name = requiredString(input, 'thingName');
    const thing = ctx.state.things.get(name);
    if (!thing) return { body: {} }; // deleting a missing thing succeeds
    const expectedVersion = optionalInt(input, 'expectedVersion');
    if (expectedVersion !== undefined && expectedVersion !== thing.version) {
      throw versionConflict(`The version for thing ${name} does not match the expected version.`);
    }
    if ((ctx.state.thingPrincipals.get(name)?.size ?? 0) > 0) {
      throw invalidRequest(`Cannot delete. Thing ${name} is still attached to one or more principals`);
    }
    ctx.state.things.delete(name);
    for (const group of ctx.state.thingGroups.values()) group.members.delete(name);
    if (thing.billingGroupName !== undefined) ctx.state.billingGroups.get(thing.billingGroupName)?.members.delete(name);
    ctx.state.thingPrincipals.delete(name);
    thingEvent(ctx, thing, 'DELETED');
    return { body: {} };
  },

  ListThings(ctx, input) {
    const size = pageSize(optionalInt(input, 'maxResults'), 'maxResults', DEFAULT_MAX_RESULTS);
    const attributeName = optionalString(input, 'attributeName');
    const attributeValue = optionalString(input, 'attributeValue');
    const typeName = optionalString(input, 'thingTypeName');
    const usePrefix = optionalBool(input, 'usePrefixAttributeValue') ?? false;
    if (usePrefix && (attributeName === undefined || attributeValue === undefined)) {
      throw invalidRequest('usePrefixAttributeValue requires attributeName and attributeValue');
    }
    const all = sortedValues(ctx.state.things).filter((t) => {
      if (typeName !== undefined && t.typeName !== typeName) return false;
      if (attributeName !== undefined) {
        const v = t.attributes[attributeName];
        if (v === undefined) return false;
        if (attributeValue !== undefined && !(usePrefix ? v.startsWith(attributeValue) : v === attributeValue)) return false;
      }
      return true;
    });
    const page = paginate(all, (t) => t.name, size, optionalString(input, 'nextToken'), 'nextToken');
    return {
      body: {
        things: page.items.map((t) => ({
          thingName: t.name,
          ...(t.typeName !== undefined ? { thingTypeName: t.typeName } : {}),
          thingArn: t.arn,
          attributes: { ...t.attributes },
          version: t.version,
        })),
        ...(page.next !== undefined ? { nextToken: page.next } : {}),
      },
    };
  },
};
