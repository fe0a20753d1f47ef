import {
  CreateProvisioningTemplateCommand,
  CreateRoleAliasCommand,
  DeleteRoleAliasCommand,
  DescribeRoleAliasCommand,
  ListRoleAliasesCommand,
  UpdateRoleAliasCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import type { RunningEmulator } from '../../lib/local/emulator';
import { failure, PRIMARY, uniqueName, useEmulator } from '../support/emulator';

let emulator: RunningEmulator;
let client: IoTClient;
useEmulator((e, c) => {
  emulator = e;
  client = c;
});

const ROLE = 'arn:aws:iam::123456789012:role/device-credentials';

describe('role aliases', () => {
  it('are created with the default duration, described, listed, updated and deleted, one CloudTrail record per write', async () => {
    const name = uniqueName('alias');
    await emulator.events.flush();
    const from = emulator.events.log(PRIMARY).length;
    await client.send(new CreateRoleAliasCommand({ roleAlias: name, roleArn: ROLE }));
    expect((await client.send(new DescribeRoleAliasCommand({ roleAlias: name }))).roleAliasDescription).toMatchObject({
      roleAlias: name,
      roleArn: ROLE,
      credentialDurationSeconds: 3600,
      roleAliasArn: `arn:aws:iot:${PRIMARY}:123456789012:rolealias/${name}`,
    });
    expect((await client.send(new ListRoleAliasesCommand({ ascendingOrder: true }))).roleAliases).toContain(name);
    await client.send(new UpdateRoleAliasCommand({ roleAlias: name, credentialDurationSeconds: 7200 }));
    expect((await client.send(new DescribeRoleAliasCommand({ roleAlias: name }))).roleAliasDescription?.credentialDurationSeconds).toBe(7200);
    await client.send(new DeleteRoleAliasCommand({ roleAlias: name }));
    expect(await failure(client.send(new DescribeRoleAliasCommand({ roleAlias: name })))).toMatchObject({ name: 'ResourceNotFoundException' });
    await emulator.events.flush();
    const names = emulator.events.log(PRIMARY).slice(from).flatMap((e) => (e.type === 'cloudtrail' ? [String(e.event.detail.eventName)] : []));
    expect(names).toEqual(['CreateRoleAlias', 'UpdateRoleAlias', 'DeleteRoleAlias']);
  });

  it('refuses a duration outside 900–43200 seconds, a role that is not an IAM role ARN, and a duplicate, naming the field', async () => {
    const name = uniqueName('alias');
    expect(await failure(client.send(new CreateRoleAliasCommand({ roleAlias: name, roleArn: ROLE, credentialDurationSeconds: 60 })))).toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringContaining('credentialDurationSeconds'),
    });
    expect(await failure(client.send(new CreateRoleAliasCommand({ roleAlias: name, roleArn: 'arn:aws:s3:::bucket-name-here' })))).toMatchObject({ message: expect.stringContaining('roleArn') });
    await client.send(new CreateRoleAliasCommand({ roleAlias: name, roleArn: ROLE }));
    expect(await failure(client.send(new CreateRoleAliasCommand({ roleAlias: name, roleArn: ROLE })))).toMatchObject({ name: 'ResourceAlreadyExistsException' });
  });

  it('shows role aliases and provisioning templates in the admin dump', async () => {
    const alias = uniqueName('alias');
    const template = uniqueName('tpl');
    await client.send(new CreateRoleAliasCommand({ roleAlias: alias, roleArn: ROLE }));
    await client.send(new CreateProvisioningTemplateCommand({ templateName: template, templateBody: '{"Resources":{}}', provisioningRoleArn: ROLE }));
    const dump = (await (await fetch(`${emulator.url}/_emulator/dump?region=${PRIMARY}`)).json()) as { roleAliases: Record<string, unknown>; provisioningTemplates: Record<string, unknown> };
    expect(dump.roleAliases[alias]).toMatchObject({ roleArn: ROLE, credentialDurationSeconds: 3600 });
    expect(dump.provisioningTemplates[template]).toMatchObject({ name: template, provisioningRoleArn: ROLE });
  });
});
