import { InvalidResourceError } from '../../lib/core/errors';
import { normalisePolicyDocument, policyDocumentsEqual, rewritePolicyDocument } from '../../lib/core/policy-document';

const statement = (fields: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', ...fields }] });
const rewrite = (doc: string) => rewritePolicyDocument(doc, 'us-east-1', 'eu-west-1');
const firstStatement = (doc: string) => (JSON.parse(doc) as { Statement: Record<string, unknown>[] }).Statement[0] as Record<string, unknown>;

describe('rewritePolicyDocument into another account', () => {
  const accounts = { source: '111111111111', target: '222222222222' };
  const crossAccount = (doc: string) => rewritePolicyDocument(doc, 'us-east-1', 'eu-west-1', 'p', accounts);

  it('moves the account field of IoT ARNs from the source account to the target account, and counts them', () => {
    const result = crossAccount(statement({ Resource: ['arn:aws:iot:us-east-1:111111111111:client/${iot:ClientId}', 'arn:aws:iot:us-east-1:111111111111:topic/t/111111111111'] }));
    expect(firstStatement(result.document)['Resource']).toEqual([
      'arn:aws:iot:eu-west-1:222222222222:client/${iot:ClientId}',
      'arn:aws:iot:eu-west-1:222222222222:topic/t/111111111111',
    ]);
    expect(result).toMatchObject({ rewrittenArns: 2, rewrittenAccounts: 2 });
  });

  it('moves the account of an ARN whose region is a wildcard, and leaves other accounts, other services and wildcards alone', () => {
    const result = crossAccount(statement({ Resource: ['arn:aws:iot:*:111111111111:client/a', 'arn:aws:iot:us-east-1:333333333333:client/b', 'arn:aws:s3:::111111111111-bucket', 'arn:aws:iot:us-east-1:*:client/c'] }));
    expect(firstStatement(result.document)['Resource']).toEqual([
      'arn:aws:iot:*:222222222222:client/a',
      'arn:aws:iot:eu-west-1:333333333333:client/b',
      'arn:aws:s3:::111111111111-bucket',
      'arn:aws:iot:eu-west-1:*:client/c',
    ]);
    expect(result).toMatchObject({ rewrittenArns: 3, rewrittenAccounts: 1 });
  });

  it('compares a cross-account target as equal only once the account is rewritten', () => {
    const source = statement({ Resource: 'arn:aws:iot:us-east-1:111111111111:client/a' });
    const target = statement({ Resource: 'arn:aws:iot:eu-west-1:222222222222:client/a' });
    expect(policyDocumentsEqual(source, target, 'us-east-1', 'eu-west-1', accounts)).toBe(true);
    expect(policyDocumentsEqual(source, target, 'us-east-1', 'eu-west-1')).toBe(false);
  });
});

describe('rewritePolicyDocument', () => {
  it('rewrites the region field of an IoT ARN and keeps a region string inside the resource part (the topic-name trap)', () => {
    const result = rewrite(statement({ Resource: 'arn:aws:iot:us-east-1:123:topic/telemetry/us-east-1/x' }));
    expect(firstStatement(result.document)['Resource']).toBe('arn:aws:iot:eu-west-1:123:topic/telemetry/us-east-1/x');
    expect(result.rewrittenArns).toBe(1);
  });

  it.each([
    ['aws', 'arn:aws:iot:us-east-1:123:client/a', 'arn:aws:iot:eu-west-1:123:client/a'],
    ['aws-cn', 'arn:aws-cn:iot:us-east-1:123:client/a', 'arn:aws-cn:iot:eu-west-1:123:client/a'],
    ['aws-us-gov', 'arn:aws-us-gov:iot:us-east-1:123:client/a', 'arn:aws-us-gov:iot:eu-west-1:123:client/a'],
  ])('rewrites ARNs of the %s partition', (_partition, arn, expected) => {
    expect(firstStatement(rewrite(statement({ Resource: arn })).document)['Resource']).toBe(expected);
  });

  it('rewrites every ARN of a Resource array and counts them', () => {
    const result = rewrite(statement({ Resource: ['arn:aws:iot:us-east-1:123:client/a', 'arn:aws:iot:us-east-1:123:topic/b'] }));
    expect(firstStatement(result.document)['Resource']).toEqual(['arn:aws:iot:eu-west-1:123:client/a', 'arn:aws:iot:eu-west-1:123:topic/b']);
    expect(result.rewrittenArns).toBe(2);
  });

  it('rewrites NotResource', () => {
    const result = rewrite(statement({ NotResource: 'arn:aws:iot:us-east-1:123:topic/admin' }));
    expect(firstStatement(result.document)['NotResource']).toBe('arn:aws:iot:eu-west-1:123:topic/admin');
  });

  it('rewrites ARN values inside Condition blocks (ArnEquals on aws:SourceArn)', () => {
    const result = rewrite(statement({ Resource: '*', Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:iot:us-east-1:123:rule/r1' }, StringLike: { 'iot:ClientId': ['arn:aws:iot:us-east-1:123:thing/*'] } } }));
    const condition = firstStatement(result.document)['Condition'] as Record<string, Record<string, unknown>>;
    expect(condition['ArnEquals']?.['aws:SourceArn']).toBe('arn:aws:iot:eu-west-1:123:rule/r1');
    expect(condition['StringLike']?.['iot:ClientId']).toEqual(['arn:aws:iot:eu-west-1:123:thing/*']);
    expect(result.rewrittenArns).toBe(2);
  });

  it('keeps wildcard regions, other services, other regions and non-ARN fields as written', () => {
    const doc = statement({
      Sid: 'arn:aws:iot:us-east-1:123:client/not-a-resource-field',
      Resource: ['arn:aws:iot:*:123:client/a', 'arn:aws:s3:us-east-1:123:bucket', 'arn:aws:iot:us-west-2:123:client/a', 'us-east-1'],
    });
    const result = rewrite(doc);
    expect(result).toEqual({ document: doc, rewrittenArns: 0, rewrittenAccounts: 0 });
  });

  it('throws InvalidResourceError naming the policy on malformed JSON', () => {
    expect(() => rewritePolicyDocument('{"Statement": [', 'us-east-1', 'eu-west-1', 'device-policy')).toThrow(InvalidResourceError);
    expect(() => rewritePolicyDocument('{"Statement": [', 'us-east-1', 'eu-west-1', 'device-policy')).toThrow(/policy "device-policy"/);
  });

  it('rejects a document that is JSON but not an object', () => {
    expect(() => rewrite('[1, 2]')).toThrow(InvalidResourceError);
  });
});

describe('normalisePolicyDocument', () => {
  it('ignores key order and whitespace but keeps array order', () => {
    const a = '{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": ["iot:Connect", "iot:Publish"], "Resource": "*" } ] }';
    const b = '{"Statement":[{"Resource":"*","Action":["iot:Connect","iot:Publish"],"Effect":"Allow"}],"Version":"2012-10-17"}';
    const reordered = '{"Statement":[{"Resource":"*","Action":["iot:Publish","iot:Connect"],"Effect":"Allow"}],"Version":"2012-10-17"}';
    expect(normalisePolicyDocument(a)).toBe(normalisePolicyDocument(b));
    expect(normalisePolicyDocument(a)).not.toBe(normalisePolicyDocument(reordered));
  });

  it('treats a plain string and a one-element array as equal in Action, Resource and Condition values, and a single Statement object as a one-element list', () => {
    const a = '{"Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"Bool":{"iot:Connection.Thing.IsAttached":"true"}}}}';
    const b = '{"Statement":[{"Effect":"Allow","Action":["iot:Connect"],"Resource":["*"],"Condition":{"Bool":{"iot:Connection.Thing.IsAttached":["true"]}}}]}';
    expect(normalisePolicyDocument(a)).toBe(normalisePolicyDocument(b));
  });
});

describe('policyDocumentsEqual', () => {
  const source = statement({ Resource: 'arn:aws:iot:us-east-1:123:client/a' });

  it('is true when the target holds the rewritten source, whatever its formatting', () => {
    const target = JSON.stringify(JSON.parse(statement({ Resource: 'arn:aws:iot:eu-west-1:123:client/a' })), null, 2);
    expect(policyDocumentsEqual(source, target, 'us-east-1', 'eu-west-1')).toBe(true);
  });

  it('is false when the target still carries the source region', () => {
    expect(policyDocumentsEqual(source, source, 'us-east-1', 'eu-west-1')).toBe(false);
  });

  it('is false, not an error, when the target document is malformed', () => {
    expect(policyDocumentsEqual(source, '{', 'us-east-1', 'eu-west-1')).toBe(false);
  });
});
