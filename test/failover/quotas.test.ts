/** Readiness includes quotas: the emulator's Service Quotas calls, the comparison, and the drift report's section. */
import { GetServiceQuotaCommand, ListServiceQuotasCommand, NoSuchResourceException, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { runDriftCommand } from '../../bin/commands/drift';
import { compareRegionQuotas, createServiceQuotasClient } from '../../lib/aws/service-quotas';
import type { DriftReport } from '../../lib/core/drift';
import { compareQuotas, quotasReady } from '../../lib/core/quota-readiness';
import type { RunningEmulator } from '../../lib/local/emulator';
import { DEFAULT_IOT_CORE_QUOTAS } from '../../lib/local/emulator/service-quotas';
import { PRIMARY, SECONDARY, start } from '../support/emulator';

let emulator: RunningEmulator;
let primary: ServiceQuotasClient;
let secondary: ServiceQuotasClient;

beforeAll(async () => {
  emulator = await start();
  primary = createServiceQuotasClient(PRIMARY, emulator.url);
  secondary = createServiceQuotasClient(SECONDARY, emulator.url);
});
afterAll(async () => {
  primary.destroy();
  secondary.destroy();
  await emulator.close();
});
afterEach(async () => {
  await fetch(`${emulator.url}/_emulator/service-quotas`, { method: 'DELETE' });
});

/** Sets applied quota values in a region through the emulator's admin path. */
async function setQuotas(region: string, values: Record<string, unknown>): Promise<Response> {
  return fetch(`${emulator.url}/_emulator/service-quotas?region=${region}`, { method: 'POST', body: JSON.stringify(values) });
}

describe('the emulator’s Service Quotas', () => {
  it('lists the IoT Core quotas page by page at their defaults', async () => {
    const first = await primary.send(new ListServiceQuotasCommand({ ServiceCode: 'iotcore', MaxResults: 4 }));
    expect(first.Quotas).toHaveLength(4);
    expect(first.NextToken).toBeDefined();
    const rest = await primary.send(new ListServiceQuotasCommand({ ServiceCode: 'iotcore', NextToken: first.NextToken! }));
    const all = [...first.Quotas!, ...rest.Quotas!];
    expect(all.map((q) => [q.QuotaCode, q.Value])).toEqual(DEFAULT_IOT_CORE_QUOTAS.map((q) => [q.code, q.value]));
    expect(all[0]).toMatchObject({ ServiceCode: 'iotcore', QuotaArn: `arn:aws:servicequotas:${PRIMARY}:123456789012:iotcore/${all[0]!.QuotaCode}` });
  });

  it('keeps applied values per region, from the request signature', async () => {
    expect((await setQuotas(SECONDARY, { 'L-64CBACAC': 15 })).status).toBe(200);
    const get = (client: ServiceQuotasClient) => client.send(new GetServiceQuotaCommand({ ServiceCode: 'iotcore', QuotaCode: 'L-64CBACAC' }));
    expect((await get(secondary)).Quota?.Value).toBe(15);
    expect((await get(primary)).Quota?.Value).toBe(100);
  });

  it('answers NoSuchResourceException for an unknown service or quota, as the SDK models it', async () => {
    await expect(primary.send(new ListServiceQuotasCommand({ ServiceCode: 'ec2' }))).rejects.toBeInstanceOf(NoSuchResourceException);
    await expect(primary.send(new GetServiceQuotaCommand({ ServiceCode: 'iotcore', QuotaCode: 'L-00000000' }))).rejects.toBeInstanceOf(NoSuchResourceException);
  });

  it('rejects an unknown quota code or a bad value on the admin path, naming it', async () => {
    const unknown = await setQuotas(SECONDARY, { 'L-NOPE': 1 });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Unknown quota code L-NOPE');
    expect(await (await setQuotas(SECONDARY, { 'L-64CBACAC': 'many' })).text()).toContain('L-64CBACAC must be a non-negative number');
  });
});

describe('compareQuotas', () => {
  it('lists only the quotas where the target is lower, and those the target does not report', () => {
    const result = compareQuotas(
      [
        { code: 'L-B', name: 'b', value: 10 },
        { code: 'L-A', name: 'a', value: 100, unit: 'None' },
        { code: 'L-C', name: 'c', value: 5 },
      ],
      [
        { code: 'L-A', name: 'a', value: 50 },
        { code: 'L-B', name: 'b', value: 20 },
      ],
    );
    expect(result).toEqual({ serviceCode: 'iotcore', compared: 2, lower: [{ code: 'L-A', name: 'a', source: 100, target: 50, unit: 'None' }], missingInTarget: [{ code: 'L-C', name: 'c' }] });
    expect(quotasReady(result)).toBe(false);
    expect(quotasReady(compareQuotas([{ code: 'L-A', name: 'a', value: 1 }], [{ code: 'L-A', name: 'a', value: 1 }]))).toBe(true);
  });
});

describe('quota readiness against the emulator', () => {
  it('finds each IoT Core quota the secondary has lower than the primary', async () => {
    await setQuotas(PRIMARY, { 'L-CA7D4E3E': 100, 'L-0EF0F5EE': 500 });
    await setQuotas(SECONDARY, { 'L-0EF0F5EE': 600 });
    const result = await compareRegionQuotas(primary, secondary);
    expect(result.compared).toBe(DEFAULT_IOT_CORE_QUOTAS.length);
    expect(result.lower).toEqual([{ code: 'L-CA7D4E3E', name: 'AttachPolicy API TPS', source: 100, target: 15, unit: 'None' }]);
  });

  it('puts the quotas in the drift report as their own section and exits 2 when one is lower, though the registries match', async () => {
    const run = async (format: 'json' | 'markdown' | 'table' | 'html') => {
      const printed: string[] = [];
      const code = await runDriftCommand(
        { sourceRegion: PRIMARY, targetRegion: SECONDARY, endpoint: emulator.url, quotaScale: 0, format },
        { print: (text) => printed.push(text), message: () => undefined },
      );
      return { code, text: printed.join('') };
    };
    const even = await run('json');
    expect(even.code).toBe(0);
    expect((JSON.parse(even.text) as DriftReport).quotas).toMatchObject({ lower: [], compared: DEFAULT_IOT_CORE_QUOTAS.length });

    await setQuotas(PRIMARY, { 'L-64CBACAC': 200 });
    const lower = await run('json');
    expect(lower.code).toBe(2);
    const report = JSON.parse(lower.text) as DriftReport;
    expect(report.inSync).toBe(true);
    expect(report.quotas?.lower).toEqual([expect.objectContaining({ code: 'L-64CBACAC', source: 200, target: 100 })]);
    const line = 'CreateThing API TPS (L-64CBACAC): secondary 100 < primary 200';
    expect((await run('markdown')).text).toContain(`## Quotas (iotcore): 1 of ${DEFAULT_IOT_CORE_QUOTAS.length} lower in the target\n\n- ${line.replace('<', '\\<')}`);
    expect((await run('table')).text).toContain(`  ${line}`);
    expect((await run('html')).text).toContain(`<section id="quotas">`);
  });
});
