import {
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DetachThingPrincipalCommand,
  IoTClient,
  ListPrincipalThingsCommand,
  ListPrincipalThingsV2Command,
  ListThingPrincipalsCommand,
  ListThingPrincipalsV2Command,
} from '@aws-sdk/client-iot';
import { failure, PRIMARY, uniqueName, useEmulator } from '../support/emulator';
import { ACCOUNT } from '../support/constants';

describe('emulator: thing principals', () => {
  let client: IoTClient;

  useEmulator((_emulator, c) => {
    client = c;
  });

  const thing = async () => {
    const name = uniqueName('thing');
    await client.send(new CreateThingCommand({ thingName: name }));
    return name;
  };
  const certArn = async () => (await client.send(new CreateKeysAndCertificateCommand({}))).certificateArn as string;

  it('attaches non-exclusively by default and lists both directions in V1 and V2', async () => {
    const [a, b] = [await thing(), await thing()];
    const cert = await certArn();
    await client.send(new AttachThingPrincipalCommand({ thingName: a, principal: cert }));
    await client.send(new AttachThingPrincipalCommand({ thingName: b, principal: cert, thingPrincipalType: 'NON_EXCLUSIVE_THING' }));
    expect((await client.send(new ListThingPrincipalsCommand({ thingName: a }))).principals).toEqual([cert]);
    expect((await client.send(new ListThingPrincipalsV2Command({ thingName: a }))).thingPrincipalObjects).toEqual([
      { principal: cert, thingPrincipalType: 'NON_EXCLUSIVE_THING' },
    ]);
    expect((await client.send(new ListPrincipalThingsCommand({ principal: cert }))).things).toEqual([a, b].sort());
    const v2 = await client.send(new ListPrincipalThingsV2Command({ principal: cert }));
    expect(v2.principalThingObjects?.map((o) => o.thingPrincipalType)).toEqual(['NON_EXCLUSIVE_THING', 'NON_EXCLUSIVE_THING']);
  });

  it('keeps an EXCLUSIVE_THING principal on one thing only and filters V2 listings by type', async () => {
    const [a, b] = [await thing(), await thing()];
    const exclusive = await certArn();
    const shared = await certArn();
    await client.send(new AttachThingPrincipalCommand({ thingName: a, principal: exclusive, thingPrincipalType: 'EXCLUSIVE_THING' }));
    await client.send(new AttachThingPrincipalCommand({ thingName: a, principal: shared }));
    expect((await failure(client.send(new AttachThingPrincipalCommand({ thingName: b, principal: exclusive })))).name).toBe('InvalidRequestException');
    await client.send(new AttachThingPrincipalCommand({ thingName: b, principal: shared }));
    expect((await failure(client.send(new AttachThingPrincipalCommand({ thingName: b, principal: shared, thingPrincipalType: 'EXCLUSIVE_THING' })))).name).toBe(
      'InvalidRequestException',
    );
    const onlyExclusive = await client.send(new ListThingPrincipalsV2Command({ thingName: a, thingPrincipalType: 'EXCLUSIVE_THING' }));
    expect(onlyExclusive.thingPrincipalObjects).toEqual([{ principal: exclusive, thingPrincipalType: 'EXCLUSIVE_THING' }]);
    const byType = await client.send(new ListPrincipalThingsV2Command({ principal: exclusive, thingPrincipalType: 'EXCLUSIVE_THING' }));
    expect(byType.principalThingObjects).toEqual([{ thingName: a, thingPrincipalType: 'EXCLUSIVE_THING' }]);
  });

  it('detaches a principal', async () => {
    const a = await thing();
    const cert = await certArn();
    await client.send(new AttachThingPrincipalCommand({ thingName: a, principal: cert }));
    await client.send(new DetachThingPrincipalCommand({ thingName: a, principal: cert }));
    expect((await client.send(new ListThingPrincipalsCommand({ thingName: a }))).principals).toEqual([]);
    expect((await client.send(new ListPrincipalThingsCommand({ principal: cert }))).things).toEqual([]);
  });

  it('answers a missing thing or certificate with ResourceNotFoundException and a malformed principal with InvalidRequestException', async () => {
    const a = await thing();
    const cert = await certArn();
    const missingCert = `arn:aws:iot:${PRIMARY}:${ACCOUNT}:cert/${'b'.repeat(64)}`;
    const cases: [() => Promise<unknown>, string][] = [
      [() => client.send(new AttachThingPrincipalCommand({ thingName: 'missing-thing', principal: cert })), 'ResourceNotFoundException'],
      [() => client.send(new AttachThingPrincipalCommand({ thingName: a, principal: missingCert })), 'ResourceNotFoundException'],
      [() => client.send(new AttachThingPrincipalCommand({ thingName: a, principal: 'not-an-arn' })), 'InvalidRequestException'],
      [() => client.send(new DetachThingPrincipalCommand({ thingName: 'missing-thing', principal: cert })), 'ResourceNotFoundException'],
      [() => client.send(new ListThingPrincipalsCommand({ thingName: 'missing-thing' })), 'ResourceNotFoundException'],
      [() => client.send(new ListPrincipalThingsCommand({ principal: missingCert })), 'ResourceNotFoundException'],
      [() => client.send(new ListThingPrincipalsV2Command({ thingName: a, thingPrincipalType: 'SOMETIMES' as never })), 'InvalidRequestException'],
    ];
    for (const [call, name] of cases) expect((await failure(call())).name).toBe(name);
  });
});
