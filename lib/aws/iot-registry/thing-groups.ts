/**
 * Thing groups of one region, static and dynamic. It remembers the kind of every group it has seen, so
 * that a thing's memberships can leave dynamic groups out without a describe each.
 */
import {
  CreateDynamicThingGroupCommand,
  CreateThingGroupCommand,
  DeleteDynamicThingGroupCommand,
  DeleteThingGroupCommand,
  DescribeThingGroupCommand,
  type DescribeThingGroupResponse,
  paginateListThingGroups,
  UpdateDynamicThingGroupCommand,
  UpdateThingGroupCommand,
} from '@aws-sdk/client-iot';
import { mapWithConcurrency } from '../../core/concurrency';
import type { ThingGroup } from '../../core/model';
import { DESCRIBE_CONCURRENCY, MAX_PAGE_SIZE, type RegistryCalls } from './calls';
import { thingGroupOf } from './mapping';

/** The thing-group operations of the port, and the kinds of the groups seen so far. */
export class ThingGroups {
  /** Kinds of the groups seen so far, so thing memberships can drop dynamic groups without a describe each. */
  private readonly kinds = new Map<string, ThingGroup['kind']>();

  constructor(private readonly calls: RegistryCalls) {}

  async *list(): AsyncIterable<ThingGroup> {
    const pages = paginateListThingGroups({ client: this.calls.client, pageSize: MAX_PAGE_SIZE }, {});
    for await (const page of this.calls.pages('ListThingGroups', 'thingGroups', pages)) {
      const names = (page.thingGroups ?? []).flatMap((g) => (g.groupName ? [g.groupName] : []));
      // ListThingGroups gives names only; the kind, parent and properties need a describe each.
      const groups = await mapWithConcurrency(names, DESCRIBE_CONCURRENCY, (name) => this.get(name));
      for (const group of groups) {
        if (group) yield group;
      }
    }
  }

  async get(name: string): Promise<ThingGroup | undefined> {
    const output = await this.calls.read('DescribeThingGroup', `thingGroup/${name}`, () =>
      this.calls.client.send(new DescribeThingGroupCommand({ thingGroupName: name })),
    );
    if (!output) {
      this.kinds.delete(name);
      return undefined;
    }
    return this.remember(output);
  }

  /** The group a DescribeThingGroup answered, its kind remembered. */
  remember(output: DescribeThingGroupResponse): ThingGroup {
    const group = thingGroupOf(output);
    this.kinds.set(group.name, group.kind);
    return group;
  }

  /** A group's kind, from what was seen or one describe (which is then remembered). */
  async kindOf(name: string): Promise<ThingGroup['kind'] | undefined> {
    const known = this.kinds.get(name);
    if (known) return known;
    return (await this.get(name))?.kind;
  }

  async create(group: ThingGroup): Promise<void> {
    const key = `thingGroup/${group.name}`;
    const thingGroupProperties = {
      thingGroupDescription: group.description,
      attributePayload: { attributes: group.attributes },
    };
    if (group.kind === 'static') {
      await this.calls.call('CreateThingGroup', key, () =>
        this.calls.client.send(
          new CreateThingGroupCommand({ thingGroupName: group.name, parentGroupName: group.parentName, thingGroupProperties }),
        ),
      );
    } else {
      await this.calls.call('CreateDynamicThingGroup', key, () =>
        this.calls.client.send(
          new CreateDynamicThingGroupCommand({ thingGroupName: group.name, queryString: group.queryString, thingGroupProperties }),
        ),
      );
    }
    this.kinds.set(group.name, group.kind);
  }

  async update(group: ThingGroup): Promise<void> {
    const key = `thingGroup/${group.name}`;
    // An empty description clears it; merge=false replaces the whole attribute set.
    const thingGroupProperties = {
      thingGroupDescription: group.description ?? '',
      attributePayload: { attributes: group.attributes, merge: false },
    };
    if (group.kind === 'static') {
      await this.calls.call('UpdateThingGroup', key, () =>
        this.calls.client.send(new UpdateThingGroupCommand({ thingGroupName: group.name, thingGroupProperties })),
      );
    } else {
      await this.calls.call('UpdateDynamicThingGroup', key, () =>
        this.calls.client.send(
          new UpdateDynamicThingGroupCommand({ thingGroupName: group.name, queryString: group.queryString, thingGroupProperties }),
        ),
      );
    }
  }

  async delete(name: string, kind: ThingGroup['kind']): Promise<void> {
    const key = `thingGroup/${name}`;
    if (kind === 'static') {
      await this.calls.call('DeleteThingGroup', key, () =>
        this.calls.client.send(new DeleteThingGroupCommand({ thingGroupName: name })),
      );
    } else {
      await this.calls.call('DeleteDynamicThingGroup', key, () =>
        this.calls.client.send(new DeleteDynamicThingGroupCommand({ thingGroupName: name })),
      );
    }
    this.kinds.delete(name);
  }
}
