import {
  AddThingToBillingGroupCommand,
  AddThingToThingGroupCommand,
  CreateBillingGroupCommand,
  ListBillingGroupsCommand,
  ListThingsInBillingGroupCommand,
  CreateDynamicThingGroupCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteDynamicThingGroupCommand,
  DeleteThingGroupCommand,
  DescribeBillingGroupCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  IoTClient,
  ListThingGroupsCommand,
  ListThingGroupsForThingCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromBillingGroupCommand,
  RemoveThingFromThingGroupCommand,
  UpdateDynamicThingGroupCommand,
  UpdateThingCommand,
  UpdateThingGroupCommand,
} from '@aws-sdk/client-iot';
import { failure, PRIMARY, uniqueName, useEmulator } from '../support/emulator';
import { ACCOUNT } from '../support/constants';

describe('emulator: thing groups', () => {
  let client: IoTClient;

  useEmulator((_emulator, c) => {
    client = c;
  });

  const group = async (name: string, parentGroupName?: string) =>
    client.send(new CreateThingGroupCommand({ thingGroupName: name, ...(parentGroupName ? { parentGroupName } : {}) }));

  it('creates a group under a parent and describes its hierarchy', async () => {
    const root = uniqueName('root');
    const child = uniqueName('child');
    await group(root);
    const created = await group(child, root);
    expect(created.thingGroupArn).toBe(`arn:aws:iot:${PRIMARY}:${ACCOUNT}:thinggroup/${child}`);
    const described = await client.send(new DescribeThingGroupCommand({ thingGroupName: child }));
    expect(described.thingGroupMetadata?.parentGroupName).toBe(root);
    expect(described.thingGroupMetadata?.rootToParentThingGroups?.map((g) => g.groupName)).toEqual([root]);
    expect(described.version).toBe(1);
  });

  it('is idempotent for an identical CreateThingGroup and refuses a different one', async () => {
    const name = uniqueName('same');
    const first = await client.send(new CreateThingGroupCommand({ thingGroupName: name, thingGroupProperties: { thingGroupDescription: 'x' } }));
    const again = await client.send(new CreateThingGroupCommand({ thingGroupName: name, thingGroupProperties: { thingGroupDescription: 'x' } }));
    expect(again.thingGroupId).toBe(first.thingGroupId);
    const err = await failure(client.send(new CreateThingGroupCommand({ thingGroupName: name, thingGroupProperties: { thingGroupDescription: 'y' } })));
    expect(err.name).toBe('ResourceAlreadyExistsException');
  });

  it('refuses a missing parent', async () => {
    expect((await failure(group(uniqueName('orphan'), 'no-such-parent'))).name).toBe('InvalidRequestException');
  });

  it('keeps the parent fixed: a second CreateThingGroup with another parent is refused and UpdateThingGroup has no parent', async () => {
    const p1 = uniqueName('p1');
    const p2 = uniqueName('p2');
    const child = uniqueName('fixed');
    await group(p1);
    await group(p2);
    await group(child, p1);
    expect((await failure(group(child, p2))).name).toBe('ResourceAlreadyExistsException');
    await client.send(new UpdateThingGroupCommand({ thingGroupName: child, thingGroupProperties: { thingGroupDescription: 'new' } }));
    expect((await client.send(new DescribeThingGroupCommand({ thingGroupName: child }))).thingGroupMetadata?.parentGroupName).toBe(p1);
  });

  it('updates properties with a rising version and checks expectedVersion', async () => {
    const name = uniqueName('upd');
    await client.send(new CreateThingGroupCommand({ thingGroupName: name, thingGroupProperties: { attributePayload: { attributes: { a: '1' } } } }));
    const updated = await client.send(
      new UpdateThingGroupCommand({ thingGroupName: name, expectedVersion: 1, thingGroupProperties: { attributePayload: { attributes: { b: '2' }, merge: true } } }),
    );
    expect(updated.version).toBe(2);
    const described = await client.send(new DescribeThingGroupCommand({ thingGroupName: name }));
    expect(described.thingGroupProperties?.attributePayload?.attributes).toEqual({ a: '1', b: '2' });
    const err = await failure(client.send(new UpdateThingGroupCommand({ thingGroupName: name, expectedVersion: 1, thingGroupProperties: {} })));
    expect(err.name).toBe('VersionConflictException');
    expect((await failure(client.send(new UpdateThingGroupCommand({ thingGroupName: 'missing-group', thingGroupProperties: {} })))).name).toBe('ResourceNotFoundException');
  });

  it('refuses to delete a group with children and deletes a leaf (a missing group deletes fine)', async () => {
    const parent = uniqueName('parent');
    const child = uniqueName('leaf');
    await group(parent);
    await group(child, parent);
    expect((await failure(client.send(new DeleteThingGroupCommand({ thingGroupName: parent })))).name).toBe('InvalidRequestException');
    await client.send(new DeleteThingGroupCommand({ thingGroupName: child }));
    await client.send(new DeleteThingGroupCommand({ thingGroupName: parent }));
    await client.send(new DeleteThingGroupCommand({ thingGroupName: parent }));
    expect((await failure(client.send(new DescribeThingGroupCommand({ thingGroupName: parent })))).name).toBe('ResourceNotFoundException');
  });

  it('adds and removes things by name or ARN and lists both directions', async () => {
    const g = uniqueName('members');
    const created = await group(g);
    const thing = uniqueName('m');
    const t = await client.send(new CreateThingCommand({ thingName: thing }));
    await client.send(new AddThingToThingGroupCommand({ thingGroupArn: created.thingGroupArn, thingArn: t.thingArn }));
    await client.send(new AddThingToThingGroupCommand({ thingGroupName: g, thingName: thing }));
    expect((await client.send(new ListThingsInThingGroupCommand({ thingGroupName: g }))).things).toEqual([thing]);
    expect((await client.send(new ListThingGroupsForThingCommand({ thingName: thing }))).thingGroups).toEqual([{ groupName: g, groupArn: created.thingGroupArn }]);
    await client.send(new RemoveThingFromThingGroupCommand({ thingGroupName: g, thingName: thing }));
    expect((await client.send(new ListThingsInThingGroupCommand({ thingGroupName: g }))).things).toEqual([]);
    expect((await failure(client.send(new AddThingToThingGroupCommand({ thingGroupName: g, thingName: 'no-thing' })))).name).toBe('ResourceNotFoundException');
    expect((await failure(client.send(new AddThingToThingGroupCommand({ thingGroupName: 'no-group', thingName: thing })))).name).toBe('ResourceNotFoundException');
  });

  it('lists things of descendant groups with recursive=true', async () => {
    const parent = uniqueName('rp');
    const child = uniqueName('rc');
    await group(parent);
    await group(child, parent);
    const thing = uniqueName('deep');
    await client.send(new CreateThingCommand({ thingName: thing }));
    await client.send(new AddThingToThingGroupCommand({ thingGroupName: child, thingName: thing }));
    expect((await client.send(new ListThingsInThingGroupCommand({ thingGroupName: parent }))).things).toEqual([]);
    expect((await client.send(new ListThingsInThingGroupCommand({ thingGroupName: parent, recursive: true }))).things).toEqual([thing]);
  });

  it('puts a thing in at most 10 groups, and never in two groups of one hierarchy', async () => {
    const thing = uniqueName('busy');
    await client.send(new CreateThingCommand({ thingName: thing }));
    for (let i = 0; i < 10; i++) {
      const g = uniqueName(`g${i}`);
      await group(g);
      await client.send(new AddThingToThingGroupCommand({ thingGroupName: g, thingName: thing }));
    }
    const eleventh = uniqueName('g10');
    await group(eleventh);
    expect((await failure(client.send(new AddThingToThingGroupCommand({ thingGroupName: eleventh, thingName: thing })))).name).toBe('InvalidRequestException');

    const other = uniqueName('tree');
    await client.send(new CreateThingCommand({ thingName: other }));
    const root = uniqueName('troot');
    const leaf = uniqueName('tleaf');
    await group(root);
    await group(leaf, root);
    await client.send(new AddThingToThingGroupCommand({ thingGroupName: root, thingName: other }));
    expect((await failure(client.send(new AddThingToThingGroupCommand({ thingGroupName: leaf, thingName: other })))).message).toMatch(/same hierarchy/);
  });

  it('lists groups by parent, prefix and recursion', async () => {
    const prefix = uniqueName('lg');
    await group(`${prefix}-root`);
    await group(`${prefix}-a`, `${prefix}-root`);
    await group(`${prefix}-b`, `${prefix}-a`);
    const direct = await client.send(new ListThingGroupsCommand({ parentGroup: `${prefix}-root` }));
    expect(direct.thingGroups?.map((g) => g.groupName)).toEqual([`${prefix}-a`]);
    const all = await client.send(new ListThingGroupsCommand({ parentGroup: `${prefix}-root`, recursive: true }));
    expect(all.thingGroups?.map((g) => g.groupName)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    const byPrefix = await client.send(new ListThingGroupsCommand({ namePrefixFilter: prefix, maxResults: 250 }));
    expect(byPrefix.thingGroups?.map((g) => g.groupName)).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-root`]);
    expect((await failure(client.send(new ListThingGroupsCommand({ parentGroup: 'no-such-parent' })))).name).toBe('ResourceNotFoundException');
  });
});

describe('emulator: dynamic thing groups', () => {
  let client: IoTClient;

  useEmulator((_emulator, c) => {
    client = c;
  });

  it('computes members from the query and follows thing changes', async () => {
    const tag = uniqueName('fleet').replace(/-/g, '_');
    await client.send(new CreateThingCommand({ thingName: `${tag}-1`, attributePayload: { attributes: { site: 'paris' } } }));
    await client.send(new CreateThingCommand({ thingName: `${tag}-2`, attributePayload: { attributes: { site: 'lyon' } } }));
    const created = await client.send(
      new CreateDynamicThingGroupCommand({ thingGroupName: `${tag}-dyn`, queryString: `thingName:${tag}* AND attributes.site:paris` }),
    );
    expect(created).toMatchObject({ indexName: 'AWS_Things', queryVersion: '2017-09-30' });
    expect((await client.send(new ListThingsInThingGroupCommand({ thingGroupName: `${tag}-dyn` }))).things).toEqual([`${tag}-1`]);
    await client.send(new UpdateThingCommand({ thingName: `${tag}-2`, attributePayload: { attributes: { site: 'paris' } } }));
    expect((await client.send(new ListThingsInThingGroupCommand({ thingGroupName: `${tag}-dyn` }))).things).toEqual([`${tag}-1`, `${tag}-2`]);
    const groups = await client.send(new ListThingGroupsForThingCommand({ thingName: `${tag}-2` }));
    expect(groups.thingGroups?.map((g) => g.groupName)).toEqual([`${tag}-dyn`]);
    const described = await client.send(new DescribeThingGroupCommand({ thingGroupName: `${tag}-dyn` }));
    expect(described).toMatchObject({ queryString: `thingName:${tag}* AND attributes.site:paris`, status: 'ACTIVE' });
  });

  it('refuses AddThingToThingGroup on a dynamic group', async () => {
    const name = uniqueName('dynadd');
    await client.send(new CreateDynamicThingGroupCommand({ thingGroupName: name, queryString: 'thingTypeName:sensor' }));
    const thing = uniqueName('t');
    await client.send(new CreateThingCommand({ thingName: thing }));
    expect((await failure(client.send(new AddThingToThingGroupCommand({ thingGroupName: name, thingName: thing })))).name).toBe('InvalidRequestException');
  });

  it('answers a query outside the supported subset with InvalidQueryException', async () => {
    for (const queryString of ['thingName:a OR thingName:b', 'connectivity.connected:true', '(thingName:a)', '']) {
      const err = await failure(client.send(new CreateDynamicThingGroupCommand({ thingGroupName: uniqueName('bad'), queryString })));
      expect(err.name).toBe(queryString === '' ? 'InvalidRequestException' : 'InvalidQueryException');
    }
  });

  it('updates the query with a rising version and deletes the group', async () => {
    const name = uniqueName('dynupd');
    await client.send(new CreateDynamicThingGroupCommand({ thingGroupName: name, queryString: 'thingName:x*' }));
    const updated = await client.send(new UpdateDynamicThingGroupCommand({ thingGroupName: name, queryString: 'thingName:y*', thingGroupProperties: {} }));
    expect(updated.version).toBe(2);
    expect((await client.send(new DescribeThingGroupCommand({ thingGroupName: name }))).queryString).toBe('thingName:y*');
    expect((await failure(client.send(new UpdateDynamicThingGroupCommand({ thingGroupName: name, queryString: 'NOT x', thingGroupProperties: {} })))).name).toBe(
      'InvalidQueryException',
    );
    expect((await failure(client.send(new DeleteThingGroupCommand({ thingGroupName: name })))).name).toBe('InvalidRequestException');
    await client.send(new DeleteDynamicThingGroupCommand({ thingGroupName: name }));
    expect((await failure(client.send(new DescribeThingGroupCommand({ thingGroupName: name })))).name).toBe('ResourceNotFoundException');
  });

  it('refuses a dynamic group as a parent', async () => {
    const dyn = uniqueName('dynparent');
    await client.send(new CreateDynamicThingGroupCommand({ thingGroupName: dyn, queryString: 'thingName:p*' }));
    expect((await failure(client.send(new CreateThingGroupCommand({ thingGroupName: uniqueName('c'), parentGroupName: dyn })))).name).toBe('InvalidRequestException');
  });
});

describe('emulator: billing groups', () => {
  let client: IoTClient;

  useEmulator((_emulator, c) => {
    client = c;
  });

  it('creates, describes, adds a thing to and removes it from a billing group', async () => {
    const bg = uniqueName('bg');
    const created = await client.send(new CreateBillingGroupCommand({ billingGroupName: bg, billingGroupProperties: { billingGroupDescription: 'd' } }));
    expect(created.billingGroupArn).toBe(`arn:aws:iot:${PRIMARY}:${ACCOUNT}:billinggroup/${bg}`);
    const described = await client.send(new DescribeBillingGroupCommand({ billingGroupName: bg }));
    expect(described).toMatchObject({ billingGroupName: bg, version: 1, billingGroupProperties: { billingGroupDescription: 'd' } });
    const thing = uniqueName('billed');
    await client.send(new CreateThingCommand({ thingName: thing }));
    await client.send(new AddThingToBillingGroupCommand({ billingGroupName: bg, thingName: thing }));
    expect((await client.send(new DescribeThingCommand({ thingName: thing }))).billingGroupName).toBe(bg);
    await client.send(new RemoveThingFromBillingGroupCommand({ billingGroupName: bg, thingName: thing }));
    expect((await client.send(new DescribeThingCommand({ thingName: thing }))).billingGroupName).toBeUndefined();
    expect((await failure(client.send(new DescribeBillingGroupCommand({ billingGroupName: 'missing-bg' })))).name).toBe('ResourceNotFoundException');
    expect((await failure(client.send(new CreateBillingGroupCommand({ billingGroupName: bg, billingGroupProperties: { billingGroupDescription: 'other' } })))).name).toBe(
      'ResourceAlreadyExistsException',
    );
  });

  it('lists billing groups by prefix and the things in one, page by page', async () => {
    const prefix = uniqueName('list-bg');
    for (const suffix of ['a', 'b']) await client.send(new CreateBillingGroupCommand({ billingGroupName: `${prefix}-${suffix}` }));
    const listed = await client.send(new ListBillingGroupsCommand({ namePrefixFilter: prefix }));
    expect(listed.billingGroups?.map((g) => g.groupName)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(listed.billingGroups?.[0]?.groupArn).toBe(`arn:aws:iot:${PRIMARY}:${ACCOUNT}:billinggroup/${prefix}-a`);
    const things = [uniqueName('billed'), uniqueName('billed'), uniqueName('billed')];
    for (const thing of things) await client.send(new CreateThingCommand({ thingName: thing, billingGroupName: `${prefix}-a` }));
    const first = await client.send(new ListThingsInBillingGroupCommand({ billingGroupName: `${prefix}-a`, maxResults: 2 }));
    const second = await client.send(new ListThingsInBillingGroupCommand({ billingGroupName: `${prefix}-a`, maxResults: 2, nextToken: first.nextToken }));
    expect([...(first.things ?? []), ...(second.things ?? [])]).toEqual([...things].sort());
    expect(second.nextToken).toBeUndefined();
    expect((await failure(client.send(new ListThingsInBillingGroupCommand({ billingGroupName: 'missing-bg' })))).name).toBe('ResourceNotFoundException');
  });
});
