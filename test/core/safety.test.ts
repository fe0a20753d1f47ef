import type { CertificateStatus } from '../../lib/core/model';
import { certificateStatusChange, massDeleteLimit, targetCertificateStatus } from '../../lib/core/safety';

describe('targetCertificateStatus', () => {
  it.each<[CertificateStatus, string]>([
    ['ACTIVE', 'ACTIVE'],
    ['INACTIVE', 'INACTIVE'],
    ['REVOKED', 'REVOKED'],
    ['PENDING_TRANSFER', 'INACTIVE'],
    ['PENDING_ACTIVATION', 'INACTIVE'],
    ['REGISTER_INACTIVE', 'INACTIVE'],
  ])('maps a source %s certificate to %s in the target', (source, expected) => {
    expect(targetCertificateStatus(source)).toBe(expected);
  });
});

describe('certificateStatusChange', () => {
  // Expected action for every source (row) × target (column) pair: '-' none, 'refuse', or the status set.
  const targets: CertificateStatus[] = ['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_TRANSFER', 'PENDING_ACTIVATION', 'REGISTER_INACTIVE'];
  const table: Record<CertificateStatus, string[]> = {
    ACTIVE: ['-', 'ACTIVE', 'refuse', 'ACTIVE', 'ACTIVE', 'ACTIVE'],
    INACTIVE: ['INACTIVE', '-', 'refuse', '-', '-', '-'],
    REVOKED: ['REVOKED', 'REVOKED', '-', 'REVOKED', 'REVOKED', 'REVOKED'],
    PENDING_TRANSFER: ['INACTIVE', '-', 'refuse', '-', '-', '-'],
    PENDING_ACTIVATION: ['INACTIVE', '-', 'refuse', '-', '-', '-'],
    REGISTER_INACTIVE: ['INACTIVE', '-', 'refuse', '-', '-', '-'],
  };
  const cases = Object.entries(table).flatMap(([source, row]) =>
    row.map((expected, i) => [source as CertificateStatus, targets[i] as CertificateStatus, expected] as const),
  );

  it.each(cases)('source %s, target %s → %s', (source, target, expected) => {
    const change = certificateStatusChange(source, target);
    if (expected === '-') expect(change).toEqual({ action: 'none' });
    else if (expected === 'refuse') {
      expect(change.action).toBe('refuse');
      expect(change.action === 'refuse' && change.reason).toMatch(/REVOKED/);
    } else expect(change).toEqual({ action: 'set', status: expected });
  });

  it('never makes the target ACTIVE unless the source is ACTIVE', () => {
    for (const [source, target] of cases.map(([s, t]) => [s, t] as const)) {
      const change = certificateStatusChange(source, target);
      if (change.action === 'set' && change.status === 'ACTIVE') expect(source).toBe('ACTIVE');
    }
  });
});

describe('massDeleteLimit', () => {
  it.each([
    [0, 1],
    [5, 1],
    [10, 1],
    [11, 2],
    [100, 10],
    [999, 100],
    [1000, 100],
    [1_000_000, 100],
  ])('allows %i target things %i deletes by default', (count, limit) => {
    expect(massDeleteLimit(count)).toBe(limit);
  });

  it('takes the percentage and the ceiling as settings', () => {
    expect(massDeleteLimit(1000, { percent: 50 })).toBe(100);
    expect(massDeleteLimit(1000, { percent: 50, max: 1000 })).toBe(500);
    expect(massDeleteLimit(40, { percent: 5 })).toBe(2);
  });
});
