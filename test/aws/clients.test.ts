import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIotClient, createIotRegistry, isLoopbackUrl, registryPair, ROLE_SESSION_NAME, staticCredentialsFor } from '../../lib/aws/clients';
import { IotRegistry } from '../../lib/aws/iot-registry';

describe('isLoopbackUrl', () => {
  it.each([
    ['http://127.0.0.1:4566', true],
    ['http://localhost:8080', true],
    ['http://[::1]:9000', true],
    ['https://iot.eu-west-1.amazonaws.com', false],
    ['http://10.0.0.5:4566', false],
    ['not a url', false],
  ])('says %s is loopback: %s', (url, expected) => {
    expect(isLoopbackUrl(url)).toBe(expected);
  });
});

describe('createIotClient', () => {
  it('uses dummy static credentials against a loopback endpoint when the environment has none', async () => {
    const client = createIotClient({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1234' }, {});

    const credentials = await client.config.credentials();

    expect(credentials).toMatchObject({ accessKeyId: 'local', secretAccessKey: 'local' });
    expect(await client.config.maxAttempts()).toBe(1);
  });

  it('uses explicit credentials as given', async () => {
    const client = createIotClient(
      { region: 'eu-west-1', endpoint: 'http://127.0.0.1:1234', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } },
      {},
    );

    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'AKIDEXAMPLE' });
  });

  it('assumes roleArn with its own credentials and signs with the role session', async () => {
    const requests: { authorization: string; body: URLSearchParams }[] = [];
    const sts = await startLoopbackSts(requests);
    const previous = process.env.AWS_ENDPOINT_URL_STS;
    process.env.AWS_ENDPOINT_URL_STS = sts.url;
    try {
      const client = createIotClient(
        {
          region: 'eu-west-1',
          roleArn: 'arn:aws:iam::210987654321:role/registry-writer',
          credentials: { accessKeyId: 'AKIDSOURCE', secretAccessKey: 'x' },
        },
        {},
      );

      const credentials = await client.config.credentials();

      expect(credentials).toMatchObject({ accessKeyId: 'ASIATARGET', sessionToken: 'session-token' });
      expect(requests).toHaveLength(1);
      expect(requests[0]!.authorization).toContain('Credential=AKIDSOURCE/');
      expect(requests[0]!.authorization).toContain('/eu-west-1/sts/aws4_request');
      expect(Object.fromEntries(requests[0]!.body)).toMatchObject({
        Action: 'AssumeRole',
        RoleArn: 'arn:aws:iam::210987654321:role/registry-writer',
        RoleSessionName: ROLE_SESSION_NAME,
      });
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
      else process.env.AWS_ENDPOINT_URL_STS = previous;
      await sts.close();
    }
  });

});

describe('staticCredentialsFor', () => {
  const local = { region: 'eu-west-1', endpoint: 'http://127.0.0.1:1234' };

  it('leaves a loopback endpoint to the default chain when the environment names a profile or keys', () => {
    expect(staticCredentialsFor(local, { AWS_PROFILE: 'dev' })).toBeUndefined();
    expect(staticCredentialsFor(local, { AWS_ACCESS_KEY_ID: 'AKID' })).toBeUndefined();
  });

  it('leaves a remote endpoint, or none, to the default chain', () => {
    expect(staticCredentialsFor({ region: 'eu-west-1', endpoint: 'https://iot.example.com' }, {})).toBeUndefined();
    expect(staticCredentialsFor({ region: 'eu-west-1' }, {})).toBeUndefined();
  });

  it('treats AWS_ENDPOINT_URL_IOT like the endpoint option', () => {
    expect(staticCredentialsFor({ region: 'eu-west-1' }, { AWS_ENDPOINT_URL_IOT: 'http://localhost:4000' })).toEqual({
      accessKeyId: 'local',
      secretAccessKey: 'local',
    });
  });
});

describe('createIotRegistry', () => {
  it('builds a registry for the region', () => {
    const registry = createIotRegistry({ region: 'eu-central-1', endpoint: 'http://127.0.0.1:1', quotas: { scale: 0 } });

    expect(registry).toBeInstanceOf(IotRegistry);
    expect(registry.region).toBe('eu-central-1');
  });

  it('rejects invalid options with InvalidInputError naming the field', () => {
    expect(() => createIotRegistry({ region: 'eu-west-1', quotas: { scale: -1 } })).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining('quotas.scale') }),
    );
    expect(() => createIotRegistry({ region: 'eu-west-1', roleArn: 'registry-writer' })).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining('roleArn') }),
    );
    expect(() => createIotRegistry({ region: 'Ireland' })).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining('region') }),
    );
  });
});

describe('registryPair', () => {
  it('returns source and target registries for the two regions', () => {
    const { source, target } = registryPair({
      sourceRegion: 'eu-west-1',
      targetRegion: 'eu-central-1',
      endpoint: 'http://127.0.0.1:1',
    });

    expect([source.region, target.region]).toEqual(['eu-west-1', 'eu-central-1']);
  });
});

/** A loopback STS that answers every AssumeRole with fixed temporary credentials and records the requests. */
async function startLoopbackSts(requests: { authorization: string; body: URLSearchParams }[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ authorization: req.headers.authorization ?? '', body: new URLSearchParams(body) });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>' +
          '<AccessKeyId>ASIATARGET</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>session-token</SessionToken>' +
          '<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
