import {
  certificateArn,
  certificateIdOfArn,
  parseIotArn,
  partitionOf,
  thingGroupArn,
  thingGroupNameOfArn,
} from '../../lib/aws/arns';

describe('partitionOf', () => {
  it.each([
    ['eu-west-1', 'aws'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-east-1', 'aws'],
  ])('puts %s in the %s partition', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});

describe('IoT ARNs', () => {
  const scope = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };

  it('builds and parses certificate and thing-group ARNs', () => {
    const cert = certificateArn(scope, 'ab'.repeat(32));
    const group = thingGroupArn(scope, 'floor-1');

    expect(cert).toBe(`arn:aws:iot:eu-west-1:123456789012:cert/${'ab'.repeat(32)}`);
    expect(certificateIdOfArn(cert)).toBe('ab'.repeat(32));
    expect(thingGroupNameOfArn(group)).toBe('floor-1');
    expect(certificateIdOfArn(group)).toBeUndefined();
  });

  it('does not take a Cognito identity or an IAM ARN for an IoT resource', () => {
    expect(parseIotArn('eu-west-1:5f0b3f8e-1111-2222-3333-444455556666')).toBeUndefined();
    expect(parseIotArn('arn:aws:iam::123456789012:role/r')).toBeUndefined();
  });
});
