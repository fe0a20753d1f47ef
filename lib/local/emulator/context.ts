/** What every operation handler receives and returns. */
import { randomUUID } from 'node:crypto';
import type { Input } from './input';
import type { CertificateIssuer } from './issuer';
import type { EventConfigKey, RegionState } from './state';

/** One call's view of the emulator: its region's registry and the means to emit registry events. */
export interface OperationContext {
  readonly region: string;
  readonly accountId: string;
  readonly state: RegionState;
  readonly issuer: CertificateIssuer;
  /** Milliseconds a deprecated thing type must wait before DeleteThingType accepts it. */
  readonly thingTypeDeletionDelayMs: number;
  /** Wall-clock milliseconds of this call. */
  readonly now: number;
  /** The emulator's base URL as the caller reached it (for links it hands out), when known. */
  readonly endpoint?: string;
  /** `arn:aws:iot:REGION:ACCOUNT:<resource>`. */
  arn(resource: string): string;
  /** Queues a registry event; it is published only if the call succeeds and `key` is enabled. */
  registryEvent(key: EventConfigKey, topic: string, payload: Record<string, unknown>): void;
}

/** A handler's answer. */
export interface OperationResult {
  /** The JSON response body (omitted for empty 200s). */
  readonly body?: Record<string, unknown>;
  /** CloudTrail responseElements when they differ from the body (e.g. without the key pair). */
  readonly responseElements?: Record<string, unknown> | null;
  /** CloudTrail requestParameters when AWS records them under other names than the request's. */
  readonly requestParameters?: Record<string, unknown> | null;
}

/** Implements one API operation. */
export type OperationHandler = (ctx: OperationContext, input: Input) => OperationResult | Promise<OperationResult>;

/** A family's handlers by operation name. */
export type OperationTable = Readonly<Record<string, OperationHandler>>;

/** Epoch seconds, the restJson1 timestamp format the SDK parses. */
export const seconds = (ms: number): number => ms / 1000;

/** A registry event payload's common head. */
export function registryHead(ctx: OperationContext, eventType: string, operation: string, withAccount = true): Record<string, unknown> {
  return {
    eventType,
    eventId: randomUUID(),
    timestamp: ctx.now,
    operation,
    ...(withAccount ? { accountId: ctx.accountId } : {}),
  };
}
