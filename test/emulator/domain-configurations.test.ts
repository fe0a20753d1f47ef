import {
  CreateDomainConfigurationCommand,
  DeleteDomainConfigurationCommand,
  DescribeDomainConfigurationCommand,
  DescribeEndpointCommand,
  ListDomainConfigurationsCommand,
  UpdateDomainConfigurationCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { failure, iot, PRIMARY, SECONDARY, useEmulator } from '../support/emulator';

describe('domain configurations and endpoints', () => {
  let client: IoTClient;
  let secondary: IoTClient;
  useEmulator((emulator, c) => {
    client = c;
    secondary = iot(emulator, SECONDARY);
  });
  afterAll(() => secondary.destroy());

  it('creates, describes, lists, disables and deletes a custom-domain configuration', async () => {
    const created = await client.send(new CreateDomainConfigurationCommand({ domainConfigurationName: 'devices', domainName: 'iot.example.com' }));
    expect(created.domainConfigurationArn).toMatch(new RegExp(`^arn:aws:iot:${PRIMARY}:123456789012:domainconfiguration/devices/`));
    const described = await client.send(new DescribeDomainConfigurationCommand({ domainConfigurationName: 'devices' }));
    expect(described).toMatchObject({ domainName: 'iot.example.com', domainConfigurationStatus: 'ENABLED', serviceType: 'DATA', domainType: 'CUSTOMER_MANAGED' });
    const listed = await client.send(new ListDomainConfigurationsCommand({}));
    expect(listed.domainConfigurations?.map((d) => d.domainConfigurationName)).toContain('devices');
    expect((await secondary.send(new ListDomainConfigurationsCommand({}))).domainConfigurations).toEqual([]);

    const enabled = await failure(client.send(new DeleteDomainConfigurationCommand({ domainConfigurationName: 'devices' })));
    expect(enabled.name).toBe('InvalidRequestException');
    await client.send(new UpdateDomainConfigurationCommand({ domainConfigurationName: 'devices', domainConfigurationStatus: 'DISABLED' }));
    await client.send(new DeleteDomainConfigurationCommand({ domainConfigurationName: 'devices' }));
    const gone = await failure(client.send(new DescribeDomainConfigurationCommand({ domainConfigurationName: 'devices' })));
    expect(gone.name).toBe('ResourceNotFoundException');
  });

  it('refuses a second configuration with the same name or domain, and a bad status, naming the field', async () => {
    await client.send(new CreateDomainConfigurationCommand({ domainConfigurationName: 'one', domainName: 'one.example.com' }));
    expect((await failure(client.send(new CreateDomainConfigurationCommand({ domainConfigurationName: 'one' })))).name).toBe('ResourceAlreadyExistsException');
    expect((await failure(client.send(new CreateDomainConfigurationCommand({ domainConfigurationName: 'two', domainName: 'ONE.example.com' })))).name).toBe('ResourceAlreadyExistsException');
    const bad = await failure(client.send(new UpdateDomainConfigurationCommand({ domainConfigurationName: 'one', domainConfigurationStatus: 'PAUSED' as 'ENABLED' })));
    expect(bad.message).toMatch(/domainConfigurationStatus/);
  });

  it('DescribeEndpoint answers per endpoint type, with one account prefix across regions', async () => {
    const ats = (await client.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }))).endpointAddress!;
    const legacy = (await client.send(new DescribeEndpointCommand({}))).endpointAddress!;
    const other = (await secondary.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }))).endpointAddress!;
    expect(ats).toMatch(/^a[0-9a-f]{13}-ats\.iot\.us-east-1\.amazonaws\.com$/);
    expect(legacy).toBe(ats.replace('-ats', ''));
    expect(other).toBe(ats.replace(PRIMARY, SECONDARY));
    expect((await failure(client.send(new DescribeEndpointCommand({ endpointType: 'iot:Nope' })))).message).toMatch(/endpointType/);
  });
});
