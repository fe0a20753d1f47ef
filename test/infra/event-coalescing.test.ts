/**
 * The coalescing glue, synthesized: rules → encrypted queue with a dead-letter queue → pipe with a batch
 * window → the Standard state machine (FIRE_AND_FORGET), and a pipe role that can do only that.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EventCoalescing, type EventCoalescingProps } from '../../lib/infra/event-coalescing';
import { DEFAULT_COALESCING_WINDOW_SECONDS, MAX_BATCH_EVENTS } from '../../lib/events/batch';

function synth(props: Partial<EventCoalescingProps> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Coalescing', { env: { account: '111122223333', region: 'us-east-1' } });
  const stateMachine = new sfn.StateMachine(stack, 'Sync', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Done')) });
  const coalescing = new EventCoalescing(stack, 'EventCoalescing', { stateMachine, ...props });
  new events.Rule(stack, 'Rule', { eventPattern: { source: ['aws.iot'] }, targets: [coalescing.ruleTarget] });
  return { stack, template: Template.fromStack(stack), coalescing };
}

describe('EventCoalescing', () => {
  const { stack, template } = synth();

  it('batches the queue into the state machine with the deployed window and size, fire-and-forget', () => {
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      Source: { 'Fn::GetAtt': [Match.stringLikeRegexp('EventCoalescingQueue'), 'Arn'] },
      SourceParameters: { SqsQueueParameters: { BatchSize: MAX_BATCH_EVENTS, MaximumBatchingWindowInSeconds: DEFAULT_COALESCING_WINDOW_SECONDS } },
      Target: { Ref: Match.stringLikeRegexp('Sync') },
      TargetParameters: { StepFunctionStateMachineParameters: { InvocationType: 'FIRE_AND_FORGET' } },
    });
  });

  it('delivers the rule to an encrypted queue whose failures move to an encrypted dead-letter queue', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EventCoalescingDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EventCoalescingQueue'), 'Arn'] }, RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 } })],
    });
    // Only this rule may send to the queue.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Principal: { Service: 'events.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } } }),
        ]),
      }),
    });
  });

  it('gives the pipe role exactly: receive, delete and read attributes of its queue, and start the state machine', () => {
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('EventCoalescingPipeRole') }] } });
    const statements = Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement);
    expect(statements).toEqual([
      { Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/EventCoalescingQueue/), 'Arn'] } },
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: expect.stringMatching(/^Sync/) } },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'pipes.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } })] },
    });
  });

  it('passes the cdk-nag AwsSolutions checks for its own resources', () => {
    const report = new AwsSolutionsChecks().validateScope(stack.node.findChild('EventCoalescing'));
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it.each<[Partial<EventCoalescingProps>, string]>([
    [{ windowSeconds: 0 }, 'windowSeconds'],
    [{ windowSeconds: 301 }, 'windowSeconds'],
    [{ batchSize: MAX_BATCH_EVENTS + 1 }, 'batchSize'],
    [{ maxReceiveCount: 0 }, 'maxReceiveCount'],
  ])('refuses %j, naming %s', (props, field) => {
    expect(() => synth(props)).toThrow(field);
  });
});
