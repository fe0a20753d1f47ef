import {
  AttachPolicyCommand,
  AttachPrincipalPolicyCommand,
  CreateDynamicThingGroupCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateThingGroupCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachPolicyCommand,
  DetachPrincipalPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListTargetsForPolicyCommand,
  SetDefaultPolicyVersionCommand,
} from '@aws-sdk/client-iot';
import { failure, iot, policyDocument, PRIMARY, SECONDARY, start, uniqueName, useEmulator } from '../support/emulator';
import { ACCOUNT } from '../support/constants';

describe('emulator: policies', () => {
  let client: IoTClient;

  useEmulator((_emulator, c) => {
    client = c;
  });

  const policy = async (name = uniqueName('pol'), doc = policyDocument()) => {
    await client.send(new CreatePolicyCommand({ policyName: name, policyDocument: doc }));
    return name;
  };
  const newCert = () => client.send(new CreateKeysAndCertificateCommand({}));

  it('creates a policy whose version 1 is the default, and gets it', async () => {
    const doc = policyDocument('iot:Publish');
    const name = uniqueName('p');
    const created = await client.send(new CreatePolicyCommand({ policyName: name, policyDocument: doc }));
    expect(created).toMatchObject({ policyName: name, policyVersionId: '1', policyArn: `arn:aws:iot:${PRIMARY}:${ACCOUNT}:policy/${name}` });
    const got = await client.send(new GetPolicyCommand({ policyName: name }));
    expect(got).toMatchObject({ policyDocument: doc, defaultVersionId: '1', generationId: expect.any(String) });
    expect((await failure(client.send(new CreatePolicyCommand({ policyName: name, policyDocument: doc })))).name).toBe('ResourceAlreadyExistsException');
    expect((await failure(client.send(new GetPolicyCommand({ policyName: 'missing-policy' })))).name).toBe('ResourceNotFoundException');
  });

  it('answers invalid JSON, a missing statement and a document over 2048 non-whitespace characters with MalformedPolicyException', async () => {
    const big = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:${PRIMARY}:${ACCOUNT}:client/${'x'.repeat(2100)}` }] });
    for (const doc of ['{not json', JSON.stringify({ Version: '2012-10-17' }), big]) {
      const err = await failure(client.send(new CreatePolicyCommand({ policyName: uniqueName('bad'), policyDocument: doc })));
      expect(err.name).toBe('MalformedPolicyException');
    }
    // Whitespace does not count towards the limit.
    const spaced = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] }, null, 1) + ' '.repeat(3000);
    await policy(uniqueName('spaced'), spaced);
  });

  it('keeps at most 5 versions, sets and lists defaults, and never deletes the default version', async () => {
    const name = await policy();
    for (let i = 2; i <= 5; i++) {
      const v = await client.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: policyDocument(`iot:V${i}`), setAsDefault: i === 3 }));
      expect(v).toMatchObject({ policyVersionId: String(i), isDefaultVersion: i === 3 });
    }
    const sixth = await failure(client.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: policyDocument() })));
    expect(sixth.name).toBe('VersionsLimitExceededException');
    expect(sixth.$metadata.httpStatusCode).toBe(409);
    expect((await client.send(new GetPolicyCommand({ policyName: name }))).defaultVersionId).toBe('3');
    const versions = await client.send(new ListPolicyVersionsCommand({ policyName: name }));
    expect(versions.policyVersions?.map((v) => [v.versionId, v.isDefaultVersion])).toEqual([
      ['5', false],
      ['4', false],
      ['3', true],
      ['2', false],
      ['1', false],
    ]);
    expect((await failure(client.send(new DeletePolicyVersionCommand({ policyName: name, policyVersionId: '3' })))).name).toBe('DeleteConflictException');
    await client.send(new SetDefaultPolicyVersionCommand({ policyName: name, policyVersionId: '5' }));
    const v5 = await client.send(new GetPolicyVersionCommand({ policyName: name, policyVersionId: '5' }));
    expect(v5).toMatchObject({ isDefaultVersion: true, policyDocument: policyDocument('iot:V5') });
    await client.send(new DeletePolicyVersionCommand({ policyName: name, policyVersionId: '3' }));
    expect((await failure(client.send(new GetPolicyVersionCommand({ policyName: name, policyVersionId: '3' })))).name).toBe('ResourceNotFoundException');
    expect((await failure(client.send(new SetDefaultPolicyVersionCommand({ policyName: name, policyVersionId: '9' })))).name).toBe('ResourceNotFoundException');
  });

  it('refuses DeletePolicy while attached or with non-default versions', async () => {
    const name = await policy();
    const cert = await newCert();
    await client.send(new AttachPolicyCommand({ policyName: name, target: cert.certificateArn }));
    expect((await failure(client.send(new DeletePolicyCommand({ policyName: name })))).name).toBe('DeleteConflictException');
    await client.send(new DetachPolicyCommand({ policyName: name, target: cert.certificateArn }));
    await client.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: policyDocument('iot:Other') }));
    expect((await failure(client.send(new DeletePolicyCommand({ policyName: name })))).message).toMatch(/versions/);
    await client.send(new DeletePolicyVersionCommand({ policyName: name, policyVersionId: '2' }));
    await client.send(new DeletePolicyCommand({ policyName: name }));
    expect((await failure(client.send(new GetPolicyCommand({ policyName: name })))).name).toBe('ResourceNotFoundException');
  });

  it('attaches to certificates and static thing groups of the region, twice being a no-op', async () => {
    const name = await policy();
    const cert = await newCert();
    const group = (await client.send(new CreateThingGroupCommand({ thingGroupName: uniqueName('pg') }))).thingGroupArn as string;
    await client.send(new AttachPolicyCommand({ policyName: name, target: cert.certificateArn }));
    await client.send(new AttachPolicyCommand({ policyName: name, target: cert.certificateArn }));
    await client.send(new AttachPolicyCommand({ policyName: name, target: group }));
    const targets = await client.send(new ListTargetsForPolicyCommand({ policyName: name }));
    expect(targets.targets).toEqual([cert.certificateArn, group].sort());
    expect((await client.send(new ListAttachedPoliciesCommand({ target: cert.certificateArn }))).policies).toEqual([
      { policyName: name, policyArn: `arn:aws:iot:${PRIMARY}:${ACCOUNT}:policy/${name}` },
    ]);
  });

  it('answers a target that does not exist with ResourceNotFoundException and a foreign or malformed one with InvalidRequestException', async () => {
    const name = await policy();
    const missingCert = `arn:aws:iot:${PRIMARY}:${ACCOUNT}:cert/${'a'.repeat(64)}`;
    expect((await failure(client.send(new AttachPolicyCommand({ policyName: name, target: missingCert })))).name).toBe('ResourceNotFoundException');
    const missingGroup = `arn:aws:iot:${PRIMARY}:${ACCOUNT}:thinggroup/nope`;
    expect((await failure(client.send(new AttachPolicyCommand({ policyName: name, target: missingGroup })))).name).toBe('ResourceNotFoundException');
    const cert = await newCert();
    const foreign = (cert.certificateArn as string).replace(PRIMARY, SECONDARY);
    expect((await failure(client.send(new AttachPolicyCommand({ policyName: name, target: foreign })))).name).toBe('InvalidRequestException');
    expect((await failure(client.send(new AttachPolicyCommand({ policyName: name, target: 'garbage' })))).name).toBe('InvalidRequestException');
    expect((await failure(client.send(new AttachPolicyCommand({ policyName: 'missing-policy', target: cert.certificateArn })))).name).toBe('ResourceNotFoundException');
  });

  it('refuses policies on dynamic thing groups', async () => {
    const name = await policy();
    const dyn = await client.send(new CreateDynamicThingGroupCommand({ thingGroupName: uniqueName('dynpol'), queryString: 'thingName:a*' }));
    expect((await failure(client.send(new AttachPolicyCommand({ policyName: name, target: dyn.thingGroupArn })))).name).toBe('InvalidRequestException');
  });

  it('allows at most 10 policies per certificate (LimitExceededException)', async () => {
    const cert = await newCert();
    for (let i = 0; i < 10; i++) await client.send(new AttachPolicyCommand({ policyName: await policy(), target: cert.certificateArn }));
    const err = await failure(client.send(new AttachPolicyCommand({ policyName: await policy(), target: cert.certificateArn })));
    expect(err.name).toBe('LimitExceededException');
    expect(err.$metadata.httpStatusCode).toBe(410);
  });

  it('supports the deprecated AttachPrincipalPolicy / DetachPrincipalPolicy', async () => {
    const name = await policy();
    const cert = await newCert();
    await client.send(new AttachPrincipalPolicyCommand({ policyName: name, principal: cert.certificateArn }));
    expect((await client.send(new ListTargetsForPolicyCommand({ policyName: name }))).targets).toEqual([cert.certificateArn]);
    await client.send(new DetachPrincipalPolicyCommand({ policyName: name, principal: cert.certificateArn }));
    expect((await client.send(new ListTargetsForPolicyCommand({ policyName: name }))).targets).toEqual([]);
  });

  it('lists policies inherited from parent groups with recursive=true', async () => {
    const parent = uniqueName('inherit-p');
    const child = uniqueName('inherit-c');
    const parentArn = (await client.send(new CreateThingGroupCommand({ thingGroupName: parent }))).thingGroupArn as string;
    const childArn = (await client.send(new CreateThingGroupCommand({ thingGroupName: child, parentGroupName: parent }))).thingGroupArn as string;
    const onParent = await policy();
    const onChild = await policy();
    await client.send(new AttachPolicyCommand({ policyName: onParent, target: parentArn }));
    await client.send(new AttachPolicyCommand({ policyName: onChild, target: childArn }));
    expect((await client.send(new ListAttachedPoliciesCommand({ target: childArn }))).policies?.map((p) => p.policyName)).toEqual([onChild]);
    const recursive = await client.send(new ListAttachedPoliciesCommand({ target: childArn, recursive: true }));
    expect(recursive.policies?.map((p) => p.policyName)).toEqual([onParent, onChild].sort());
  });

  it('lists policies newest first and oldest first with ascendingOrder', async () => {
    const fresh = await start();
    const c = iot(fresh);
    try {
      for (const n of ['b', 'a', 'c']) await c.send(new CreatePolicyCommand({ policyName: n, policyDocument: policyDocument() }));
      expect((await c.send(new ListPoliciesCommand({}))).policies?.map((p) => p.policyName)).toEqual(['c', 'a', 'b']);
      expect((await c.send(new ListPoliciesCommand({ ascendingOrder: true }))).policies?.map((p) => p.policyName)).toEqual(['b', 'a', 'c']);
    } finally {
      c.destroy();
      await fresh.close();
    }
  });
});
