import {
  CreatePolicyCommand,
  DescribeThingCommand,
  DescribeThingRegistrationTaskCommand,
  ListThingRegistrationTaskReportsCommand,
  ListThingRegistrationTasksCommand,
  StartThingRegistrationTaskCommand,
  StopThingRegistrationTaskCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import type { RunningEmulator } from '../../lib/local/emulator';
import { failure, policyDocument, PRIMARY, uniqueName, useEmulator } from '../support/emulator';

let emulator: RunningEmulator;
let client: IoTClient;
useEmulator(
  (e, c) => {
    emulator = e;
    client = c;
  },
  { registryEvents: 'all' },
);

const ROLE = 'arn:aws:iam::123456789012:role/bulk';

async function putFile(bucket: string, key: string, content: string): Promise<void> {
  const res = await fetch(`${emulator.url}/_emulator/provisioning/files/${bucket}/${key}?region=${PRIMARY}`, { method: 'PUT', body: content });
  expect(res.status).toBe(200);
}

describe('StartThingRegistrationTask', () => {
  it('registers one device per input line, reports results and errors, and writes one CloudTrail record', async () => {
    const policy = uniqueName('bulk-policy');
    await client.send(new CreatePolicyCommand({ policyName: policy, policyDocument: policyDocument() }));
    const prefix = uniqueName('bulk');
    const templateBody = JSON.stringify({
      Parameters: { ThingName: { Type: 'String' }, Floor: { Type: 'String' } },
      Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'ThingName' }, AttributePayload: { floor: { Ref: 'Floor' } } } }, policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: policy } } },
    });
    const lines = [{ ThingName: `${prefix}-1`, Floor: '1' }, { ThingName: 'not a valid name', Floor: '2' }, { ThingName: `${prefix}-3`, Floor: 3 }];
    await putFile('bulk-input', `${prefix}.json`, lines.map((l) => JSON.stringify(l)).join('\n'));
    await emulator.events.flush();
    const from = emulator.events.log(PRIMARY).length;

    const { taskId } = await client.send(new StartThingRegistrationTaskCommand({ templateBody, inputFileBucket: 'bulk-input', inputFileKey: `${prefix}.json`, roleArn: ROLE }));

    expect(await client.send(new DescribeThingRegistrationTaskCommand({ taskId }))).toMatchObject({ status: 'Completed', successCount: 2, failureCount: 1, inputFileBucket: 'bulk-input' });
    expect((await client.send(new ListThingRegistrationTasksCommand({}))).taskIds).toContain(taskId);
    expect((await client.send(new DescribeThingCommand({ thingName: `${prefix}-3` }))).attributes).toEqual({ floor: '3' });
    const [resultsLink] = (await client.send(new ListThingRegistrationTaskReportsCommand({ taskId, reportType: 'RESULTS' }))).resourceLinks ?? [];
    const results = (await (await fetch(resultsLink!)).text()).split('\n').map((l) => JSON.parse(l) as { referenceId: string; response: { ResourceArns: { thing: string } } });
    expect(results.map((r) => [r.referenceId, r.response.ResourceArns.thing.split('/')[1]])).toEqual([['0', `${prefix}-1`], ['2', `${prefix}-3`]]);
    const [errorsLink] = (await client.send(new ListThingRegistrationTaskReportsCommand({ taskId, reportType: 'ERRORS' }))).resourceLinks ?? [];
    expect(JSON.parse(await (await fetch(errorsLink!)).text())).toMatchObject({ referenceId: '1', errorCode: 'InvalidRequestException' });

    await emulator.events.flush();
    const events = emulator.events.log(PRIMARY).slice(from);
    expect(events.flatMap((e) => (e.type === 'cloudtrail' ? [String(e.event.detail.eventName)] : []))).toEqual(['StartThingRegistrationTask']);
    expect(events.filter((e) => e.type === 'registry' && e.topic.endsWith('/created')).map((e) => (e.type === 'registry' ? e.topic : ''))).toEqual([
      `$aws/events/thing/${prefix}-1/created`,
      `$aws/events/thing/${prefix}-3/created`,
    ]);
    expect(await failure(client.send(new StopThingRegistrationTaskCommand({ taskId })))).toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('Completed') });
  });

  it('refuses a task whose input file was never put, naming the admin path', async () => {
    expect(await failure(client.send(new StartThingRegistrationTaskCommand({ templateBody: '{"Resources":{}}', inputFileBucket: 'nowhere', inputFileKey: 'x.json', roleArn: ROLE })))).toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringContaining('/_emulator/provisioning/files/nowhere/x.json'),
    });
  });
});
