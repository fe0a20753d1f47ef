import { request } from 'node:http';
import {
  CreateThingCommand,
  DescribeThingCommand,
  IoTClient,
  IoTServiceException,
  ListJobsCommand,
  ListThingsCommand,
} from '@aws-sdk/client-iot';
import { startEmulator, type RunningEmulator } from '../../lib/local/emulator';
import { Router } from '../../lib/local/emulator/router';
import { failure, iot, PRIMARY, SECONDARY, start, uniqueName } from '../support/emulator';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(emulator: RunningEmulator, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const signed = (region: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=AKID/20261123/${region}/iot/aws4_request, SignedHeaders=host, Signature=0` });

describe('Router', () => {
  const router = new Router();

  it('maps method and path templates to operations, decoding labels', () => {
    expect(router.match('GET', '/things/my%20thing%3Ax')).toEqual({ route: expect.objectContaining({ operation: 'DescribeThing' }), labels: { thingName: 'my thing:x' } });
    expect(router.match('PUT', '/thing-groups/addThingToThingGroup')?.route.operation).toBe('AddThingToThingGroup');
    expect(router.match('PATCH', '/thing-groups/g1')?.route.operation).toBe('UpdateThingGroup');
    expect(router.match('GET', '/things/t/principals-v2')?.route.operation).toBe('ListThingPrincipalsV2');
    expect(router.match('PATCH', '/policies/p/version/3')?.labels).toEqual({ policyName: 'p', policyVersionId: '3' });
    expect(router.match('GET', '/jobs')).toBeUndefined();
    expect(router.match('POST', '/things/')).toBeUndefined();
  });
});

describe('emulator: server', () => {
  let emulator: RunningEmulator;
  let primary: IoTClient;
  let secondary: IoTClient;

  beforeAll(async () => {
    emulator = await start();
    primary = iot(emulator, PRIMARY);
    secondary = iot(emulator, SECONDARY);
  });
  afterAll(async () => {
    primary.destroy();
    secondary.destroy();
    await emulator.close();
  });

  it('keeps one registry per region, read from the SigV4 credential scope', async () => {
    const name = uniqueName('regional');
    const a = await primary.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { r: 'primary' } } }));
    expect((await failure(secondary.send(new DescribeThingCommand({ thingName: name })))).name).toBe('ResourceNotFoundException');
    const b = await secondary.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { r: 'secondary' } } }));
    expect(a.thingArn).toBe(`arn:aws:iot:${PRIMARY}:123456789012:thing/${name}`);
    expect(b.thingArn).toBe(`arn:aws:iot:${SECONDARY}:123456789012:thing/${name}`);
    expect(b.thingId).not.toBe(a.thingId);
    expect((await primary.send(new DescribeThingCommand({ thingName: name }))).attributes).toEqual({ r: 'primary' });
  });

  it('answers an operation it does not implement with a 404 UnknownOperationException the SDK surfaces as an error', async () => {
    const err = await failure(primary.send(new ListJobsCommand({})));
    expect(err).toBeInstanceOf(IoTServiceException);
    expect(err.name).toBe('UnknownOperationException');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it('sends errors with x-amzn-ErrorType, a request ID and a JSON message', async () => {
    const res = await raw(emulator, 'GET', '/things/nothing-here', signed(PRIMARY));
    expect(res.status).toBe(404);
    expect(res.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(res.body)).toEqual({ message: expect.stringContaining('nothing-here') });
  });

  it('refuses an unsigned request with 403', async () => {
    const res = await raw(emulator, 'GET', '/things');
    expect(res.status).toBe(403);
    expect(res.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
  });

  it('answers a malformed body or query value with InvalidRequestException', async () => {
    const body = await raw(emulator, 'POST', `/things/${uniqueName('x')}`, { ...signed(PRIMARY), 'content-type': 'application/json' }, '{oops');
    expect([body.status, body.headers['x-amzn-errortype']]).toEqual([400, 'InvalidRequestException']);
    const query = await raw(emulator, 'GET', '/things?maxResults=many', signed(PRIMARY));
    expect([query.status, query.headers['x-amzn-errortype']]).toEqual([400, 'InvalidRequestException']);
  });

  it('serves admin paths outside the AWS API: stats, dump, events, config and reset of one region', async () => {
    const name = uniqueName('admin');
    await primary.send(new CreateThingCommand({ thingName: name }));
    await secondary.send(new CreateThingCommand({ thingName: name }));
    const stats = JSON.parse((await raw(emulator, 'GET', '/_emulator/stats')).body);
    expect(stats.byRegion[PRIMARY].CreateThing.requests).toBeGreaterThan(0);
    const dump = JSON.parse((await raw(emulator, 'GET', `/_emulator/dump?region=${PRIMARY}`)).body);
    expect(dump.things[name]).toMatchObject({ name, version: 1 });
    const events = JSON.parse((await raw(emulator, 'GET', `/_emulator/events?region=${PRIMARY}`)).body);
    expect(events.events.some((e: { type: string }) => e.type === 'cloudtrail')).toBe(true);
    const config = JSON.parse((await raw(emulator, 'POST', '/_emulator/config', {}, JSON.stringify({ latencyMs: 0, faultRate: 0 }))).body);
    expect(config).toEqual({ quotaScale: 0, faultRate: 0, throttleRate: 0, latencyMs: 0 });
    expect((await raw(emulator, 'POST', '/_emulator/config', {}, JSON.stringify({ bogus: 1 }))).status).toBe(400);
    expect((await raw(emulator, 'POST', `/_emulator/reset?region=${PRIMARY}`)).status).toBe(200);
    expect((await failure(primary.send(new DescribeThingCommand({ thingName: name })))).name).toBe('ResourceNotFoundException');
    expect((await secondary.send(new DescribeThingCommand({ thingName: name }))).thingName).toBe(name);
    expect((await raw(emulator, 'GET', '/_emulator/unknown')).status).toBe(404);
  });

  it('resets all regions and the counters through the API', async () => {
    await primary.send(new CreateThingCommand({ thingName: uniqueName('gone') }));
    emulator.reset();
    emulator.resetStats();
    expect((await primary.send(new ListThingsCommand({}))).things).toEqual([]);
    expect(emulator.stats().total.requests).toBe(1);
  });
});

describe('startEmulator options', () => {
  it('uses the configured account ID in ARNs', async () => {
    const emulator = await start({ accountId: '999988887777' });
    const client = iot(emulator);
    try {
      const { thingArn } = await client.send(new CreateThingCommand({ thingName: 'acct' }));
      expect(thingArn).toBe(`arn:aws:iot:${PRIMARY}:999988887777:thing/acct`);
    } finally {
      client.destroy();
      await emulator.close();
    }
  });

  it('fails loudly on invalid or unknown options', async () => {
    await expect(startEmulator({ faultRate: 3 })).rejects.toThrow(/faultRate/);
    await expect(startEmulator({ accountId: '12' })).rejects.toThrow(/accountId/);
    await expect(startEmulator({ nope: true } as never)).rejects.toThrow(/nope/);
  });
});
