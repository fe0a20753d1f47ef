/**
 * IotDriftListings behaviour that the emulator cannot show: an endpoint without the billing-group
 * listings, and a billing group that disappears between two pages.
 */
import {
  IoTClient,
  IoTServiceException,
  ListBillingGroupsCommand,
  ListThingsInBillingGroupCommand,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { IotDriftListings } from '../../lib/aws/drift-listings';

const iot = mockClient(IoTClient);
const listings = (): IotDriftListings => new IotDriftListings(new IoTClient({ region: 'eu-west-1', maxAttempts: 1 }), 'eu-west-1');

beforeEach(() => iot.reset());

describe('IotDriftListings billing groups', () => {
  it('answers undefined (billing groups go uncompared) when the service does not know ListBillingGroups', async () => {
    iot
      .on(ListBillingGroupsCommand)
      .rejects(new IoTServiceException({ name: 'UnknownOperationException', $fault: 'client', message: 'no such op', $metadata: { httpStatusCode: 404 } }));

    await expect(listings().listBillingGroupNames()).resolves.toBeUndefined();
  });

  it('reads every page of billing-group names', async () => {
    iot
      .on(ListBillingGroupsCommand)
      .resolvesOnce({ billingGroups: [{ groupName: 'b1' }], nextToken: 'n' })
      .resolvesOnce({ billingGroups: [{ groupName: 'b2' }] });

    await expect(listings().listBillingGroupNames()).resolves.toEqual(['b1', 'b2']);
  });

  it('answers no members for a billing group that does not exist', async () => {
    iot.on(ListThingsInBillingGroupCommand).rejects(new ResourceNotFoundException({ message: 'none', $metadata: { httpStatusCode: 404 } }));

    await expect(listings().listThingNamesInBillingGroup('gone')).resolves.toEqual({ items: [] });
  });

  it('translates other failures to the domain errors, naming the operation and the group', async () => {
    iot.on(ListThingsInBillingGroupCommand).rejects(new ThrottlingException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }));

    await expect(listings().listThingNamesInBillingGroup('b1')).rejects.toMatchObject({
      name: 'ThrottledError',
      message: expect.stringContaining('ListThingsInBillingGroup billingGroup/b1'),
    });
  });
});
