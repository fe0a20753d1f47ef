import { IntrinsicResolver, parseTemplate, rolesOfTemplate, taskRoles, TemplateResolutionError } from '../../lib/local/iam';

const ENV = { accountId: '111122223333', region: 'eu-west-1' };

const template = parseTemplate({
  Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } },
  Parameters: { Stage: { Type: 'String', Default: 'prod' } },
  Resources: {
    Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['ReaderRole', 'Arn'] } } },
    ReaderRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']] }],
        Policies: [{ PolicyName: 'inline', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:ListThings', Resource: '*' }] } }],
      },
    },
    ReaderPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'ReaderRole' }],
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:DescribeThing', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:thing/*' } }] },
      },
    },
    Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionSubstitutions: { ReadFunctionArn: { 'Fn::GetAtt': ['Fn', 'Arn'] } } } },
  },
});

describe('IntrinsicResolver', () => {
  const resolver = new IntrinsicResolver(template, ENV);

  it('resolves pseudo parameters to the stack’s account, partition, URL suffix and region (not a request’s)', () => {
    expect(resolver.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:thing/* ${AWS::URLSuffix}' })).toBe(
      'arn:aws:iot:eu-west-1:111122223333:thing/* amazonaws.com',
    );
  });

  it('joins, splits and selects', () => {
    expect(resolver.resolve({ 'Fn::Join': [':', ['a', { Ref: 'AWS::Region' }]] })).toBe('a:eu-west-1');
    expect(resolver.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'x/y/z'] }] })).toBe('y');
  });

  it('substitutes variables given to Fn::Sub, GetAtt names, and leaves ${!Literal} alone', () => {
    expect(resolver.resolve({ 'Fn::Sub': ['${A}-${ReaderRole.Arn}-${!Keep}', { A: { Ref: 'AWS::AccountId' } }] })).toBe(
      '111122223333-arn:aws:iam::111122223333:role/ReaderRole-${Keep}',
    );
  });

  it('chooses an Fn::If branch by the template’s condition and drops AWS::NoValue', () => {
    expect(resolver.resolve({ 'Fn::If': ['IsProd', 'yes', 'no'] })).toBe('yes');
    expect(resolver.resolve(['a', { 'Fn::If': ['IsProd', { Ref: 'AWS::NoValue' }, 'b'] }])).toEqual(['a']);
  });

  it('gives Ref/GetAtt of other resources a placeholder ARN of their service', () => {
    expect(resolver.resolve({ 'Fn::GetAtt': ['Fn', 'Arn'] })).toBe('arn:aws:lambda:eu-west-1:111122223333:Fn');
  });

  it('names where an unknown reference is', () => {
    expect(() => resolver.resolve({ Statement: { Resource: { Ref: 'Nope' } } })).toThrow(new TemplateResolutionError('$.Statement.Resource.Ref: Ref to unknown Nope'));
    expect(() => resolver.resolve({ 'Fn::If': ['Missing', 1, 2] })).toThrow('unknown condition Missing');
  });
});

describe('rolesOfTemplate', () => {
  it('collects a role’s inline policies, the AWS::IAM::Policy resources naming it, and its managed policy ARNs', () => {
    const role = rolesOfTemplate(template, ENV).get('ReaderRole');
    expect(role?.managedPolicyArns).toEqual(['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']);
    expect(role?.policies.map((p) => p.name)).toEqual(['ReaderRole/inline/inline', 'ReaderPolicy']);
    expect(role?.policies[1]?.document.Statement).toEqual([{ Effect: 'Allow', Action: 'iot:DescribeThing', Resource: 'arn:aws:iot:eu-west-1:111122223333:thing/*' }]);
  });
});

describe('taskRoles', () => {
  it('follows Task → substitution → function → role', () => {
    expect(taskRoles(template, { States: { Read: { Type: 'Task', Resource: '${ReadFunctionArn}' }, Done: { Type: 'Succeed' } } })).toEqual({ Read: 'ReaderRole' });
  });

  it('fails naming a Task state whose function the template does not have', () => {
    expect(() => taskRoles(template, { States: { Other: { Type: 'Task', Resource: '${OtherFunctionArn}' } } })).toThrow('Task state(s) Other');
  });
});

describe('parseTemplate', () => {
  it('rejects a document without Resources, naming the field', () => {
    expect(() => parseTemplate({ Outputs: {} })).toThrow('invalid template: Resources');
  });
});
