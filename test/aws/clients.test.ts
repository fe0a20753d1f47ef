import { createIotClient, createIotRegistry, isLoopbackUrl, registryPair, staticCredentialsFor } from '../../lib/aws/clients';
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
