import { AccountIdLearner, accountIdInResponse } from '../../lib/aws/iot-registry/account-id';
import { ACCOUNT } from '../support/constants';

const OTHER_ACCOUNT = '210987654321';

describe('accountIdInResponse', () => {
  it('finds the account of an IoT ARN nested in a page of a listing', () => {
    const page = { certificates: [{ certificateId: 'a', certificateArn: `arn:aws:iot:eu-west-1:${ACCOUNT}:cert/a` }], nextMarker: 'm' };

    expect(accountIdInResponse(page)).toBe(ACCOUNT);
  });

  it('passes over ARNs that are not IoT resources', () => {
    const output = { roleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/r`, thingArn: `arn:aws:iot:eu-west-1:${ACCOUNT}:thing/t1` };

    expect(accountIdInResponse(output)).toBe(ACCOUNT);
  });

  it('looks only at the first three items of a list', () => {
    const items = [{}, {}, {}, { thingArn: `arn:aws:iot:eu-west-1:${ACCOUNT}:thing/t4` }];

    expect(accountIdInResponse({ things: items })).toBeUndefined();
  });

  it('is undefined for a response without an ARN', () => {
    expect(accountIdInResponse({ thingName: 't1', creationDate: new Date(0) })).toBeUndefined();
  });
});

describe('AccountIdLearner', () => {
  it('keeps the configured account over any learned from a response', () => {
    const learner = new AccountIdLearner(ACCOUNT);

    learner.learnFrom({ thingArn: `arn:aws:iot:eu-west-1:${OTHER_ACCOUNT}:thing/t1` });

    expect(learner.current).toBe(ACCOUNT);
  });

  it('learns once and does not change afterwards', () => {
    const learner = new AccountIdLearner(undefined);

    learner.learnFrom({ thingName: 't0' });
    learner.learnFrom({ thingArn: `arn:aws:iot:eu-west-1:${ACCOUNT}:thing/t1` });
    learner.learnFrom({ thingArn: `arn:aws:iot:eu-west-1:${OTHER_ACCOUNT}:thing/t2` });

    expect(learner.current).toBe(ACCOUNT);
  });
});
