import { arnRegion, expectedRegistrationConfig, normaliseTemplateBody, rewriteTemplateBody } from '../../lib/core/provisioning-template';
import { policyDocument } from '../support/builders';

const body = (policy: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Resources: { policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: policy } }, ...extra } });

describe('rewriteTemplateBody', () => {
  it('rewrites the IoT ARNs of the policy documents the template embeds, and only those', () => {
    const thing = { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'arn:aws:iot:us-east-1:123456789012:thing/x' } } };
    const out = rewriteTemplateBody(body(policyDocument('us-east-1'), thing), 'us-east-1', 'eu-west-1', 'template t');
    expect(out.rewrittenArns).toBe(1);
    const parsed = JSON.parse(out.body) as { Resources: { policy: { Properties: { PolicyDocument: string } }; thing: { Properties: { ThingName: string } } } };
    expect(parsed.Resources.policy.Properties.PolicyDocument).toContain('arn:aws:iot:eu-west-1:');
    expect(parsed.Resources.thing.Properties.ThingName).toBe('arn:aws:iot:us-east-1:123456789012:thing/x');
  });

  it('returns the body verbatim when nothing names the source region, or when the policy is built at provisioning time', () => {
    const templated = body({ 'Fn::Join': ['', ['{"Version":"2012-10-17"}']] });
    expect(rewriteTemplateBody(templated, 'us-east-1', 'eu-west-1', 't')).toEqual({ body: templated, rewrittenArns: 0 });
    const other = body(policyDocument('ap-south-1'));
    expect(rewriteTemplateBody(other, 'us-east-1', 'eu-west-1', 't')).toEqual({ body: other, rewrittenArns: 0 });
  });

  it('refuses a body that is not a JSON object, naming the subject', () => {
    expect(() => rewriteTemplateBody('{oops', 'us-east-1', 'eu-west-1', 'template fleet')).toThrow(/template fleet: the template body is not valid JSON/);
    expect(() => rewriteTemplateBody('[1]', 'us-east-1', 'eu-west-1', 'template fleet')).toThrow(/template fleet: the template body is not a JSON object/);
  });
});

describe('normaliseTemplateBody and expectedRegistrationConfig', () => {
  it('ignores key order and whitespace; keeps a non-JSON body as written', () => {
    expect(normaliseTemplateBody('{"b":1, "a":{"d":2,"c":3}}')).toBe(normaliseTemplateBody('{ "a": {"c":3,"d":2}, "b": 1 }'));
    expect(normaliseTemplateBody('not json')).toBe('not json');
  });

  it('rewrites a registrationConfig body and keeps the role and template name', () => {
    const config = { templateBody: body(policyDocument('us-east-1')), roleArn: 'arn:aws:iam::123456789012:role/jitp' };
    const out = expectedRegistrationConfig(config, { sourceRegion: 'us-east-1', targetRegion: 'eu-west-1' }, 'ca1');
    expect(out?.roleArn).toBe(config.roleArn);
    expect(out?.templateBody).toContain('eu-west-1');
    expect(expectedRegistrationConfig({ templateName: 'jitp' }, { sourceRegion: 'us-east-1', targetRegion: 'eu-west-1' }, 'ca1')).toEqual({ templateName: 'jitp' });
    expect(arnRegion('arn:aws:lambda:us-east-1:123456789012:function:hook')).toBe('us-east-1');
    expect(arnRegion('arn:aws:iam::123456789012:role/x')).toBeUndefined();
  });
});
