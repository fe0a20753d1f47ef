import {
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  CreateThingTypeCommand,
  DeleteThingCommand,
  DeprecateThingTypeCommand,
  DescribeThingCommand,
  IoTClient,
  ListThingsCommand,
  ResourceAlreadyExistsException,
  UpdateThingCommand,
  CreateBillingGroupCommand,
} from '@aws-sdk/client-iot';
import { failure, PRIMARY, uniqueName, useEmulator } from '../support/emulator';
import { ACCOUNT } from '../support/constants';

describe('emulator: things', () => {
  let client: IoTClient;

  useEmulator((_emulator, c) => {
    client = c;
  });

  it('creates a thing with version 1, its ARN in the region and account, and describes it', async () => {
    const name = uniqueName('thing');
    const created = await client.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { a: '1' } } }));
    expect(created.thingArn).toBe(`arn:aws:iot:${PRIMARY}:${ACCOUNT}:thing/${name}`);
    const described = await client.send(new DescribeThingCommand({ thingName: name }));
    expect(described).toMatchObject({ thingName: name, thingId: created.thingId, version: 1, attributes: { a: '1' }, defaultClientId: name });
  });

  it('is idempotent for an identical CreateThing and refuses a different one with ResourceAlreadyExistsException', async () => {
    const name = uniqueName('idem');
    const first = await client.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { a: '1' } } }));
    const again = await client.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { a: '1' } } }));
    expect(again.thingId).toBe(first.thingId);
    const err = await failure(client.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { a: '2' } } })));
    expect(err).toBeInstanceOf(ResourceAlreadyExistsException);
    expect(err.$metadata.httpStatusCode).toBe(409);
    expect((err as ResourceAlreadyExistsException).resourceId).toBe(first.thingId);
  });

  it('rejects invalid names and attributes with InvalidRequestException', async () => {
    expect((await failure(client.send(new CreateThingCommand({ thingName: 'bad name!' })))).name).toBe('InvalidRequestException');
    expect((await failure(client.send(new CreateThingCommand({ thingName: 'x'.repeat(129) })))).name).toBe('InvalidRequestException');
    const badAttr = failure(client.send(new CreateThingCommand({ thingName: uniqueName('t'), attributePayload: { attributes: { 'sp ace': 'v' } } })));
    expect((await badAttr).name).toBe('InvalidRequestException');
    const badValue = failure(client.send(new CreateThingCommand({ thingName: uniqueName('t'), attributePayload: { attributes: { k: 'no spaces' } } })));
    expect((await badValue).$metadata.httpStatusCode).toBe(400);
  });

  it('allows 3 attributes without a thing type and 50 with one', async () => {
    const four = { a: '1', b: '2', c: '3', d: '4' };
    const err = await failure(client.send(new CreateThingCommand({ thingName: uniqueName('t'), attributePayload: { attributes: four } })));
    expect(err.name).toBe('InvalidRequestException');
    const type = uniqueName('type');
    await client.send(new CreateThingTypeCommand({ thingTypeName: type }));
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, String(i)]));
    await client.send(new CreateThingCommand({ thingName: uniqueName('t'), thingTypeName: type, attributePayload: { attributes: fifty } }));
    const fiftyOne = { ...fifty, k50: 'x' };
    const tooMany = await failure(client.send(new CreateThingCommand({ thingName: uniqueName('t'), thingTypeName: type, attributePayload: { attributes: fiftyOne } })));
    expect(tooMany.name).toBe('InvalidRequestException');
  });

  it('refuses a missing or deprecated thing type on CreateThing and UpdateThing', async () => {
    const missing = await failure(client.send(new CreateThingCommand({ thingName: uniqueName('t'), thingTypeName: 'no-such-type' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    const type = uniqueName('old');
    await client.send(new CreateThingTypeCommand({ thingTypeName: type }));
    await client.send(new DeprecateThingTypeCommand({ thingTypeName: type }));
    expect((await failure(client.send(new CreateThingCommand({ thingName: uniqueName('t'), thingTypeName: type })))).name).toBe('InvalidRequestException');
    const name = uniqueName('t');
    await client.send(new CreateThingCommand({ thingName: name }));
    expect((await failure(client.send(new UpdateThingCommand({ thingName: name, thingTypeName: type })))).name).toBe('InvalidRequestException');
  });

  it('raises the version on every update and answers a stale expectedVersion with VersionConflictException', async () => {
    const name = uniqueName('ver');
    await client.send(new CreateThingCommand({ thingName: name }));
    await client.send(new UpdateThingCommand({ thingName: name, attributePayload: { attributes: { a: '1' } } }));
    await client.send(new UpdateThingCommand({ thingName: name, expectedVersion: 2, attributePayload: { attributes: { a: '2' } } }));
    expect((await client.send(new DescribeThingCommand({ thingName: name }))).version).toBe(3);
    const err = await failure(client.send(new UpdateThingCommand({ thingName: name, expectedVersion: 1 })));
    expect(err.name).toBe('VersionConflictException');
    expect(err.$metadata.httpStatusCode).toBe(409);
  });

  it('merges attributes with merge=true (an empty value removes one) and replaces them otherwise', async () => {
    const name = uniqueName('merge');
    await client.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { a: '1', b: '2' } } }));
    await client.send(new UpdateThingCommand({ thingName: name, attributePayload: { attributes: { b: '', c: '3' }, merge: true } }));
    expect((await client.send(new DescribeThingCommand({ thingName: name }))).attributes).toEqual({ a: '1', c: '3' });
    await client.send(new UpdateThingCommand({ thingName: name, attributePayload: { attributes: { z: '9' } } }));
    expect((await client.send(new DescribeThingCommand({ thingName: name }))).attributes).toEqual({ z: '9' });
  });

  it('changes and removes the thing type', async () => {
    const type = uniqueName('type');
    await client.send(new CreateThingTypeCommand({ thingTypeName: type }));
    const name = uniqueName('typed');
    await client.send(new CreateThingCommand({ thingName: name }));
    await client.send(new UpdateThingCommand({ thingName: name, thingTypeName: type }));
    expect((await client.send(new DescribeThingCommand({ thingName: name }))).thingTypeName).toBe(type);
    await client.send(new UpdateThingCommand({ thingName: name, removeThingType: true }));
    expect((await client.send(new DescribeThingCommand({ thingName: name }))).thingTypeName).toBeUndefined();
  });

  it('answers UpdateThing and DescribeThing of a missing thing with ResourceNotFoundException (404)', async () => {
    const err = await failure(client.send(new UpdateThingCommand({ thingName: 'missing-thing' })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.$metadata.httpStatusCode).toBe(404);
    expect((await failure(client.send(new DescribeThingCommand({ thingName: 'missing-thing' })))).name).toBe('ResourceNotFoundException');
  });

  it('deletes a thing, succeeds for a missing one and checks expectedVersion', async () => {
    const name = uniqueName('del');
    await client.send(new CreateThingCommand({ thingName: name }));
    expect((await failure(client.send(new DeleteThingCommand({ thingName: name, expectedVersion: 7 })))).name).toBe('VersionConflictException');
    await client.send(new DeleteThingCommand({ thingName: name, expectedVersion: 1 }));
    await client.send(new DeleteThingCommand({ thingName: name }));
    expect((await failure(client.send(new DescribeThingCommand({ thingName: name })))).name).toBe('ResourceNotFoundException');
  });

  it('refuses to delete a thing that still has a principal attached', async () => {
    const name = uniqueName('attached');
    await client.send(new CreateThingCommand({ thingName: name }));
    const cert = await client.send(new CreateKeysAndCertificateCommand({}));
    await client.send(new AttachThingPrincipalCommand({ thingName: name, principal: cert.certificateArn }));
    const err = await failure(client.send(new DeleteThingCommand({ thingName: name })));
    expect(err.name).toBe('InvalidRequestException');
    expect(err.message).toMatch(/still attached/);
  });

  it('requires CreateThing billingGroupName to name an existing billing group', async () => {
    expect((await failure(client.send(new CreateThingCommand({ thingName: uniqueName('t'), billingGroupName: 'nope' })))).name).toBe('ResourceNotFoundException');
    const bg = uniqueName('bg');
    await client.send(new CreateBillingGroupCommand({ billingGroupName: bg }));
    const name = uniqueName('billed');
    await client.send(new CreateThingCommand({ thingName: name, billingGroupName: bg }));
    expect((await client.send(new DescribeThingCommand({ thingName: name }))).billingGroupName).toBe(bg);
  });

  it('lists things filtered by attribute (exact or prefix) and by thing type, ordered by name', async () => {
    const type = uniqueName('lt');
    await client.send(new CreateThingTypeCommand({ thingTypeName: type }));
    const prefix = uniqueName('list');
    await client.send(new CreateThingCommand({ thingName: `${prefix}-b`, thingTypeName: type, attributePayload: { attributes: { env: 'prod-eu' } } }));
    await client.send(new CreateThingCommand({ thingName: `${prefix}-a`, thingTypeName: type, attributePayload: { attributes: { env: 'prod-us' } } }));
    await client.send(new CreateThingCommand({ thingName: `${prefix}-c`, attributePayload: { attributes: { env: 'dev' } } }));
    const byType = await client.send(new ListThingsCommand({ thingTypeName: type }));
    expect(byType.things?.map((t) => t.thingName)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    const exact = await client.send(new ListThingsCommand({ attributeName: 'env', attributeValue: 'prod-eu' }));
    expect(exact.things?.map((t) => t.thingName)).toEqual([`${prefix}-b`]);
    const byPrefix = await client.send(new ListThingsCommand({ attributeName: 'env', attributeValue: 'prod', usePrefixAttributeValue: true }));
    expect(byPrefix.things?.map((t) => t.thingName)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(byPrefix.things?.[0]).toMatchObject({ thingTypeName: type, version: 1, attributes: { env: 'prod-us' } });
  });
});
