/** Things of one region: listed by page, described with their static groups, written, and moved between groups. */
import {
  AddThingToBillingGroupCommand,
  AddThingToThingGroupCommand,
  CreateThingCommand,
  DeleteThingCommand,
  DescribeThingCommand,
  ListThingsCommand,
  ListThingsInThingGroupCommand,
  paginateListThingGroupsForThing,
  RemoveThingFromBillingGroupCommand,
  RemoveThingFromThingGroupCommand,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import { mapWithConcurrency } from '../../core/concurrency';
import type { StaticThingGroup, Thing } from '../../core/model';
import type { Page, ThingFilter } from '../../core/port';
import { DESCRIBE_CONCURRENCY, MAX_PAGE_SIZE, type RegistryCalls } from './calls';
import { thingOf } from './mapping';
import type { ThingGroups } from './thing-groups';

/** The thing operations of the port, group and billing-group memberships included. */
export class Things {
  constructor(
    private readonly calls: RegistryCalls,
    private readonly groups: ThingGroups,
  ) {}

  async listNames(filter: ThingFilter, nextToken?: string): Promise<Page<string>> {
    const output = await this.calls.call('ListThings', 'things', () =>
      this.calls.client.send(
        new ListThingsCommand({
          maxResults: MAX_PAGE_SIZE,
          nextToken,
          thingTypeName: filter.thingTypeName,
          attributeName: filter.attribute?.name,
          attributeValue: filter.attribute?.value,
        }),
      ),
    );
    // ListThings cannot filter by name prefix, so the prefix is applied to each page here.
    const names = (output.things ?? []).flatMap((t) => (t.thingName ? [t.thingName] : []));
    const items = filter.namePrefix === undefined ? names : names.filter((n) => n.startsWith(filter.namePrefix as string));
    return output.nextToken ? { items, nextToken: output.nextToken } : { items };
  }

  /** Direct members of a static group; a missing group has none. */
  async listNamesInGroup(groupName: string, nextToken?: string): Promise<Page<string>> {
    const output = await this.calls.read('ListThingsInThingGroup', `thingGroup/${groupName}`, () =>
      this.calls.client.send(
        new ListThingsInThingGroupCommand({ thingGroupName: groupName, recursive: false, maxResults: MAX_PAGE_SIZE, nextToken }),
      ),
    );
    if (!output) return { items: [] };
    const items = output.things ?? [];
    return output.nextToken ? { items, nextToken: output.nextToken } : { items };
  }

  async get(name: string): Promise<Thing | undefined> {
    const described = await this.calls.read('DescribeThing', `thing/${name}`, () =>
      this.calls.client.send(new DescribeThingCommand({ thingName: name })),
    );
    if (!described) return undefined;
    const groupNames = await this.staticGroupNamesOf(name);
    if (!groupNames) return undefined;
    return thingOf(described, name, groupNames);
  }

  async create(thing: Omit<Thing, 'groupNames'>): Promise<void> {
    await this.calls.call('CreateThing', `thing/${thing.name}`, () =>
      this.calls.client.send(
        new CreateThingCommand({
          thingName: thing.name,
          thingTypeName: thing.thingTypeName,
          attributePayload: { attributes: thing.attributes },
          billingGroupName: thing.billingGroupName,
        }),
      ),
    );
  }

  async update(thing: Omit<Thing, 'groupNames' | 'billingGroupName'>): Promise<void> {
    await this.calls.call('UpdateThing', `thing/${thing.name}`, () =>
      this.calls.client.send(
        new UpdateThingCommand({
          thingName: thing.name,
          ...(thing.thingTypeName === undefined ? { removeThingType: true } : { thingTypeName: thing.thingTypeName }),
          attributePayload: { attributes: thing.attributes, merge: false },
        }),
      ),
    );
  }

  async delete(name: string): Promise<void> {
    await this.calls.call('DeleteThing', `thing/${name}`, () => this.calls.client.send(new DeleteThingCommand({ thingName: name })));
  }

  async addToGroup(thingName: string, group: Pick<StaticThingGroup, 'name'>): Promise<void> {
    await this.calls.call('AddThingToThingGroup', `thingGroupMembership/${group.name}|${thingName}`, () =>
      this.calls.client.send(new AddThingToThingGroupCommand({ thingName, thingGroupName: group.name })),
    );
  }

  async removeFromGroup(thingName: string, groupName: string): Promise<void> {
    await this.calls.call('RemoveThingFromThingGroup', `thingGroupMembership/${groupName}|${thingName}`, () =>
      this.calls.client.send(new RemoveThingFromThingGroupCommand({ thingName, thingGroupName: groupName })),
    );
  }

  async addToBillingGroup(thingName: string, billingGroupName: string): Promise<void> {
    await this.calls.call('AddThingToBillingGroup', `billingGroupMembership/${billingGroupName}|${thingName}`, () =>
      this.calls.client.send(new AddThingToBillingGroupCommand({ thingName, billingGroupName })),
    );
  }

  async removeFromBillingGroup(thingName: string, billingGroupName: string): Promise<void> {
    await this.calls.call('RemoveThingFromBillingGroup', `billingGroupMembership/${billingGroupName}|${thingName}`, () =>
      this.calls.client.send(new RemoveThingFromBillingGroupCommand({ thingName, billingGroupName })),
    );
  }

  /** Names of the static groups a thing is directly in; `undefined` when the thing disappeared meanwhile. */
  private async staticGroupNamesOf(thingName: string): Promise<string[] | undefined> {
    const pages = paginateListThingGroupsForThing({ client: this.calls.client, pageSize: MAX_PAGE_SIZE }, { thingName });
    const names: string[] = [];
    try {
      for await (const page of this.calls.pages('ListThingGroupsForThing', `thing/${thingName}`, pages)) {
        for (const g of page.thingGroups ?? []) {
          if (g.groupName) names.push(g.groupName);
        }
      }
    } catch (error) {
      if (this.calls.isNotFound(error)) return undefined;
      throw error;
    }
    const kinds = await mapWithConcurrency(names, DESCRIBE_CONCURRENCY, (name) => this.groups.kindOf(name));
    return names.filter((_, i) => kinds[i] === 'static');
  }
}
