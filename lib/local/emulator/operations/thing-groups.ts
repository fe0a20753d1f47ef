/**
 * Static and dynamic thing groups and their membership. The parent is fixed at creation; dynamic groups
 * take their members from a query (see ../query.ts for the supported subset) and never from
 * AddThingToThingGroup.
 */
import { randomUUID } from 'node:crypto';
import { registryHead, seconds, type OperationContext, type OperationTable } from '../context';
import { invalidRequest, limitExceeded, resourceAlreadyExists, versionConflict } from '../errors';
import { checkName, optionalBool, optionalInt, optionalObject, optionalString, optionalStringMap, requiredString, RESOURCE_NAME, type Input } from '../input';
import { pageSize, paginate } from '../pagination';
import { parseQuery, thingMatches } from '../query';
import type { ThingGroupRecord, ThingRecord } from '../state';
import { nameOrArn, requireGroup, requireThing, sameMap, sortedValues } from './lookup';
import { DEFAULT_MAX_RESULTS } from './things';

/** Groups a thing may belong to. */
export const MAX_GROUPS_PER_THING = 10;
/** Deepest allowed hierarchy (a root group has depth 1). */
export const MAX_GROUP_DEPTH = 7;
/** Direct children a group may have. */
export const MAX_CHILD_GROUPS = 100;
/** Dynamic groups per account and region. */
export const MAX_DYNAMIC_GROUPS = 100;
const QUERY_VERSION = '2017-09-30';

/** The ancestors of a group, root first. */
export function ancestorsOf(ctx: OperationContext, group: ThingGroupRecord): ThingGroupRecord[] {
  const chain: ThingGroupRecord[] = [];
  let parent = group.parentName !== undefined ? ctx.state.thingGroups.get(group.parentName) : undefined;
  while (parent) {
    chain.unshift(parent);
    parent = parent.parentName !== undefined ? ctx.state.thingGroups.get(parent.parentName) : undefined;
  }
  return chain;
}

function childrenOf(ctx: OperationContext, name: string): ThingGroupRecord[] {
  return sortedValues(ctx.state.thingGroups).filter((g) => g.parentName === name);
}

function descendantsOf(ctx: OperationContext, name: string): ThingGroupRecord[] {
  const out: ThingGroupRecord[] = [];
  for (const child of childrenOf(ctx, name)) out.push(child, ...descendantsOf(ctx, child.name));
  return out;
}

/** Whether `thing` is in `group` (static membership or a dynamic group's query). */
export function isMember(group: ThingGroupRecord, thing: ThingRecord): boolean {
  return group.dynamic ? thingMatches(group.dynamic.query, thing) : group.members.has(thing.name);
}

function membersOf(ctx: OperationContext, group: ThingGroupRecord): string[] {
  if (!group.dynamic) return [...group.members];
  const query = group.dynamic.query;
  return [...ctx.state.things.values()].filter((t) => thingMatches(query, t)).map((t) => t.name);
}

function groupEvent(ctx: OperationContext, group: ThingGroupRecord, operation: 'CREATED' | 'UPDATED' | 'DELETED'): void {
  const parent = group.parentName !== undefined ? ctx.state.thingGroups.get(group.parentName) : undefined;
  ctx.registryEvent('THING_GROUP', `$aws/events/thingGroup/${group.name}/${operation.toLowerCase()}`, {
    ...registryHead(ctx, 'THING_GROUP_EVENT', operation),
    thingGroupId: group.id,
    thingGroupName: group.name,
    versionNumber: group.version,
    parentGroupName: group.parentName ?? null,
    parentGroupId: parent?.id ?? null,
    description: group.description ?? null,
    rootToParentThingGroups: ancestorsOf(ctx, group).map((g) => ({ groupArn: g.arn, groupId: g.id })),
    attributes: { ...group.attributes },
    dynamicGroupMappingId: null,
  });
}

function hierarchyEvent(ctx: OperationContext, parent: ThingGroupRecord, child: ThingGroupRecord, operation: 'ADDED' | 'REMOVED'): void {
  ctx.registryEvent(
    'THING_GROUP_HIERARCHY',
    `$aws/events/thingGroupHierarchy/thingGroup/${parent.name}/childThingGroup/${child.name}/${operation.toLowerCase()}`,
    {
      ...registryHead(ctx, 'THING_GROUP_HIERARCHY_EVENT', operation),
      thingGroupId: parent.id,
      thingGroupName: parent.name,
      childGroupId: child.id,
      childGroupName: child.name,
    },
  );
}

function membershipEvent(ctx: OperationContext, group: ThingGroupRecord, thing: ThingRecord, operation: 'ADDED' | 'REMOVED'): void {
  ctx.registryEvent(
    'THING_GROUP_MEMBERSHIP',
    `$aws/events/thingGroupMembership/thingGroup/${group.name}/thing/${thing.name}/${operation.toLowerCase()}`,
    {
      ...registryHead(ctx, 'THING_GROUP_MEMBERSHIP_EVENT', operation),
      groupArn: group.arn,
      groupId: group.id,
      thingArn: thing.arn,
      thingId: thing.id,
      membershipId: `${group.id}:${thing.id}`,
    },
  );
}

function propertiesOf(input: Input): { description?: string; attributes?: Record<string, string>; merge: boolean } {
  const props = optionalObject(input, 'thingGroupProperties');
  if (!props) return { merge: false };
  const description = optionalString(props, 'thingGroupDescription');
  const payload = optionalObject(props, 'attributePayload');
  const attributes = payload ? optionalStringMap(payload, 'attributes') : undefined;
  return {
    ...(description !== undefined ? { description } : {}),
    ...(attributes !== undefined ? { attributes } : {}),
    merge: payload ? (optionalBool(payload, 'merge') ?? false) : false,
  };
}

function applyProperties(group: ThingGroupRecord, input: Input): void {
  const props = propertiesOf(input);
  if (props.description !== undefined) group.description = props.description;
  if (props.attributes !== undefined) {
    const next = props.merge ? { ...group.attributes, ...props.attributes } : { ...props.attributes };
    for (const [k, v] of Object.entries(next)) if (v === '') delete next[k];
    group.attributes = next;
  }
}

function checkExpectedVersion(group: ThingGroupRecord, input: Input): void {
  const expected = optionalInt(input, 'expectedVersion');
  if (expected !== undefined && expected !== group.version) {
    throw versionConflict(`The version for thing group ${group.name} does not match the expected version.`);
  }
}

function newGroup(ctx: OperationContext, name: string, input: Input): ThingGroupRecord {
  const props = propertiesOf(input);
  const attributes = { ...(props.attributes ?? {}) };
  for (const [k, v] of Object.entries(attributes)) if (v === '') delete attributes[k];
  return {
    name,
    id: randomUUID(),
    arn: ctx.arn(`thinggroup/${name}`),
    ...(props.description !== undefined ? { description: props.description } : {}),
    attributes,
    version: 1,
    creationDate: ctx.now,
    members: new Set(),
  };
}

function describe(ctx: OperationContext, group: ThingGroupRecord): Record<string, unknown> {
  return {
    thingGroupName: group.name,
    thingGroupId: group.id,
    thingGroupArn: group.arn,
    version: group.version,
    thingGroupProperties: {
      ...(group.description !== undefined ? { thingGroupDescription: group.description } : {}),
      attributePayload: { attributes: { ...group.attributes } },
    },
    thingGroupMetadata: {
      ...(group.parentName !== undefined ? { parentGroupName: group.parentName } : {}),
      rootToParentThingGroups: ancestorsOf(ctx, group).map((g) => ({ groupName: g.name, groupArn: g.arn })),
      creationDate: seconds(group.creationDate),
    },
    ...(group.dynamic
      ? { indexName: group.dynamic.indexName, queryString: group.dynamic.queryString, queryVersion: group.dynamic.queryVersion, status: 'ACTIVE' }
      : {}),
  };
}

function removeGroup(ctx: OperationContext, group: ThingGroupRecord): void {
  if (childrenOf(ctx, group.name).length > 0) {
    throw invalidRequest(`Cannot delete thing group : ${group.name} when it still has child groups`);
  }
  ctx.state.thingGroups.delete(group.name);
  // Policies attached to the group go with it.
  for (const policyName of ctx.state.targetPolicies.get(group.arn) ?? []) ctx.state.policyTargets.get(policyName)?.delete(group.arn);
  ctx.state.targetPolicies.delete(group.arn);
  groupEvent(ctx, group, 'DELETED');
  const parent = group.parentName !== undefined ? ctx.state.thingGroups.get(group.parentName) : undefined;
  if (parent) hierarchyEvent(ctx, parent, group, 'REMOVED');
}

const groupRef = (g: ThingGroupRecord): Record<string, string> => ({ groupName: g.name, groupArn: g.arn });

/** The handlers of the thing-group family. */
export const thingGroupOperations: OperationTable = {
  CreateThingGroup(ctx, input) {
    const name = requiredString(input, 'thingGroupName');
    checkName('thingGroupName', name, RESOURCE_NAME);
    const parentName = optionalString(input, 'parentGroupName');
    const existing = ctx.state.thingGroups.get(name);
    if (existing) {
      const props = propertiesOf(input);
      const identical =
        !existing.dynamic &&
        existing.parentName === parentName &&
        existing.description === props.description &&
        sameMap(existing.attributes, props.attributes ?? {});
      if (identical) return { body: { thingGroupName: name, thingGroupArn: existing.arn, thingGroupId: existing.id } };
      throw resourceAlreadyExists(`Thing Group ${name} already exists with different properties`, existing.id, existing.arn);
    }
    let parent: ThingGroupRecord | undefined;
    if (parentName !== undefined) {
      parent = ctx.state.thingGroups.get(parentName);
      if (!parent) throw invalidRequest(`Parent thing group ${parentName} does not exist`);
      if (parent.dynamic) throw invalidRequest('A dynamic thing group cannot be a parent');
      if (ancestorsOf(ctx, parent).length + 2 > MAX_GROUP_DEPTH) throw invalidRequest(`A thing group hierarchy can be at most ${MAX_GROUP_DEPTH} levels deep`);
      if (childrenOf(ctx, parentName).length >= MAX_CHILD_GROUPS) throw invalidRequest(`A thing group can have at most ${MAX_CHILD_GROUPS} child groups`);
    }
    const group = newGroup(ctx, name, input);
    if (parentName !== undefined) group.parentName = parentName;
    ctx.state.thingGroups.set(name, group);
    groupEvent(ctx, group, 'CREATED');
    if (parent) hierarchyEvent(ctx, parent, group, 'ADDED');
    return { body: { thingGroupName: name, thingGroupArn: group.arn, thingGroupId: group.id } };
  },

  DescribeThingGroup(ctx, input) {
    return { body: describe(ctx, requireGroup(ctx, requiredString(input, 'thingGroupName'))) };
  },

  UpdateThingGroup(ctx, input) {
    const group = requireGroup(ctx, requiredString(input, 'thingGroupName'));
    if (group.dynamic) throw invalidRequest(`${group.name} is a dynamic thing group; use UpdateDynamicThingGroup`);
    checkExpectedVersion(group, input);
    // The input has no parent member: the hierarchy is fixed at creation.
    applyProperties(group, input);
    group.version += 1;
    groupEvent(ctx, group, 'UPDATED');
    return { body: { version: group.version } };
  },

  DeleteThingGroup(ctx, input) {
    const group = ctx.state.thingGroups.get(requiredString(input, 'thingGroupName'));
    if (!group) return { body: {} };
    if (group.dynamic) throw invalidRequest(`${group.name} is a dynamic thing group; use DeleteDynamicThingGroup`);
    checkExpectedVersion(group, input);
    removeGroup(ctx, group);
    return { body: {} };
  },

  ListThingGroups(ctx, input) {
    const size = pageSize(optionalInt(input, 'maxResults'), 'maxResults', DEFAULT_MAX_RESULTS);
    const parentName = optionalString(input, 'parentGroup');
    const prefix = optionalString(input, 'namePrefixFilter');
    const recursive = optionalBool(input, 'recursive');
    let groups: ThingGroupRecord[];
    if (parentName !== undefined) {
      requireGroup(ctx, parentName);
      groups = recursive ? descendantsOf(ctx, parentName) : childrenOf(ctx, parentName);
    } else {
      groups = sortedValues(ctx.state.thingGroups).filter((g) => recursive !== false || g.parentName === undefined);
    }
    groups = groups.filter((g) => prefix === undefined || g.name.startsWith(prefix)).sort((a, b) => (a.name < b.name ? -1 : 1));
    const page = paginate(groups, (g) => g.name, size, optionalString(input, 'nextToken'), 'nextToken');
    return { body: { thingGroups: page.items.map(groupRef), ...(page.next !== undefined ? { nextToken: page.next } : {}) } };
  },

  CreateDynamicThingGroup(ctx, input) {
    const name = requiredString(input, 'thingGroupName');
    checkName('thingGroupName', name, RESOURCE_NAME);
    const queryString = requiredString(input, 'queryString');
    const indexName = optionalString(input, 'indexName') ?? 'AWS_Things';
    if (indexName !== 'AWS_Things') throw invalidRequest(`Index ${indexName} is not supported for dynamic thing groups`);
    const existing = ctx.state.thingGroups.get(name);
    if (existing) throw resourceAlreadyExists(`Thing Group ${name} already exists`, existing.id, existing.arn);
    const query = parseQuery(queryString);
    const dynamicCount = [...ctx.state.thingGroups.values()].filter((g) => g.dynamic).length;
    if (dynamicCount >= MAX_DYNAMIC_GROUPS) throw limitExceeded(`An account can have at most ${MAX_DYNAMIC_GROUPS} dynamic thing groups`);
    const group = newGroup(ctx, name, input);
    group.dynamic = { queryString, indexName, queryVersion: optionalString(input, 'queryVersion') ?? QUERY_VERSION, query };
    ctx.state.thingGroups.set(name, group);
    groupEvent(ctx, group, 'CREATED');
    return {
      body: { thingGroupName: name, thingGroupArn: group.arn, thingGroupId: group.id, indexName, queryString, queryVersion: group.dynamic.queryVersion },
    };
  },

  UpdateDynamicThingGroup(ctx, input) {
    const group = requireGroup(ctx, requiredString(input, 'thingGroupName'));
    if (!group.dynamic) throw invalidRequest(`${group.name} is not a dynamic thing group`);
    checkExpectedVersion(group, input);
    const queryString = optionalString(input, 'queryString');
    const query = queryString !== undefined ? parseQuery(queryString) : undefined;
    const indexName = optionalString(input, 'indexName');
    if (indexName !== undefined && indexName !== 'AWS_Things') throw invalidRequest(`Index ${indexName} is not supported for dynamic thing groups`);
    applyProperties(group, input);
    if (queryString !== undefined && query) group.dynamic = { ...group.dynamic, queryString, query };
    const queryVersion = optionalString(input, 'queryVersion');
    if (queryVersion !== undefined) group.dynamic.queryVersion = queryVersion;
    group.version += 1;
    groupEvent(ctx, group, 'UPDATED');
    return { body: { version: group.version } };
  },

  DeleteDynamicThingGroup(ctx, input) {
    const group = ctx.state.thingGroups.get(requiredString(input, 'thingGroupName'));
    if (!group) return { body: {} };
    if (!group.dynamic) throw invalidRequest(`${group.name} is not a dynamic thing group`);
    checkExpectedVersion(group, input);
    removeGroup(ctx, group);
    return { body: {} };
  },

  AddThingToThingGroup(ctx, input) {
    const group = requireGroup(ctx, nameOrArn(ctx, input, 'thingGroup', 'thinggroup'));
    const thing = requireThing(ctx, nameOrArn(ctx, input, 'thing', 'thing'));
    if (group.dynamic) throw invalidRequest(`Cannot add a thing to dynamic thing group ${group.name}`);
    if (group.members.has(thing.name)) return { body: {} };
    const override = optionalBool(input, 'overrideDynamicGroups') ?? false;
    const groups = [...ctx.state.thingGroups.values()].filter((g) => (override ? !g.dynamic && g.members.has(thing.name) : isMember(g, thing)));
    if (groups.length >= MAX_GROUPS_PER_THING) throw invalidRequest(`Thing ${thing.name} is already in ${MAX_GROUPS_PER_THING} thing groups`);
    const rootOf = (g: ThingGroupRecord): string => ancestorsOf(ctx, g)[0]?.name ?? g.name;
    const root = rootOf(group);
    const sameTree = groups.find((g) => !g.dynamic && rootOf(g) === root);
    if (sameTree) {
      throw invalidRequest(`Thing ${thing.name} is already in thing group ${sameTree.name} of the same hierarchy as ${group.name}`);
    }
    group.members.add(thing.name);
    membershipEvent(ctx, group, thing, 'ADDED');
    return { body: {} };
  },

  RemoveThingFromThingGroup(ctx, input) {
    const group = requireGroup(ctx, nameOrArn(ctx, input, 'thingGroup', 'thinggroup'));
    const thing = requireThing(ctx, nameOrArn(ctx, input, 'thing', 'thing'));
    if (group.dynamic) throw invalidRequest(`Cannot remove a thing from dynamic thing group ${group.name}`);
    if (group.members.delete(thing.name)) membershipEvent(ctx, group, thing, 'REMOVED');
    return { body: {} };
  },

  ListThingGroupsForThing(ctx, input) {
    const thing = requireThing(ctx, requiredString(input, 'thingName'));
    const size = pageSize(optionalInt(input, 'maxResults'), 'maxResults', DEFAULT_MAX_RESULTS);
    const groups = sortedValues(ctx.state.thingGroups).filter((g) => isMember(g, thing));
    const page = paginate(groups, (g) => g.name, size, optionalString(input, 'nextToken'), 'nextToken');
    return { body: { thingGroups: page.items.map(groupRef), ...(page.next !== undefined ? { nextToken: page.next } : {}) } };
  },

  ListThingsInThingGroup(ctx, input) {
    const group = requireGroup(ctx, requiredString(input, 'thingGroupName'));
    const size = pageSize(optionalInt(input, 'maxResults'), 'maxResults', DEFAULT_MAX_RESULTS);
    const names = new Set(membersOf(ctx, group));
    if (optionalBool(input, 'recursive') ?? false) {
      for (const d of descendantsOf(ctx, group.name)) for (const n of membersOf(ctx, d)) names.add(n);
    }
    const sorted = [...names].sort();
    const page = paginate(sorted, (n) => n, size, optionalString(input, 'nextToken'), 'nextToken');
    return { body: { things: page.items, ...(page.next !== undefined ? { nextToken: page.next } : {}) } };
  },
};
