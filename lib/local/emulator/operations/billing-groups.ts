/** Billing groups, minimal: Create, Describe, List, ListThingsIn, AddThingTo, RemoveThingFrom. A thing is in at most one. */
import { randomUUID } from 'node:crypto';
import { seconds, type OperationContext, type OperationTable } from '../context';
import { resourceAlreadyExists, resourceNotFound } from '../errors';
import { checkName, optionalInt, optionalObject, optionalString, requiredString, RESOURCE_NAME } from '../input';
import { pageSize, paginate } from '../pagination';
import { DEFAULT_MAX_RESULTS } from './things';
import type { BillingGroupRecord } from '../state';
import { nameOrArn, requireThing } from './lookup';

function requireBillingGroup(ctx: OperationContext, name: string): BillingGroupRecord {
  const group = ctx.state.billingGroups.get(name);
  if (!group) throw resourceNotFound(`Billing group ${name} does not exist`);
  return group;
}

/** The handlers of the billing-group family. */
export const billingGroupOperations: OperationTable = {
  CreateBillingGroup(ctx, input) {
    const name = requiredString(input, 'billingGroupName');
    checkName('billingGroupName', name, RESOURCE_NAME);
    const props = optionalObject(input, 'billingGroupProperties');
    const description = props ? optionalString(props, 'billingGroupDescription') : undefined;
    const existing = ctx.state.billingGroups.get(name);
    if (existing) {
      if (existing.description === description) {
        return { body: { billingGroupName: name, billingGroupArn: existing.arn, billingGroupId: existing.id } };
      }
      throw resourceAlreadyExists(`Billing group ${name} already exists with different properties`, existing.id, existing.arn);
    }
    const group: BillingGroupRecord = {
      name,
      id: randomUUID(),
      arn: ctx.arn(`billinggroup/${name}`),
      ...(description !== undefined ? { description } : {}),
      version: 1,
      creationDate: ctx.now,
      members: new Set(),
    };
    ctx.state.billingGroups.set(name, group);
    return { body: { billingGroupName: name, billingGroupArn: group.arn, billingGroupId: group.id } };
  },

  DescribeBillingGroup(ctx, input) {
    const group = requireBillingGroup(ctx, requiredString(input, 'billingGroupName'));
    return {
      body: {
        billingGroupName: group.name,
        billingGroupId: group.id,
        billingGroupArn: group.arn,
        version: group.version,
        billingGroupProperties: group.description !== undefined ? { billingGroupDescription: group.description } : {},
        billingGroupMetadata: { creationDate: seconds(group.creationDate) },
      },
    };
  },

  ListBillingGroups(ctx, input) {
    const size = pageSize(optionalInt(input, 'maxResults'), 'maxResults', DEFAULT_MAX_RESULTS);
    const prefix = optionalString(input, 'namePrefixFilter');
    const groups = [...ctx.state.billingGroups.values()].filter((g) => prefix === undefined || g.name.startsWith(prefix)).sort((a, b) => (a.name < b.name ? -1 : 1));
    const page = paginate(groups, (g) => g.name, size, optionalString(input, 'nextToken'), 'nextToken');
    return {
      body: {
        billingGroups: page.items.map((g) => ({ groupName: g.name, groupArn: g.arn })),
        ...(page.next !== undefined ? { nextToken: page.next } : {}),
      },
    };
  },

  ListThingsInBillingGroup(ctx, input) {
    const group = requireBillingGroup(ctx, requiredString(input, 'billingGroupName'));
    const size = pageSize(optionalInt(input, 'maxResults'), 'maxResults', DEFAULT_MAX_RESULTS);
    const page = paginate([...group.members].sort(), (n) => n, size, optionalString(input, 'nextToken'), 'nextToken');
    return { body: { things: page.items, ...(page.next !== undefined ? { nextToken: page.next } : {}) } };
  },

  AddThingToBillingGroup(ctx, input) {
    const group = requireBillingGroup(ctx, nameOrArn(ctx, input, 'billingGroup', 'billinggroup'));
    const thing = requireThing(ctx, nameOrArn(ctx, input, 'thing', 'thing'));
    // A thing belongs to one billing group: adding it to another moves it.
    if (thing.billingGroupName !== undefined && thing.billingGroupName !== group.name) {
      ctx.state.billingGroups.get(thing.billingGroupName)?.members.delete(thing.name);
    }
    thing.billingGroupName = group.name;
    group.members.add(thing.name);
    return { body: {} };
  },

  RemoveThingFromBillingGroup(ctx, input) {
    const group = requireBillingGroup(ctx, nameOrArn(ctx, input, 'billingGroup', 'billinggroup'));
    const thing = requireThing(ctx, nameOrArn(ctx, input, 'thing', 'thing'));
    if (group.members.delete(thing.name)) delete thing.billingGroupName;
    return { body: {} };
  },
};
