/** Thing types: Create, Describe, List, Update, Deprecate (and undo), Delete. */
import { randomUUID } from 'node:crypto';
import { registryHead, seconds, type OperationContext, type OperationTable } from '../context';
import { invalidRequest, resourceAlreadyExists, resourceNotFound } from '../errors';
import { checkName, optionalBool, optionalInt, optionalObject, optionalString, optionalStringList, requiredString, RESOURCE_NAME, type Input } from '../input';
import { pageSize, paginate } from '../pagination';
import type { ThingTypeRecord } from '../state';
import { sortedValues } from './lookup';
import { DEFAULT_MAX_RESULTS } from './things';

/** Searchable attributes a thing type may declare. */
export const MAX_SEARCHABLE_ATTRIBUTES = 3;

function requireType(ctx: OperationContext, name: string): ThingTypeRecord {
  const type = ctx.state.thingTypes.get(name);
  if (!type) throw resourceNotFound(`Thing type ${name} does not exist`);
  return type;
}

function propertiesOf(input: Input): ThingTypeRecord['properties'] {
  const props = optionalObject(input, 'thingTypeProperties');
  if (!props) return {};
  const description = optionalString(props, 'thingTypeDescription');
  const searchable = optionalStringList(props, 'searchableAttributes');
  if (description !== undefined && description.length > 2028) throw invalidRequest('thingTypeDescription is too long');
  if (searchable && searchable.length > MAX_SEARCHABLE_ATTRIBUTES) {
    throw invalidRequest(`A thing type can have at most ${MAX_SEARCHABLE_ATTRIBUTES} searchable attributes`);
  }
  return {
    ...(description !== undefined ? { thingTypeDescription: description } : {}),
    ...(searchable !== undefined ? { searchableAttributes: [...searchable] } : {}),
    ...(props.mqtt5Configuration !== undefined ? { mqtt5Configuration: props.mqtt5Configuration } : {}),
  };
}

function typeEvent(ctx: OperationContext, type: ThingTypeRecord, operation: 'CREATED' | 'UPDATED' | 'DELETED'): void {
  ctx.registryEvent('THING_TYPE', `$aws/events/thingType/${type.name}/${operation.toLowerCase()}`, {
    ...registryHead(ctx, 'THING_TYPE_EVENT', operation),
    thingTypeId: type.id,
    thingTypeName: type.name,
    isDeprecated: type.deprecated,
    deprecationDate: type.deprecationDate ?? null,
    searchableAttributes: [...(type.properties.searchableAttributes ?? [])],
    description: type.properties.thingTypeDescription ?? null,
  });
}

function view(type: ThingTypeRecord): Record<string, unknown> {
  return {
    thingTypeName: type.name,
    thingTypeArn: type.arn,
    thingTypeProperties: { ...type.properties },
    thingTypeMetadata: {
      deprecated: type.deprecated,
      ...(type.deprecationDate !== undefined ? { deprecationDate: seconds(type.deprecationDate) } : {}),
      creationDate: seconds(type.creationDate),
    },
  };
}

/** The handlers of the thing-type family. */
export const thingTypeOperations: OperationTable = {
  CreateThingType(ctx, input) {
    const name = requiredString(input, 'thingTypeName');
    checkName('thingTypeName', name, RESOURCE_NAME);
    const existing = ctx.state.thingTypes.get(name);
    if (existing) throw resourceAlreadyExists(`Thing type ${name} already exists`, existing.id, existing.arn);
    const type: ThingTypeRecord = {
      name,
      id: randomUUID(),
      arn: ctx.arn(`thingtype/${name}`),
      properties: propertiesOf(input),
      deprecated: false,
      creationDate: ctx.now,
    };
    ctx.state.thingTypes.set(name, type);
    typeEvent(ctx, type, 'CREATED');
    return { body: { thingTypeName: name, thingTypeArn: type.arn, thingTypeId: type.id } };
  },

  DescribeThingType(ctx, input) {
    const type = requireType(ctx, requiredString(input, 'thingTypeName'));
    return { body: { ...view(type), thingTypeId: type.id } };
  },

  ListThingTypes(ctx, input) {
    const size = pageSize(optionalInt(input, 'maxResults'), 'maxResults', DEFAULT_MAX_RESULTS);
    const only = optionalString(input, 'thingTypeName');
    const all = sortedValues(ctx.state.thingTypes).filter((t) => only === undefined || t.name === only);
    const page = paginate(all, (t) => t.name, size, optionalString(input, 'nextToken'), 'nextToken');
    return { body: { thingTypes: page.items.map(view), ...(page.next !== undefined ? { nextToken: page.next } : {}) } };
  },

  UpdateThingType(ctx, input) {
    const type = requireType(ctx, requiredString(input, 'thingTypeName'));
    const props = propertiesOf(input);
    type.properties = { ...type.properties, ...props };
    typeEvent(ctx, type, 'UPDATED');
    return { body: {} };
  },

  DeprecateThingType(ctx, input) {
    const type = requireType(ctx, requiredString(input, 'thingTypeName'));
    if (optionalBool(input, 'undoDeprecate') ?? false) {
      type.deprecated = false;
      delete type.deprecationDate;
    } else {
      type.deprecated = true;
      type.deprecationDate = ctx.now;
    }
    // Deprecation and undeprecation are published as `updated`.
    typeEvent(ctx, type, 'UPDATED');
    return { body: {} };
  },

  DeleteThingType(ctx, input) {
    const type = requireType(ctx, requiredString(input, 'thingTypeName'));
    if (!type.deprecated || type.deprecationDate === undefined) {
      throw invalidRequest(`Thing type ${type.name} must be deprecated before it can be deleted`);
    }
    const waited = ctx.now - type.deprecationDate;
    if (waited < ctx.thingTypeDeletionDelayMs) {
      throw invalidRequest(`Thing type ${type.name} was deprecated less than ${Math.ceil(ctx.thingTypeDeletionDelayMs / 60000)} minutes ago and cannot be deleted yet`);
    }
    for (const thing of ctx.state.things.values()) {
      if (thing.typeName === type.name) throw invalidRequest(`Thing type ${type.name} is still associated with one or more things`);
    }
    ctx.state.thingTypes.delete(type.name);
    typeEvent(ctx, type, 'DELETED');
    return { body: {} };
  },
};
