import { IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { startEmulator, type RunningEmulator } from '../../lib/local/emulator';

const template = {
  Resources: {
    Reader: { Type: 'AWS::IAM::Role', Properties: {} },
    ReaderPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'Reader' }],
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:ListThings', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } } }] },
      },
    },
  },
};

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ quotaScale: 0, iam: { template, stackRegion: 'us-east-1' } });
});
afterAll(() => emulator.close());

const client = (accessKeyId: string, region: string) =>
  new IoTClient({ region, endpoint: emulator.url, maxAttempts: 1, credentials: { accessKeyId, secretAccessKey: 'local' } });

describe('the emulator under a template’s IAM', () => {
  it('answers a role’s call outside its grants with 403 AccessDeniedException and counts it', async () => {
    await expect(client('Reader', 'us-east-1').send(new ListThingsCommand({}))).resolves.toMatchObject({ things: [] });
    const denied = await client('Reader', 'eu-west-1').send(new ListThingsCommand({})).catch((e: unknown) => e);
    expect(denied).toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
      message: expect.stringContaining('User: arn:aws:sts::123456789012:assumed-role/Reader/local is not authorized to perform: iot:ListThings on resource: *'),
    });
    expect(emulator.stats().byRegion['eu-west-1']?.ListThings).toMatchObject({ requests: 1, errors: 1, denied: 1 });
  });

  it('leaves a key that names no role of the template unrestricted', async () => {
    await expect(client('operator', 'eu-west-1').send(new ListThingsCommand({}))).resolves.toMatchObject({ things: [] });
  });

  it('rejects IAM settings without a region, naming the field', async () => {
    await expect(startEmulator({ iam: { template, stackRegion: 'nowhere' } })).rejects.toThrow('stackRegion');
  });
});
