import { connectionVariables, evaluateIotAction, groupsWithAncestors, type ConnectionFacts } from '../../lib/core/iot-policy-evaluation';

const ARN = 'arn:aws:iot:us-east-1:123456789012';
const facts = (over: Partial<ConnectionFacts> = {}): ConnectionFacts => ({
  region: 'us-east-1',
  accountId: '123456789012',
  clientId: 'sensor-1',
  certificateId: 'c0ffee',
  certificateSubject: { CN: 'sensor-1', O: 'Acme' },
  thing: { name: 'sensor-1', typeName: 'thermostat', attributes: { floor: '3' }, attachedToCertificate: true },
  ...over,
});
const policy = (name: string, ...statements: unknown[]) => ({ name, document: JSON.stringify({ Version: '2012-10-17', Statement: statements }) });
const allow = (action: string, resource: string, condition?: unknown) => ({ Effect: 'Allow', Action: action, Resource: resource, ...(condition ? { Condition: condition } : {}) });

describe('evaluateIotAction', () => {
  it('allows Connect on client/${iot:Connection.Thing.ThingName} only for the attached thing', () => {
    const p = [policy('p', allow('iot:Connect', `${ARN}:client/\${iot:Connection.Thing.ThingName}`))];
    expect(evaluateIotAction(p, 'iot:Connect', 'sensor-1', facts()).decision).toBe('Allow');
    expect(evaluateIotAction(p, 'iot:Connect', 'sensor-1', facts({ thing: { name: 'sensor-1', attributes: {}, attachedToCertificate: false } })).decision).toBe('ImplicitDeny');
    expect(evaluateIotAction(p, 'iot:Connect', 'other', facts({ clientId: 'other', thing: undefined })).decision).toBe('ImplicitDeny');
  });

  it('resolves iot:ClientId in a topic resource', () => {
    const p = [policy('p', allow('iot:Publish', `${ARN}:topic/devices/\${iot:ClientId}/*`))];
    expect(evaluateIotAction(p, 'iot:Publish', 'devices/sensor-1/temp', facts()).decision).toBe('Allow');
    expect(evaluateIotAction(p, 'iot:Publish', 'devices/sensor-2/temp', facts()).decision).toBe('ImplicitDeny');
  });

  it('resolves the thing type, an attribute and IsAttached in conditions', () => {
    const p = [
      policy('p', allow('iot:Publish', `${ARN}:topic/floor/\${iot:Connection.Thing.Attributes[floor]}`, {
        StringEquals: { 'iot:Connection.Thing.ThingTypeName': 'thermostat' },
        Bool: { 'iot:Connection.Thing.IsAttached': 'true' },
      })),
    ];
    expect(evaluateIotAction(p, 'iot:Publish', 'floor/3', facts()).decision).toBe('Allow');
    expect(evaluateIotAction(p, 'iot:Publish', 'floor/4', facts()).decision).toBe('ImplicitDeny');
    const otherType = facts({ thing: { name: 'sensor-1', typeName: 'lamp', attributes: { floor: '3' }, attachedToCertificate: true } });
    expect(evaluateIotAction(p, 'iot:Publish', 'floor/3', otherType).decision).toBe('ImplicitDeny');
  });

  it('resolves certificate subject variables', () => {
    const p = [policy('p', allow('iot:Connect', `${ARN}:client/\${iot:Certificate.Subject.CommonName}`))];
    expect(evaluateIotAction(p, 'iot:Connect', 'sensor-1', facts()).decision).toBe('Allow');
    expect(evaluateIotAction(p, 'iot:Connect', 'sensor-1', facts({ certificateSubject: { CN: 'someone-else' } })).decision).toBe('ImplicitDeny');
  });

  it('lets an explicit Deny in any policy win over an Allow in another', () => {
    const p = [policy('allow-all', allow('iot:*', '*')), policy('deny', { Effect: 'Deny', Action: 'iot:Connect', Resource: `${ARN}:client/sensor-*` })];
    expect(evaluateIotAction(p, 'iot:Connect', 'sensor-1', facts()).decision).toBe('ExplicitDeny');
    expect(evaluateIotAction(p, 'iot:Publish', 'x', facts()).decision).toBe('Allow');
  });

  it('matches topic filters on the topicfilter resource, not topic', () => {
    const p = [policy('p', allow('iot:Subscribe', `${ARN}:topicfilter/devices/+/status`))];
    expect(evaluateIotAction(p, 'iot:Subscribe', 'devices/+/status', facts()).decision).toBe('Allow');
    expect(evaluateIotAction(p, 'iot:Subscribe', 'devices/#', facts()).decision).toBe('ImplicitDeny');
  });

  it('reports an unreadable policy and grants nothing from it', () => {
    const result = evaluateIotAction([{ name: 'broken', document: '{not json' }], 'iot:Connect', 'sensor-1', facts());
    expect(result).toEqual({ decision: 'ImplicitDeny', unreadablePolicies: ['broken'] });
  });
});

describe('connectionVariables', () => {
  it('leaves the thing variables unresolved when the thing is not attached', () => {
    const vars = connectionVariables(facts({ thing: { name: 'sensor-1', typeName: 't', attributes: { a: '1' }, attachedToCertificate: false } }));
    expect(vars['iot:Connection.Thing.IsAttached']).toBe('false');
    expect(vars['iot:Connection.Thing.ThingName']).toBeUndefined();
    expect(vars['iot:Connection.Thing.Attributes[a]']).toBeUndefined();
    expect(vars['iot:Certificate.Subject.Organization']).toBe('Acme');
  });
});

describe('groupsWithAncestors', () => {
  it('walks each direct group up to its root once', () => {
    const parents: Record<string, string | undefined> = { leaf: 'mid', mid: 'root', root: undefined, other: 'root' };
    const byName = (n: string) => (n in parents ? { name: n, ...(parents[n] ? { parentName: parents[n] } : {}) } : undefined);
    expect(groupsWithAncestors(['leaf', 'other'], byName).sort()).toEqual(['leaf', 'mid', 'other', 'root']);
  });
});
