import { iotAuthorizationRequest, TemplateAuthorizer, parseTemplate } from '../../lib/local/iam';
import { ROUTES } from '../../lib/local/emulator';
import { ACCOUNT } from '../support/constants';

const REGION = 'eu-west-1';
const arn = (resource: string) => `arn:aws:iot:${REGION}:${ACCOUNT}:${resource}`;
const request = (operation: string, input: Record<string, unknown>) => iotAuthorizationRequest({ operation, input, region: REGION, accountId: ACCOUNT });

/** A value for every member an emulator route can carry, so each operation names what it can. */
const SAMPLE_INPUT: Record<string, string> = {
  thingName: 't1', thingTypeName: 'tt', thingGroupName: 'g1', billingGroupName: 'b1', policyName: 'p1', policyVersionId: '1',
  certificateId: 'c1', caCertificateId: 'ca1', target: arn('cert/c1'), principal: arn('cert/c1'), templateName: 'tpl1', roleAlias: 'ra1',
};

describe('iotAuthorizationRequest (Service Authorization Reference data)', () => {
  it('gives AttachPolicy its target (a certificate or a thing group) as the resource', async () => {
    expect(await request('AttachPolicy', { policyName: 'p', target: arn('cert/abc') })).toEqual({ action: 'iot:AttachPolicy', resources: [arn('cert/abc')], context: { 'aws:RequestedRegion': REGION } });
    expect((await request('AttachPolicy', { policyName: 'p', target: arn('thinggroup/g') })).resources).toEqual([arn('thinggroup/g')]);
  });

  it('authorizes AttachThingPrincipal on the certificate, with the thing as iot:thingArn', async () => {
    expect(await request('AttachThingPrincipal', { thingName: 'd1', principal: arn('cert/abc') })).toEqual({
      action: 'iot:AttachThingPrincipal',
      resources: [arn('cert/abc')],
      context: { 'aws:RequestedRegion': REGION, 'iot:thingArn': arn('thing/d1') },
    });
  });

  it('authorizes RegisterCertificateWithoutCA and ListThings on * only', async () => {
    expect((await request('RegisterCertificateWithoutCA', { certificatePem: 'x' })).resources).toEqual(['*']);
    expect((await request('ListThings', { maxResults: 10 })).resources).toEqual(['*']);
  });

  it('authorizes AddThingToThingGroup on both the thing and the group, by name or by ARN', async () => {
    expect((await request('AddThingToThingGroup', { thingName: 'd1', thingGroupName: 'g' })).resources).toEqual([arn('thing/d1'), arn('thinggroup/g')]);
    expect((await request('AddThingToThingGroup', { thingArn: arn('thing/d2'), thingGroupArn: arn('thinggroup/h') })).resources).toEqual([arn('thing/d2'), arn('thinggroup/h')]);
  });

  it('fails loudly when a request lacks a resource the reference requires', async () => {
    await expect(request('AddThingToThingGroup', { thingName: 'd1' })).rejects.toThrow('names no thinggroup');
  });

  it('maps every operation the emulator routes to an action of the reference with resources', async () => {
    expect(ROUTES.length).toBeGreaterThan(60);
    for (const route of ROUTES) {
      // Every path label the route binds gets a value too (a new family's name labels, say).
      const labels = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, `${m[1]}-1`]));
      const result = await request(route.operation, { ...labels, ...SAMPLE_INPUT });
      expect(result.action).toBe(`iot:${route.operation}`);
      expect(result.resources.length).toBeGreaterThan(0);
      for (const resource of result.resources) expect(resource === '*' || resource.startsWith(`arn:aws:iot:${REGION}:${ACCOUNT}:`)).toBe(true);
    }
  });
});

describe('TemplateAuthorizer', () => {
  const template = parseTemplate({
    Resources: {
      Reader: { Type: 'AWS::IAM::Role', Properties: {} },
      ReaderPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'Reader' }],
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'iot:DescribeThing', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:thing/*' } },
              { Effect: 'Allow', Action: 'iot:ListThings', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } } },
            ],
          },
        },
      },
    },
  });
  const authorizer = new TemplateAuthorizer(template, { accountId: ACCOUNT, stackRegion: 'us-east-1' });

  it('allows the stack region and denies another region, in AWS’s words', async () => {
    expect(await authorizer.authorize('Reader', { operation: 'DescribeThing', input: { thingName: 'd' }, region: 'us-east-1' })).toBeNull();
    expect(await authorizer.authorize('Reader', { operation: 'ListThings', input: {}, region: 'us-east-1' })).toBeNull();
    const denied = await authorizer.authorize('Reader', { operation: 'ListThings', input: {}, region: 'eu-west-1' });
    expect(denied?.message).toMatch(/^User: arn:aws:sts::123456789012:assumed-role\/Reader\/local is not authorized to perform: iot:ListThings on resource: \*/);
  });

  it('leaves a key that names no role unrestricted', async () => {
    expect(await authorizer.authorize('local', { operation: 'DeleteThing', input: { thingName: 'd' }, region: 'eu-west-1' })).toBeNull();
  });
});
