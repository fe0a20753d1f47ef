import { certificateOf, policyTargetOfArn, registrationConfigOf, thingGroupOf } from '../../lib/aws/iot-registry/mapping';
import { ACCOUNT } from '../support/constants';


describe('the adapter mapping', () => {
  it('answers UnexpectedServiceError naming the operation and the resource when an answer does not fit the model', () => {
    const answer = { certificateId: 'a'.repeat(64), status: 'NOT_A_STATUS', certificatePem: 'pem' } as never;

    expect(() => certificateOf(answer, 'a'.repeat(64))).toThrow(
      expect.objectContaining({ name: 'UnexpectedServiceError', message: expect.stringContaining(`DescribeCertificate cert/${'a'.repeat(64)}`) }),
    );
  });

  it('reads a group with a query string as dynamic and one without as static', () => {
    expect(thingGroupOf({ thingGroupName: 'd', queryString: 'attributes.a:1' })).toMatchObject({ kind: 'dynamic', queryString: 'attributes.a:1' });
    expect(thingGroupOf({ thingGroupName: 's', thingGroupMetadata: { parentGroupName: 'p' } })).toMatchObject({ kind: 'static', parentName: 'p' });
  });

  it('drops the empty fields of a registration config, and the config when nothing is left', () => {
    expect(registrationConfigOf({ templateBody: '', templateName: 't', roleArn: '' })).toEqual({ templateName: 't' });
    expect(registrationConfigOf({ templateBody: '', roleArn: '' })).toBeUndefined();
  });

  it('reads certificate and thing-group ARNs as policy targets, and nothing else', () => {
    expect(policyTargetOfArn(`arn:aws:iot:eu-west-1:${ACCOUNT}:cert/abc`)).toEqual({ kind: 'certificate', certificateId: 'abc' });
    expect(policyTargetOfArn(`arn:aws:iot:eu-west-1:${ACCOUNT}:thinggroup/g1`)).toEqual({ kind: 'thingGroup', groupName: 'g1' });
    expect(policyTargetOfArn('eu-west-1:5f0b3f8e-1111-2222-3333-444455556666')).toBeUndefined();
  });
});
