/**
 * The attachments between things and principals, listed with the V2 operations (which give the
 * attachment type) or, where the service does not know them, with V1 (every attachment then reads as
 * NON_EXCLUSIVE_THING). The fallback is decided once, for both listings, and remembered.
 * https://docs.aws.amazon.com/iot/latest/apireference/API_ListThingPrincipalsV2.html
 * https://docs.aws.amazon.com/iot/latest/apireference/API_ListPrincipalThingsV2.html
 */
import {
  paginateListPrincipalThings,
  paginateListPrincipalThingsV2,
  paginateListThingPrincipals,
  paginateListThingPrincipalsV2,
} from '@aws-sdk/client-iot';
import type { ThingPrincipalType } from '../../core/model';
import { MAX_PAGE_SIZE, type RegistryCalls } from './calls';

/** One version of a listing: its operation, its paginator, and the items of one page. */
interface ListingVersion<P, T> {
  operation: string;
  paginate: () => AsyncIterable<P>;
  itemsOf: (page: P) => T[];
}

/** A principal attached to a thing; `type` is absent when V1 answered. */
export interface PrincipalOfThing {
  principal: string;
  type?: ThingPrincipalType;
}

/** A thing a principal is attached to; `type` is absent when V1 answered. */
export interface ThingOfPrincipal {
  thingName: string;
  type?: ThingPrincipalType;
}

/** Both principal listings of one region, over V2 with one remembered fallback to V1. */
export class PrincipalListing {
  private v1 = false;

  constructor(private readonly calls: RegistryCalls) {}

  /** Whether the V1 listings are used because the service did not know V2. */
  get usesV1(): boolean {
    return this.v1;
  }

  /** The principals attached to a thing; `undefined` when the thing does not exist. */
  principalsOfThing(thingName: string): Promise<PrincipalOfThing[] | undefined> {
    const client = { client: this.calls.client, pageSize: MAX_PAGE_SIZE };
    return this.list(
      `thing/${thingName}`,
      {
        operation: 'ListThingPrincipalsV2',
        paginate: () => paginateListThingPrincipalsV2(client, { thingName }),
        itemsOf: (page) => (page.thingPrincipalObjects ?? []).flatMap((o) => (o.principal ? [{ principal: o.principal, type: o.thingPrincipalType }] : [])),
      },
      {
        operation: 'ListThingPrincipals',
        paginate: () => paginateListThingPrincipals(client, { thingName }),
        itemsOf: (page) => (page.principals ?? []).map((principal) => ({ principal })),
      },
    );
  }

  /** The things a principal (by ARN) is attached to; `undefined` when the principal does not exist. */
  thingsOfPrincipal(principal: string, key: string): Promise<ThingOfPrincipal[] | undefined> {
    const client = { client: this.calls.client, pageSize: MAX_PAGE_SIZE };
    return this.list(
      key,
      {
        operation: 'ListPrincipalThingsV2',
        paginate: () => paginateListPrincipalThingsV2(client, { principal }),
        itemsOf: (page) => (page.principalThingObjects ?? []).flatMap((o) => (o.thingName ? [{ thingName: o.thingName, type: o.thingPrincipalType }] : [])),
      },
      {
        operation: 'ListPrincipalThings',
        paginate: () => paginateListPrincipalThings(client, { principal }),
        itemsOf: (page) => (page.things ?? []).map((thingName) => ({ thingName })),
      },
    );
  }

  /** Runs the V2 listing, or V1 once V2 proved unknown to the service. `undefined`: missing parent. */
  private async list<T, P2, P1>(key: string, v2: ListingVersion<P2, T>, v1: ListingVersion<P1, T>): Promise<T[] | undefined> {
    if (!this.v1) {
      try {
        return await this.collect(key, v2);
      } catch (error) {
        if (this.calls.isNotFound(error)) return undefined;
        if (!this.calls.isUnknownOperation(error)) throw error;
        // The fallback is remembered once V1 has answered (a missing parent proves nothing about V1).
        return this.collectOrMissing(key, v1, () => {
          this.v1 = true;
          this.calls.logger?.warn('principal listing V2 unknown to the service; using V1 (all attachments NON_EXCLUSIVE_THING)', {
            region: this.calls.region,
            error: error instanceof Error ? error.message : String(error),
          });
        });
      }
    }
    return this.collectOrMissing(key, v1);
  }

  /** The listing's items, `undefined` for a missing parent; `answered` runs once the listing has answered. */
  private async collectOrMissing<P, T>(key: string, version: ListingVersion<P, T>, answered?: () => void): Promise<T[] | undefined> {
    let items: T[];
    try {
      items = await this.collect(key, version);
    } catch (error) {
      if (this.calls.isNotFound(error)) return undefined;
      throw error;
    }
    answered?.();
    return items;
  }

  private async collect<P, T>(key: string, version: ListingVersion<P, T>): Promise<T[]> {
    const found: T[] = [];
    for await (const page of this.calls.pages(version.operation, key, version.paginate())) found.push(...version.itemsOf(page));
    return found;
  }
}
