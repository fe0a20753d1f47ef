import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  DeleteThingCommand,
  IoTClient,
  ListCertificatesCommand,
  ListThingsCommand,
  paginateListAttachedPolicies,
  paginateListCertificates,
  paginateListPolicies,
  paginateListPrincipalThings,
  paginateListTargetsForPolicy,
  paginateListThingGroups,
  paginateListThingPrincipals,
  paginateListThingPrincipalsV2,
  paginateListThings,
  paginateListThingsInThingGroup,
  paginateListThingTypes,
} from '@aws-sdk/client-iot';
import type { RunningEmulator } from '../../lib/local/emulator';
import { failure, iot, policyDocument, start } from '../support/emulator';

/** Collects every page of an SDK paginator, counting pages. */
async function collect<P, T>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let count = 0;
  for await (const page of pages) {
    count++;
    items.push(...(pick(page) ?? []));
  }
  return { items, pages: count };
}

describe('emulator: pagination', () => {
  let emulator: RunningEmulator;
  let client: IoTClient;
  const N = 7;
  const names = Array.from({ length: N }, (_, i) => `page-thing-${String(i).padStart(2, '0')}`);
  let certArns: string[] = [];
  const policies = Array.from({ length: N }, (_, i) => `page-policy-${i}`);

  beforeAll(async () => {
    emulator = await start();
    client = iot(emulator);
    await client.send(new CreateThingGroupCommand({ thingGroupName: 'page-group' }));
    for (const name of names) {
      await client.send(new CreateThingTypeCommand({ thingTypeName: `type-${name}` }));
      await client.send(new CreateThingGroupCommand({ thingGroupName: `group-${name}`, parentGroupName: 'page-group' }));
      await client.send(new CreateThingCommand({ thingName: name }));
    }
    certArns = [];
    for (let i = 0; i < N; i++) certArns.push((await client.send(new CreateKeysAndCertificateCommand({}))).certificateArn as string);
    for (const p of policies) {
      await client.send(new CreatePolicyCommand({ policyName: p, policyDocument: policyDocument() }));
      await client.send(new AttachPolicyCommand({ policyName: p, target: certArns[0] }));
    }
    for (const arn of certArns) {
      await client.send(new AttachThingPrincipalCommand({ thingName: names[0], principal: arn }));
      await client.send(new AttachPolicyCommand({ policyName: policies[0], target: arn }));
    }
    for (const name of names) await client.send(new AttachThingPrincipalCommand({ thingName: name, principal: certArns[1] }));
    for (const name of names) await client.send(new AddThingToThingGroupCommand({ thingGroupName: 'page-group', thingName: name }));
  });
  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });

  const cfg = () => ({ client, pageSize: 3 });

  it('pages maxResults/nextToken operations with the SDK paginators, in name order', async () => {
    const things = await collect(paginateListThings(cfg(), {}), (p) => p.things?.map((t) => t.thingName));
    expect(things).toEqual({ items: names, pages: 3 });
    const types = await collect(paginateListThingTypes(cfg(), {}), (p) => p.thingTypes?.map((t) => t.thingTypeName));
    expect(types.items).toEqual(names.map((n) => `type-${n}`));
    const groups = await collect(paginateListThingGroups(cfg(), { parentGroup: 'page-group' }), (p) => p.thingGroups?.map((g) => g.groupName));
    expect(groups).toEqual({ items: names.map((n) => `group-${n}`), pages: 3 });
    const members = await collect(paginateListThingsInThingGroup(cfg(), { thingGroupName: 'page-group' }), (p) => p.things);
    expect(members.items).toEqual(names);
    const principals = await collect(paginateListThingPrincipals(cfg(), { thingName: names[0] as string }), (p) => p.principals);
    expect(principals.items).toEqual([...certArns].sort());
    const principalsV2 = await collect(paginateListThingPrincipalsV2(cfg(), { thingName: names[0] as string }), (p) => p.thingPrincipalObjects);
    expect(principalsV2.pages).toBe(3);
    const principalThings = await collect(paginateListPrincipalThings(cfg(), { principal: certArns[1] as string }), (p) => p.things);
    expect(principalThings.items).toEqual(names);
  });

  it('pages pageSize/marker/nextMarker operations with the SDK paginators', async () => {
    const certs = await collect(paginateListCertificates(cfg(), { ascendingOrder: true }), (p) => p.certificates?.map((c) => c.certificateArn));
    expect(certs).toEqual({ items: certArns, pages: 3 });
    const pols = await collect(paginateListPolicies(cfg(), { ascendingOrder: true }), (p) => p.policies?.map((x) => x.policyName));
    expect(pols.items).toEqual(policies);
    const targets = await collect(paginateListTargetsForPolicy(cfg(), { policyName: policies[0] as string }), (p) => p.targets);
    expect(targets.items).toEqual([...certArns].sort());
    const attached = await collect(paginateListAttachedPolicies(cfg(), { target: certArns[0] as string }), (p) => p.policies?.map((x) => x.policyName));
    expect(attached).toEqual({ items: [...policies].sort(), pages: 3 });
  });

  it('sends nextMarker, not nextToken, from ListCertificates', async () => {
    const first = await client.send(new ListCertificatesCommand({ pageSize: 2 }));
    expect(first.certificates).toHaveLength(2);
    expect(first.nextMarker).toEqual(expect.any(String));
  });

  it('continues after a deleted item without repeating or skipping the rest', async () => {
    const fresh = await start();
    const c = iot(fresh);
    try {
      for (const n of ['a', 'b', 'c', 'd', 'e']) await c.send(new CreateThingCommand({ thingName: n }));
      const first = await c.send(new ListThingsCommand({ maxResults: 2 }));
      await c.send(new DeleteThingCommand({ thingName: 'b' }));
      const second = await c.send(new ListThingsCommand({ maxResults: 2, nextToken: first.nextToken }));
      expect([...(first.things ?? []), ...(second.things ?? [])].map((t) => t.thingName)).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      c.destroy();
      await fresh.close();
    }
  });

  it('refuses a page size outside 1–250 and a forged token with InvalidRequestException', async () => {
    const cases = [
      () => client.send(new ListThingsCommand({ maxResults: 251 })),
      () => client.send(new ListThingsCommand({ maxResults: 0 })),
      () => client.send(new ListCertificatesCommand({ pageSize: 251 })),
      () => client.send(new ListThingsCommand({ nextToken: 'forged' })),
      () => client.send(new ListCertificatesCommand({ marker: 'forged' })),
    ];
    for (const call of cases) expect((await failure(call())).name).toBe('InvalidRequestException');
    expect((await client.send(new ListThingsCommand({ maxResults: 250 }))).things).toHaveLength(N);
  });
});
