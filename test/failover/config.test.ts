import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IotRegistrySyncPropsSchema, loadAppConfig } from '../../lib/infra';

const dir = mkdtempSync(join(tmpdir(), 'irs-failover-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PRIMARY_CERT = 'arn:aws:acm:us-east-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const SECONDARY_CERT = 'arn:aws:acm:us-west-2:111122223333:certificate/66666666-7777-8888-9999-000000000000';
const valid = { domainName: 'iot.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', serverCertificateArns: { primary: PRIMARY_CERT, secondary: SECONDARY_CERT } };

/** Loads a config file holding `failover` (and optional overrides), with optional context values. */
function load(failover: unknown, contextValues: Record<string, unknown> = {}) {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ account: '111122223333', failover }));
  return loadAppConfig({ context: (key) => (key === 'config' ? path : contextValues[key]), env: {}, cwd: dir });
}

describe('the failover section of the app config', () => {
  it('is absent unless configured', () => {
    const path = join(dir, 'none.json');
    writeFileSync(path, '{}');
    expect(loadAppConfig({ context: (key) => (key === 'config' ? path : undefined), env: {}, cwd: dir }).failover).toBeUndefined();
  });

  it('fills the defaults: 30 s interval, threshold 3, the drift alarm readiness threshold, TTL 60, no routing control', () => {
    expect(load(valid).failover).toEqual({
      ...valid,
      healthCheck: { intervalSeconds: 30, failureThreshold: 3 },
      readinessThreshold: 99,
      ttl: 60,
      routingControl: false,
    });
  });

  it('gates the secondary at the drift job’s own readiness alarm threshold unless told otherwise', () => {
    expect(load(valid).failover?.readinessThreshold).toBe(IotRegistrySyncPropsSchema.parse({ targetRegion: 'us-west-2' }).readinessAlarmThreshold);
  });

  it('keeps explicit settings, and takes the section from context as JSON with string numbers and flags', () => {
    expect(load({ ...valid, healthCheck: { intervalSeconds: 10, failureThreshold: 2 }, readinessThreshold: 95, ttl: 30, routingControl: true }).failover).toMatchObject({
      healthCheck: { intervalSeconds: 10, failureThreshold: 2 },
      readinessThreshold: 95,
      ttl: 30,
      routingControl: true,
    });
    const fromContext = load(undefined, { failover: JSON.stringify({ ...valid, healthCheck: { intervalSeconds: '10' }, ttl: '120', routingControl: 'true' }) });
    expect(fromContext.failover).toMatchObject({ healthCheck: { intervalSeconds: 10, failureThreshold: 3 }, ttl: 120, routingControl: true });
  });

  it.each<[string, unknown, string]>([
    ['a missing domain', { ...valid, domainName: undefined }, 'failover.domainName'],
    ['a wildcard domain', { ...valid, domainName: '*.example.com' }, 'failover.domainName: must be a lower-case fully qualified domain name'],
    ['a bad hosted zone', { ...valid, hostedZoneId: 'example.com' }, 'failover.hostedZoneId: must be a Route 53 hosted zone ID'],
    ['one certificate only', { ...valid, serverCertificateArns: { primary: PRIMARY_CERT } }, 'failover.serverCertificateArns.secondary'],
    ['a certificate ARN whose account is not 12 digits', { ...valid, serverCertificateArns: { primary: PRIMARY_CERT.replace('111122223333', '1111'), secondary: SECONDARY_CERT } }, 'failover.serverCertificateArns.primary: must be an ACM certificate ARN'],
    ['a certificate ARN whose region is not a region', { ...valid, serverCertificateArns: { primary: PRIMARY_CERT.replace('us-east-1', 'virginia'), secondary: SECONDARY_CERT } }, 'failover.serverCertificateArns.primary: must be an ACM certificate ARN'],
    ['a TTL that is not whole', { ...valid, ttl: '1.5' }, 'failover.ttl: must be a whole number'],
    ['a certificate that is not an ACM ARN', { ...valid, serverCertificateArns: { primary: 'my-cert', secondary: SECONDARY_CERT } }, 'failover.serverCertificateArns.primary: must be an ACM certificate ARN'],
    ['a certificate of the wrong region', { ...valid, serverCertificateArns: { primary: PRIMARY_CERT, secondary: PRIMARY_CERT } }, 'failover.serverCertificateArns.secondary: must be a certificate in the secondary region us-west-2 (got us-east-1)'],
    ['the primary certificate in the secondary region', { ...valid, serverCertificateArns: { primary: SECONDARY_CERT, secondary: SECONDARY_CERT } }, 'failover.serverCertificateArns.primary: must be a certificate in the primary region us-east-1'],
    ['an interval Route 53 does not offer', { ...valid, healthCheck: { intervalSeconds: 20 } }, 'failover.healthCheck.intervalSeconds: must be 10 or 30'],
    ['a failure threshold above 10', { ...valid, healthCheck: { failureThreshold: 11 } }, 'failover.healthCheck.failureThreshold: must be between 1 and 10'],
    ['a readiness threshold above 100', { ...valid, readinessThreshold: 101 }, 'failover.readinessThreshold: must be between 0 and 100'],
    ['a negative TTL', { ...valid, ttl: -5 }, 'failover.ttl'],
    ['a routing control that is not a flag', { ...valid, routingControl: 'yes' }, 'failover.routingControl'],
    ['an unknown key', { ...valid, ttlSeconds: 60 }, 'ttlSeconds'],
  ])('rejects %s with an error naming the field', (_case, failover, message) => {
    expect(() => load(failover)).toThrow(message);
  });
});
