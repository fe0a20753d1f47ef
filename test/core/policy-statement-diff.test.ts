import { diffPolicyStatements, statementText } from '../../lib/core/policy-statement-diff';

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const topic = (t: string) => `arn:aws:iot:eu-west-1:123456789012:topic/${t}`;

describe('diffPolicyStatements', () => {
  it('finds no difference between equal documents whatever the list order', () => {
    const d = diffPolicyStatements(doc({ Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: topic('a') }), doc({ Effect: 'Allow', Action: ['iot:Receive', 'iot:Publish'], Resource: [topic('a')] }));
    expect(d).toEqual({ added: [], removed: [], changed: [], targetGrantsMore: false });
  });

  it('flags a target that allows iot:* on * where the source allows one topic', () => {
    const d = diffPolicyStatements(doc({ Effect: 'Allow', Action: 'iot:Publish', Resource: topic('a') }), doc({ Effect: 'Allow', Action: 'iot:*', Resource: '*' }));
    expect(d.targetGrantsMore).toBe(true);
    expect(d.added.map(statementText)).toEqual(['Allow iot:* on *']);
    expect(d.removed.map(statementText)).toEqual([`Allow iot:Publish on ${topic('a')}`]);
  });

  it('matches statements by Sid and reports which members changed; narrowing does not grant more', () => {
    const d = diffPolicyStatements(
      doc({ Sid: 'pub', Effect: 'Allow', Action: 'iot:Publish', Resource: topic('a/*') }),
      doc({ Sid: 'pub', Effect: 'Allow', Action: 'iot:Publish', Resource: topic('a/b') }),
    );
    expect(d.changed).toHaveLength(1);
    expect(d.changed[0]!.members).toEqual(['Resource']);
    expect(d.targetGrantsMore).toBe(false);
  });

  it('counts a widened resource and a removed Deny as granting more', () => {
    expect(diffPolicyStatements(doc({ Sid: 's', Effect: 'Allow', Action: 'iot:Publish', Resource: topic('a/b') }), doc({ Sid: 's', Effect: 'Allow', Action: 'iot:Publish', Resource: topic('a/*') })).targetGrantsMore).toBe(true);
    expect(diffPolicyStatements(doc({ Effect: 'Allow', Action: 'iot:*', Resource: '*' }, { Effect: 'Deny', Action: 'iot:Connect', Resource: '*' }), doc({ Effect: 'Allow', Action: 'iot:*', Resource: '*' })).targetGrantsMore).toBe(true);
  });

  it('says which side is unreadable', () => {
    expect(diffPolicyStatements('{', doc()).unreadable).toBe('source');
    expect(diffPolicyStatements(doc(), 'nope').unreadable).toBe('target');
  });
});
