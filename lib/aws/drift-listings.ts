/**
 * The listings of the drift read (lib/core/drift-read.ts) over `@aws-sdk/client-iot`: ListThings with
 * type and attributes, ListCertificates with status, ListPolicies, and the billing-group listings, each
 * one page per call at the largest page size. They share the {@link IotRegistry}'s client and so its
 * quota pacer, and go through the same call edge, so errors are translated as the registry's are.
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
import { createIotClient, type IotRegistryClientOptions } from './clients';
import { IotRegistry, MAX_PAGE_SIZE } from './iot-registry';
import { AccountIdLearner } from './iot-registry/account-id';
import { RegistryCalls } from './iot-registry/calls';
import { QuotaPacer } from './quota';

const page = <T>(items: T[], nextToken: string | undefined): Page<T> => (nextToken ? { items, nextToken } : { items });

/** The drift listings of one region, over a client that an {@link IotRegistry} already paces. */
export class IotDriftListings implements DriftListings {
  private readonly calls: RegistryCalls;

  constructor(
    private readonly client: IoTClient,
    readonly region: string,
  ) {
    this.calls = new RegistryCalls(client, region, new AccountIdLearner(undefined), undefined);
  }

  async listThings(nextToken?: string): Promise<Page<ThingSummary>> {
    const output = await this.calls.call('ListThings', 'things', () => this.client.send(new ListThingsCommand({ maxResults: MAX_PAGE_SIZE, nextToken })));
    const items = (output.things ?? []).flatMap((t) =>
      t.thingName ? [{ name: t.thingName, ...(t.thingTypeName ? { thingTypeName: t.thingTypeName } : {}), attributes: t.attributes ?? {} }] : [],
    );
    return page(items, output.nextToken);
  }

  async listCertificates(nextToken?: string): Promise<Page<CertificateSummary>> {
    const output = await this.calls.call('ListCertificates', 'certificates', () =>
      this.client.send(new ListCertificatesCommand({ pageSize: MAX_PAGE_SIZE, marker: nextToken })),
    );
    const items = (output.certificates ?? []).flatMap((c) => {
      const status = CertificateStatusSchema.safeParse(c.status);
      return c.certificateId && status.success ? [{ certificateId: c.certificateId, status: status.data }] : [];
    });
    return page(items, output.nextMarker);
  }

  async listPolicyNames(nextToken?: string): Promise<Page<string>> {
    const output = await this.calls.call('ListPolicies', 'policies', () => this.client.send(new ListPoliciesCommand({ pageSize: MAX_PAGE_SIZE, marker: nextToken })));
    return page((output.policies ?? []).flatMap((p) => (p.policyName ? [p.policyName] : [])), output.nextMarker);
  }

  async listBillingGroupNames(): Promise<string[] | undefined> {
    const names: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const output = await this.calls.call('ListBillingGroups', 'billingGroups', () =>
          this.client.send(new ListBillingGroupsCommand({ maxResults: MAX_PAGE_SIZE, nextToken })),
        );
        for (const g of output.billingGroups ?? []) if (g.groupName) names.push(g.groupName);
        nextToken = output.nextToken;
      } while (nextToken);
    } catch (error) {
      // An endpoint without billing-group listings (an older endpoint or another emulator; the bundled
      // one has them): billing groups go uncompared.
      if (this.calls.isUnknownOperation(error)) return undefined;
      throw error;
    }
    return names;
  }

  async listThingNamesInBillingGroup(name: string, nextToken?: string): Promise<Page<string>> {
    try {
      const output = await this.calls.call('ListThingsInBillingGroup', `billingGroup/${name}`, () =>
        this.client.send(new ListThingsInBillingGroupCommand({ billingGroupName: name, maxResults: MAX_PAGE_SIZE, nextToken })),
      );
      return page(output.things ?? [], output.nextToken);
    } catch (error) {
      if (this.calls.isNotFound(error)) return { items: [] };
      throw error;
    }
  }
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
