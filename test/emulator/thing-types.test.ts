import {
  CreateThingCommand,
  CreateThingTypeCommand,
  DeleteThingCommand,
  DeleteThingTypeCommand,
  DeprecateThingTypeCommand,
  DescribeThingTypeCommand,
  IoTClient,
  ListThingTypesCommand,
  UpdateThingTypeCommand,
} from '@aws-sdk/client-iot';
import { failure, iot, PRIMARY, start, uniqueName, useEmulator } from '../support/emulator';
import { ACCOUNT } from '../support/constants';

describe('emulator: thing types', () => {
  let client: IoTClient;

  useEmulator((_emulator, c) => {
    client = c;
  });

  it('creates, describes and updates a thing type', async () => {
    const name = uniqueName('type');
    const created = await client.send(
      new CreateThingTypeCommand({ thingTypeName: name, thingTypeProperties: { thingTypeDescription: 'd1', searchableAttributes: ['a'] } }),
    );
    expect(created.thingTypeArn).toBe(`arn:aws:iot:${PRIMARY}:${ACCOUNT}:thingtype/${name}`);
    await client.send(new UpdateThingTypeCommand({ thingTypeName: name, thingTypeProperties: { thingTypeDescription: 'd2' } }));
    const described = await client.send(new DescribeThingTypeCommand({ thingTypeName: name }));
    expect(described.thingTypeProperties).toEqual({ thingTypeDescription: 'd2', searchableAttributes: ['a'] });
    expect(described.thingTypeMetadata?.deprecated).toBe(false);
    expect(described.thingTypeMetadata?.creationDate).toBeInstanceOf(Date);
  });

  it('refuses a second CreateThingType of the same name and more than 3 searchable attributes', async () => {
    const name = uniqueName('dup');
    await client.send(new CreateThingTypeCommand({ thingTypeName: name }));
    expect((await failure(client.send(new CreateThingTypeCommand({ thingTypeName: name })))).name).toBe('ResourceAlreadyExistsException');
    const many = failure(client.send(new CreateThingTypeCommand({ thingTypeName: uniqueName('many'), thingTypeProperties: { searchableAttributes: ['a', 'b', 'c', 'd'] } })));
    expect((await many).name).toBe('InvalidRequestException');
  });

  it('deprecates and undeprecates, recording the deprecation date', async () => {
    const name = uniqueName('dep');
    await client.send(new CreateThingTypeCommand({ thingTypeName: name }));
    await client.send(new DeprecateThingTypeCommand({ thingTypeName: name }));
    const deprecated = await client.send(new DescribeThingTypeCommand({ thingTypeName: name }));
    expect(deprecated.thingTypeMetadata).toMatchObject({ deprecated: true, deprecationDate: expect.any(Date) });
    await client.send(new DeprecateThingTypeCommand({ thingTypeName: name, undoDeprecate: true }));
    const restored = await client.send(new DescribeThingTypeCommand({ thingTypeName: name }));
    expect(restored.thingTypeMetadata?.deprecated).toBe(false);
    await client.send(new CreateThingCommand({ thingName: uniqueName('again'), thingTypeName: name }));
  });

  it('answers DeprecateThingType, DescribeThingType and DeleteThingType of a missing type with ResourceNotFoundException', async () => {
    const calls = [
      () => client.send(new DeprecateThingTypeCommand({ thingTypeName: 'missing-type' })),
      () => client.send(new DescribeThingTypeCommand({ thingTypeName: 'missing-type' })),
      () => client.send(new DeleteThingTypeCommand({ thingTypeName: 'missing-type' })),
    ];
    for (const call of calls) expect((await failure(call())).name).toBe('ResourceNotFoundException');
  });

  it('deletes a type only once deprecated and no longer associated with a thing', async () => {
    const name = uniqueName('gone');
    await client.send(new CreateThingTypeCommand({ thingTypeName: name }));
    const thing = uniqueName('member');
    await client.send(new CreateThingCommand({ thingName: thing, thingTypeName: name }));
    expect((await failure(client.send(new DeleteThingTypeCommand({ thingTypeName: name })))).message).toMatch(/deprecated/);
    await client.send(new DeprecateThingTypeCommand({ thingTypeName: name }));
    expect((await failure(client.send(new DeleteThingTypeCommand({ thingTypeName: name })))).message).toMatch(/associated/);
    await client.send(new DeleteThingCommand({ thingName: thing }));
    await client.send(new DeleteThingTypeCommand({ thingTypeName: name }));
    expect((await failure(client.send(new DescribeThingTypeCommand({ thingTypeName: name })))).name).toBe('ResourceNotFoundException');
  });

  it('lists thing types by name and filters by thingTypeName', async () => {
    const a = uniqueName('lst-a');
    await client.send(new CreateThingTypeCommand({ thingTypeName: a }));
    const listed = await client.send(new ListThingTypesCommand({ maxResults: 250 }));
    const names = listed.thingTypes?.map((t) => t.thingTypeName) ?? [];
    expect(names).toEqual([...names].sort());
    expect(names).toContain(a);
    const only = await client.send(new ListThingTypesCommand({ thingTypeName: a }));
    expect(only.thingTypes?.map((t) => t.thingTypeName)).toEqual([a]);
  });
});

describe('emulator: thing type deletion delay', () => {
  it('refuses DeleteThingType within the deletion delay after deprecation (AWS: 5 minutes)', async () => {
    const emulator = await start({ thingTypeDeletionDelayMs: 300_000 });
    const client = iot(emulator);
    try {
      const name = uniqueName('young');
      await client.send(new CreateThingTypeCommand({ thingTypeName: name }));
      await client.send(new DeprecateThingTypeCommand({ thingTypeName: name }));
      const err = await failure(client.send(new DeleteThingTypeCommand({ thingTypeName: name })));
      expect(err.name).toBe('InvalidRequestException');
      expect(err.message).toMatch(/5 minutes/);
    } finally {
      client.destroy();
      await emulator.close();
    }
  });
});
