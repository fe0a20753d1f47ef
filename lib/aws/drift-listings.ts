/**
 * The listings of the drift read (lib/core/drift-read.ts) over `@aws-sdk/client-iot`: ListThings with
 * type and attributes, ListCertificates with status, ListPolicies, and the billing-group listings, each
 * one page per call at the largest page size. They share the {@link IotRegistry}'s client and so its
 * quota pacer; errors are translated to the domain errors like the registry's.
 */
import {
  type IoTClient,
  ListBillingGroupsCommand,
  ListCertificatesCommand,
  ListPoliciesCommand,
  ListThingsCommand,
  ListThingsInBillingGroupCommand,
} from '@aws-sdk/client-iot';
import type { CertificateSummary, Page } from '../core/port';
import type { DriftListings, ThingSummary } from '../core/drift-read';
import { CertificateStatusSchema } from '../core/model';
import { RegistrySyncError } from '../core/errors';
import { createIotClient, type IotRegistryClientOptions } from './clients';
import { IotRegistry, MAX_PAGE_SIZE } from './iot-registry';
import { QuotaPacer } from './quota';
import { isResourceNotFound, isUnknownOperation, translateServiceError } from './errors';

const page = <T>(items: T[], nextToken: string | undefined): Page<T> => (nextToken ? { items, nextToken } : { items });

/** The drift listings of one region, over a client that an {@link IotRegistry} already paces. */
export class IotDriftListings implements DriftListings {
  constructor(
    private readonly client: IoTClient,
    readonly region: string,
  ) {}

  async listThings(nextToken?: string): Promise<Page<ThingSummary>> {
    const output = await this.call('ListThings', 'things', () => this.client.send(new ListThingsCommand({ maxResults: MAX_PAGE_SIZE, nextToken })));
    const items = (output.things ?? []).flatMap((t) =>
      t.thingName ? [{ name: t.thingName, ...(t.thingTypeName ? { thingTypeName: t.thingTypeName } : {}), attributes: t.attributes ?? {} }] : [],
    );
    return page(items, output.nextToken);
  }

  async listCertificates(nextToken?: string): Promise<Page<CertificateSummary>> {
    const output = await this.call('ListCertificates', 'certificates', () =>
      this.client.send(new ListCertificatesCommand({ pageSize: MAX_PAGE_SIZE, marker: nextToken })),
    );
    const items = (output.certificates ?? []).flatMap((c) => {
      const status = CertificateStatusSchema.safeParse(c.status);
      return c.certificateId && status.success ? [{ certificateId: c.certificateId, status: status.data }] : [];
    });
    return page(items, output.nextMarker);
  }

  async listPolicyNames(nextToken?: string): Promise<Page<string>> {
    const output = await this.call('ListPolicies', 'policies', () => this.client.send(new ListPoliciesCommand({ pageSize: MAX_PAGE_SIZE, marker: nextToken })));
    return page((output.policies ?? []).flatMap((p) => (p.policyName ? [p.policyName] : [])), output.nextMarker);
  }

  async listBillingGroupNames(): Promise<string[] | undefined> {
    const names: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const output = await this.call('ListBillingGroups', 'billingGroups', () =>
          this.client.send(new ListBillingGroupsCommand({ maxResults: MAX_PAGE_SIZE, nextToken })),
        );
        for (const g of output.billingGroups ?? []) if (g.groupName) names.push(g.groupName);
        nextToken = output.nextToken;
      } while (nextToken);
    } catch (error) {
      // An endpoint without billing-group listings (the bundled emulator): billing groups go uncompared.
      if (isUnknownOperation(causeOf(error))) return undefined;
      throw error;
    }
    return names;
  }

  async listThingNamesInBillingGroup(name: string, nextToken?: string): Promise<Page<string>> {
    try {
      const output = await this.call('ListThingsInBillingGroup', `billingGroup/${name}`, () =>
        this.client.send(new ListThingsInBillingGroupCommand({ billingGroupName: name, maxResults: MAX_PAGE_SIZE, nextToken })),
      );
      return page(output.things ?? [], output.nextToken);
    } catch (error) {
      if (isResourceNotFound(causeOf(error))) return { items: [] };
      throw error;
    }
  }

  private async call<T>(operation: string, key: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw translateServiceError(error, { operation, key });
    }
  }
}

function causeOf(error: unknown): unknown {
  return error instanceof RegistrySyncError ? error.cause : error;
}

/** A paced registry and its drift listings over one client and one quota pacer. */
export interface DriftRegistry {
  registry: IotRegistry;
  listings: IotDriftListings;
}

/** Builds a {@link DriftRegistry} for one region with the options of `createIotRegistry`. */
export function createDriftRegistry(options: IotRegistryClientOptions): DriftRegistry {
  const client = createIotClient(options);
  const pacer = new QuotaPacer({ scale: options.quotas?.scale ?? 1, overrides: options.quotas?.overrides ?? {} });
  // The registry attaches the pacer to the client, so the listings' calls are paced and counted with its own.
  const registry = new IotRegistry({
    client,
    region: options.region,
    ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
    quotas: pacer,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  return { registry, listings: new IotDriftListings(client, options.region) };
}
