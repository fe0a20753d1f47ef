import {
  CreateProvisioningTemplateCommand,
  CreateProvisioningTemplateVersionCommand,
  CreatePolicyCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  DeleteProvisioningTemplateCommand,
  DescribeCertificateCommand,
  DescribeProvisioningTemplateCommand,
  DescribeThingCommand,
  ListAttachedPoliciesCommand,
  ListProvisioningTemplatesCommand,
  ListProvisioningTemplateVersionsCommand,
  ListThingGroupsForThingCommand,
  ListThingPrincipalsV2Command,
  RegisterCACertificateCommand,
  RegisterThingCommand,
  UpdateProvisioningTemplateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import type { RunningEmulator } from '../../lib/local/emulator';
import { failure, makeCa, policyDocument, PRIMARY, uniqueName, useEmulator } from '../support/emulator';

let emulator: RunningEmulator;
let client: IoTClient;
useEmulator(
  (e, c) => {
    emulator = e;
    client = c;
  },
  { registryEvents: 'all' },
);

const ROLE = 'arn:aws:iam::123456789012:role/provisioning';

/** Calls a provisioning admin path; resolves with the status and JSON body. */
async function admin(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${emulator.url}/_emulator/provisioning/${path}?region=${PRIMARY}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The events logged in the primary since `from` (a log length), flushed. */
async function eventsSince(from: number) {
  await emulator.events.flush();
  return emulator.events.log(PRIMARY).slice(from);
}

const cloudTrailNames = (events: Awaited<ReturnType<typeof eventsSince>>) => events.flatMap((e) => (e.type === 'cloudtrail' ? [String(e.event.detail.eventName)] : []));
const registryTopics = (events: Awaited<ReturnType<typeof eventsSince>>) => events.flatMap((e) => (e.type === 'registry' ? [e.topic] : []));

/** A fleet-provisioning style template: the certificate by its ID, an existing policy, a typed thing in a group. */
function deviceTemplate(policyName: string, typeName: string, groupName: string): string {
  return JSON.stringify({
    Parameters: { SerialNumber: { Type: 'String' }, Floor: { Type: 'String', Default: '1' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
    Resources: {
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: policyName } },
      thing: {
        Type: 'AWS::IoT::Thing',
        Properties: {
          ThingName: { 'Fn::Join': ['', ['dev-', { Ref: 'SerialNumber' }]] },
          ThingTypeName: typeName,
          AttributePayload: { floor: { Ref: 'Floor' } },
          ThingGroups: [groupName],
        },
      },
    },
    DeviceConfiguration: { Endpoint: { 'Fn::Sub': 'serial-${SerialNumber}' } },
  });
}

async function sharedResources() {
  const policyName = uniqueName('fleet');
  const typeName = uniqueName('type');
  const groupName = uniqueName('group');
  await client.send(new CreatePolicyCommand({ policyName, policyDocument: policyDocument() }));
  await client.send(new CreateThingTypeCommand({ thingTypeName: typeName }));
  await client.send(new CreateThingGroupCommand({ thingGroupName: groupName }));
  return { policyName, typeName, groupName };
}

async function expectDevice(thingName: string, certificateId: string, policyName: string, typeName: string, groupName: string) {
  expect(await client.send(new DescribeThingCommand({ thingName }))).toMatchObject({ thingTypeName: typeName });
  expect((await client.send(new DescribeCertificateCommand({ certificateId }))).certificateDescription?.status).toBe('ACTIVE');
  const certificateArn = `arn:aws:iot:${PRIMARY}:123456789012:cert/${certificateId}`;
  expect((await client.send(new ListAttachedPoliciesCommand({ target: certificateArn }))).policies?.map((p) => p.policyName)).toEqual([policyName]);
  expect((await client.send(new ListThingGroupsForThingCommand({ thingName }))).thingGroups?.map((g) => g.groupName)).toEqual([groupName]);
  expect((await client.send(new ListThingPrincipalsV2Command({ thingName }))).thingPrincipalObjects?.map((p) => p.principal)).toEqual([certificateArn]);
}

describe('RegisterThing (control plane)', () => {
  it('creates what the template says, with one CloudTrail record and the registry events of the thing', async () => {
    const { typeName, groupName } = await sharedResources();
    const ca = await makeCa(uniqueName('rt-ca'));
    await client.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, certificateMode: 'SNI_ONLY', setAsActive: true }));
    const pem = await ca.issue('rt-device');
    const serial = uniqueName('rt');
    const body = JSON.stringify({
      Parameters: { ThingName: { Type: 'String' }, CertificatePem: { Type: 'String' }, CaPem: { Type: 'String' } },
      Resources: {
        certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificatePem: { Ref: 'CertificatePem' }, CACertificatePem: { Ref: 'CaPem' }, Status: 'ACTIVE' } },
        policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: policyDocument('iot:Publish') } },
        thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'ThingName' }, ThingTypeName: typeName, ThingGroups: [groupName] } },
      },
    });
    const from = emulator.events.log(PRIMARY).length;

    const out = await client.send(new RegisterThingCommand({ templateBody: body, parameters: { ThingName: serial, CertificatePem: pem, CaPem: ca.pem } }));

    expect(out.certificatePem).toBe(pem);
    expect(out.resourceArns?.thing).toBe(`arn:aws:iot:${PRIMARY}:123456789012:thing/${serial}`);
    const certificateId = out.resourceArns!.certificate!.split('/').pop()!;
    const policyName = out.resourceArns!.policy!.split('/').pop()!;
    expect(policyName).toMatch(/^[0-9a-f]{64}$/);
    await expectDevice(serial, certificateId, policyName, typeName, groupName);
    const events = await eventsSince(from);
    expect(cloudTrailNames(events)).toEqual(['RegisterThing']);
    expect(registryTopics(events)).toEqual(
      expect.arrayContaining([`$aws/events/thing/${serial}/created`, `$aws/events/thingGroupMembership/thingGroup/${groupName}/thing/${serial}/added`]),
    );
  });

  it('names the bad template field and the missing parameter', async () => {
    const noValue = JSON.stringify({ Parameters: { ThingName: { Type: 'String' } }, Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'ThingName' } } } } });
    expect((await failure(client.send(new RegisterThingCommand({ templateBody: noValue })))).message).toMatch(/Resources\.thing\.Properties.*ThingName has no value/);
    const badType = JSON.stringify({ Resources: { x: { Type: 'AWS::S3::Bucket' } } });
    expect((await failure(client.send(new RegisterThingCommand({ templateBody: badType })))).message).toMatch(/Resources\.x\.Type/);
  });
});

describe('provisioning templates', () => {
  it('are created, described, listed, versioned, updated and deleted', async () => {
    const templateName = uniqueName('tpl');
    const body = deviceTemplate('p', 't', 'g');
    await client.send(new CreateProvisioningTemplateCommand({ templateName, templateBody: body, provisioningRoleArn: ROLE, enabled: false }));
    expect(await client.send(new DescribeProvisioningTemplateCommand({ templateName }))).toMatchObject({ templateName, enabled: false, defaultVersionId: 1, templateBody: body, type: 'FLEET_PROVISIONING' });
    const body2 = deviceTemplate('p2', 't', 'g');
    await client.send(new CreateProvisioningTemplateVersionCommand({ templateName, templateBody: body2, setAsDefault: true }));
    await client.send(new UpdateProvisioningTemplateCommand({ templateName, enabled: true, preProvisioningHook: { targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:hook' } }));
    expect(await client.send(new DescribeProvisioningTemplateCommand({ templateName }))).toMatchObject({
      enabled: true,
      defaultVersionId: 2,
      templateBody: body2,
      preProvisioningHook: { targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:hook' },
    });
    expect((await client.send(new ListProvisioningTemplateVersionsCommand({ templateName }))).versions?.map((v) => [v.versionId, v.isDefaultVersion])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect((await client.send(new ListProvisioningTemplatesCommand({}))).templates?.map((t) => t.templateName)).toContain(templateName);
    await client.send(new DeleteProvisioningTemplateCommand({ templateName }));
    expect((await failure(client.send(new DescribeProvisioningTemplateCommand({ templateName })))).name).toBe('ResourceNotFoundException');
  });
});

describe('fleet provisioning by claim (admin path standing in for MQTT)', () => {
  it('provisions a whole device with no CloudTrail record, only the registry events of the thing', async () => {
    const { policyName, typeName, groupName } = await sharedResources();
    const templateName = uniqueName('fp');
    await client.send(new CreateProvisioningTemplateCommand({ templateName, templateBody: deviceTemplate(policyName, typeName, groupName), provisioningRoleArn: ROLE, enabled: true }));
    const serial = uniqueName('s');
    const from = emulator.events.log(PRIMARY).length;

    const keys = await admin('create-keys-and-certificate', {});
    const provisioned = await admin(`templates/${templateName}/provision`, { certificateOwnershipToken: keys.body.certificateOwnershipToken, parameters: { SerialNumber: serial } });

    expect(keys.status).toBe(200);
    expect(keys.body.privateKey).toMatch(/BEGIN PRIVATE KEY/);
    expect(provisioned).toEqual({ status: 200, body: { thingName: `dev-${serial}`, deviceConfiguration: { Endpoint: `serial-${serial}` } } });
    await expectDevice(`dev-${serial}`, String(keys.body.certificateId), policyName, typeName, groupName);
    const events = await eventsSince(from);
    expect(cloudTrailNames(events)).toEqual([]);
    expect(registryTopics(events)).toEqual(expect.arrayContaining([`$aws/events/thing/dev-${serial}/created`]));
    // A token is used once.
    const again = await admin(`templates/${templateName}/provision`, { certificateOwnershipToken: keys.body.certificateOwnershipToken, parameters: { SerialNumber: 'x' } });
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/certificateOwnershipToken/);
  });

  it('refuses a disabled template and a missing region, naming what is wrong', async () => {
    const templateName = uniqueName('off');
    await client.send(new CreateProvisioningTemplateCommand({ templateName, templateBody: deviceTemplate('p', 't', 'g'), provisioningRoleArn: ROLE }));
    const keys = await admin('create-keys-and-certificate', {});
    const r = await admin(`templates/${templateName}/provision`, { certificateOwnershipToken: keys.body.certificateOwnershipToken });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/disabled/);
    const noRegion = await fetch(`${emulator.url}/_emulator/provisioning/create-keys-and-certificate`, { method: 'POST' });
    expect(noRegion.status).toBe(400);
    expect(((await noRegion.json()) as { message: string }).message).toMatch(/region/);
  });
});

describe('just-in-time provisioning (admin path standing in for the first connection)', () => {
  it("provisions from the CA's registrationConfig with the certificate's subject as parameters, with no CloudTrail record", async () => {
    const { policyName, typeName, groupName } = await sharedResources();
    const ca = await makeCa(uniqueName('jitp-ca'));
    const templateBody = JSON.stringify({
      Parameters: { 'AWS::IoT::Certificate::CommonName': { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
      Resources: {
        certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
        policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: policyName } },
        thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'AWS::IoT::Certificate::CommonName' }, ThingTypeName: typeName, ThingGroups: [groupName] } },
      },
    });
    await client.send(
      new RegisterCACertificateCommand({ caCertificate: ca.pem, certificateMode: 'SNI_ONLY', setAsActive: true, allowAutoRegistration: true, registrationConfig: { templateBody, roleArn: ROLE } }),
    );
    const thingName = uniqueName('jitp');
    const pem = await ca.issue(thingName);
    const from = emulator.events.log(PRIMARY).length;

    const r = await admin('jitp', { certificatePem: pem });

    expect(r.status).toBe(200);
    await expectDevice(thingName, String(r.body.certificateId), policyName, typeName, groupName);
    const events = await eventsSince(from);
    expect(cloudTrailNames(events)).toEqual([]);
    expect(registryTopics(events)).toContain(`$aws/events/thing/${thingName}/created`);
  });
});
