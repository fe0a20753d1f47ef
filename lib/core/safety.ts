/**
 * Safety rules (DESIGN.md principle 7): certificate statuses are never widened, deletes happen only in
 * mirror mode, and a mass delete is refused without an explicit override.
 */
import { z } from 'zod';
import type { CertificateStatus, SettableCertificateStatus } from './model';

/**
 * The status a target certificate should have for a source status. PENDING_TRANSFER,
 * PENDING_ACTIVATION and REGISTER_INACTIVE are internal or deprecated states that cannot be written:
 * they become INACTIVE (never ACTIVE).
 */
export function targetCertificateStatus(source: CertificateStatus): SettableCertificateStatus {
  return source === 'ACTIVE' || source === 'REVOKED' ? source : 'INACTIVE';
}

/** What to do about a certificate whose status differs between the regions. */
export type CertificateStatusChange =
  | { action: 'none' }
  | { action: 'set'; status: SettableCertificateStatus }
  | { action: 'refuse'; reason: string };

/**
 * The status change that converges the target certificate, or a refusal. Statuses are compared after
 * mapping (a PENDING_* target counts as INACTIVE). REVOKED in the target is final; otherwise the target
 * follows the source, which can only narrow privileges unless the source itself is ACTIVE.
 */
export function certificateStatusChange(
  sourceStatus: CertificateStatus,
  targetStatus: CertificateStatus,
): CertificateStatusChange {
  const wanted = targetCertificateStatus(sourceStatus);
  const current = targetCertificateStatus(targetStatus);
  if (wanted === current) return { action: 'none' };
  if (current === 'REVOKED') {
    return {
      action: 'refuse',
      reason: `the target certificate is REVOKED, which is final; the source says ${sourceStatus}`,
    };
  }
  return { action: 'set', status: wanted };
}

/** `retain` keeps extra top-level resources in the target; `mirror` deletes them. */
export const DeleteModeSchema = z.enum(['retain', 'mirror']);
/** How extra resources in the target are treated (default `retain`). */
export type DeleteMode = z.infer<typeof DeleteModeSchema>;

/** The default delete mode: nothing top-level is deleted unless configured. */
export const DEFAULT_DELETE_MODE: DeleteMode = 'retain';

/** The two numbers of the mass-delete guard. */
export interface MassDeleteSettings {
  /** Percentage of the target's things that may be deleted in one run (default 10). */
  percent?: number;
  /** Absolute ceiling (default 100). */
  max?: number;
}

/** Default mass-delete guard settings. */
export const DEFAULT_MASS_DELETE: Required<MassDeleteSettings> = { percent: 10, max: 100 };

/**
 * How many top-level deletes one plan may contain: max(1, min(ceil(percent% of the target's things), max)).
 */
export function massDeleteLimit(targetThingCount: number, settings: MassDeleteSettings = {}): number {
  const percent = settings.percent ?? DEFAULT_MASS_DELETE.percent;
  const max = settings.max ?? DEFAULT_MASS_DELETE.max;
  return Math.max(1, Math.min(Math.ceil((Math.max(0, targetThingCount) * percent) / 100), max));
}

/** Why the mass-delete guard refused deletes: the reason shown to the operator, the count and the limit. */
export interface MassDeleteRefusal {
  reason: string;
  deletes: number;
  limit: number;
}

/**
 * The mass-delete guard, the one place it decides (a plan's deletes, a reconcile run's extras): the
 * refusal when `deletes` top-level deletes exceed the limit and the override is not given.
 */
export function massDeleteRefusal(
  deletes: number,
  targetThingCount: number,
  settings: MassDeleteSettings = {},
  allowMassDelete = false,
): MassDeleteRefusal | undefined {
  const limit = massDeleteLimit(targetThingCount, settings);
  if (deletes <= limit || allowMassDelete) return undefined;
  return { reason: `mass-delete guard: ${deletes} deletes exceed the limit of ${limit}; re-run with allowMassDelete to delete them`, deletes, limit };
}
