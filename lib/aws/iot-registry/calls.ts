/**
 * The edge of the adapter: every IoT call of one region goes through {@link RegistryCalls}, which
 * translates SDK errors to the domain errors of `lib/core/errors`, reads a missing resource as
 * `undefined` where asked, walks paginators, and learns the account ID from what comes back.
 */
import { type IoTClient, ResourceAlreadyExistsException } from '@aws-sdk/client-iot';
import { RegistrySyncError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { isResourceAlreadyExists, isResourceNotFound, isUnknownOperation, translateServiceError } from '../errors';
import type { AccountIdLearner } from './account-id';

/** The largest page size the IoT list operations accept. */
export const MAX_PAGE_SIZE = 250;

/** Describes run this many at a time when a listing needs one per item (groups, CA certificates). */
export const DESCRIBE_CONCURRENCY = 8;

/** What the adapter logs through: the warn level of the core's structured logger. */
export type AdapterLogger = Pick<Logger, 'warn'>;

/** The calls of one region's registry, shared by the per-family modules. */
export class RegistryCalls {
  constructor(
    readonly client: IoTClient,
    readonly region: string,
    readonly accountIds: AccountIdLearner,
    readonly logger: AdapterLogger | undefined,
  ) {}

  /** One call: its output, with SDK errors translated and the account ID learned from any ARN in it. */
  async call<T>(operation: string, key: string, send: () => Promise<T>): Promise<T> {
    try {
      const output = await send();
      this.accountIds.learnFrom(output);
      return output;
    } catch (error) {
      throw translateServiceError(error, { operation, key });
    }
  }

  /** Like {@link call}, but a missing resource is `undefined`. */
  async read<T>(operation: string, key: string, send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(operation, key, send);
    } catch (error) {
      if (this.isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The pages of an SDK paginator, with errors translated and ARNs learned. */
  async *pages<T>(operation: string, key: string, pages: AsyncIterable<T>): AsyncGenerator<T> {
    const iterator = pages[Symbol.asyncIterator]();
    for (;;) {
      const next = await this.call(operation, key, () => iterator.next());
      if (next.done) return;
      yield next.value;
    }
  }

  /** Whether a translated error says the resource does not exist. */
  isNotFound(error: unknown): boolean {
    return error instanceof RegistrySyncError && error.name === 'ResourceNotFoundError' && isResourceNotFound(error.cause);
  }

  /** Whether an error (translated or not) says the service does not know the operation. */
  isUnknownOperation(error: unknown): boolean {
    return isUnknownOperation(error instanceof RegistrySyncError ? error.cause : error);
  }

  /** Whether a translated error says the resource already exists with this same ID (so the write is done). */
  alreadyExistsAs(error: unknown, certificateId: string | undefined): boolean {
    const cause = error instanceof RegistrySyncError ? error.cause : undefined;
    if (!isResourceAlreadyExists(cause)) return false;
    const existingId = cause instanceof ResourceAlreadyExistsException ? cause.resourceId : undefined;
    return existingId === undefined || certificateId === undefined || existingId === certificateId;
  }
}
