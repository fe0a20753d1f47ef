/** Thing types of one region: listed, described, created, updated, (un)deprecated and deleted. */
import {
  CreateThingTypeCommand,
  DeleteThingTypeCommand,
  DeprecateThingTypeCommand,
  DescribeThingTypeCommand,
  paginateListThingTypes,
  UpdateThingTypeCommand,
} from '@aws-sdk/client-iot';
import type { ThingType } from '../../core/model';
import { MAX_PAGE_SIZE, type RegistryCalls } from './calls';
import { thingTypeOf } from './mapping';

/** The thing-type operations of the port. */
export class ThingTypes {
  constructor(private readonly calls: RegistryCalls) {}

  async *list(): AsyncIterable<ThingType> {
    const pages = paginateListThingTypes({ client: this.calls.client, pageSize: MAX_PAGE_SIZE }, {});
    for await (const page of this.calls.pages('ListThingTypes', 'thingTypes', pages)) {
      for (const definition of page.thingTypes ?? []) {
        yield thingTypeOf(definition, 'ListThingTypes');
      }
    }
  }

  async get(name: string): Promise<ThingType | undefined> {
    const output = await this.calls.read('DescribeThingType', `thingType/${name}`, () =>
      this.calls.client.send(new DescribeThingTypeCommand({ thingTypeName: name })),
    );
    return output && thingTypeOf(output, 'DescribeThingType');
  }

  async create(type: ThingType): Promise<void> {
    // Deprecation is its own change (setDeprecated), applied after the type's things exist.
    await this.calls.call('CreateThingType', `thingType/${type.name}`, () =>
      this.calls.client.send(
        new CreateThingTypeCommand({
          thingTypeName: type.name,
          thingTypeProperties: {
            thingTypeDescription: type.description,
            searchableAttributes: type.searchableAttributes,
            ...(type.mqtt5Configuration === undefined ? {} : { mqtt5Configuration: type.mqtt5Configuration }),
          },
        }),
      ),
    );
  }

  async update(type: ThingType): Promise<void> {
    await this.calls.call('UpdateThingType', `thingType/${type.name}`, () =>
      this.calls.client.send(
        new UpdateThingTypeCommand({
          thingTypeName: type.name,
          thingTypeProperties: {
            thingTypeDescription: type.description ?? '',
            searchableAttributes: type.searchableAttributes,
            // Sent whole, an empty list when the source has none, so a target-only configuration is cleared.
            mqtt5Configuration: type.mqtt5Configuration ?? { propagatingAttributes: [] },
          },
        }),
      ),
    );
  }

  async setDeprecated(name: string, deprecated: boolean): Promise<void> {
    await this.calls.call('DeprecateThingType', `thingType/${name}`, () =>
      this.calls.client.send(new DeprecateThingTypeCommand({ thingTypeName: name, undoDeprecate: !deprecated })),
    );
  }

  async delete(name: string): Promise<void> {
    await this.calls.call('DeleteThingType', `thingType/${name}`, () =>
      this.calls.client.send(new DeleteThingTypeCommand({ thingTypeName: name })),
    );
  }
}
