/**
 * The coalescing hop between the rules and the sync state machine: EventBridge rules → an encrypted SQS
 * queue (with a dead-letter queue) → an EventBridge pipe with a batch window → one Standard execution per
 * batch (FIRE_AND_FORGET: the pipe hands the batch over as the execution input, an array of SQS records,
 * which ResolveChange unwraps). The events one registration makes within the window start one execution
 * instead of one each. See docs/coalescing.md.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DEFAULT_COALESCING_WINDOW_SECONDS, MAX_BATCH_EVENTS } from '../events/batch';
import { acknowledge } from './nag-acknowledgements';

/** Props of {@link EventCoalescing}. */
export interface EventCoalescingProps {
  /** The sync state machine (Standard) each batch starts. */
  readonly stateMachine: sfn.IStateMachine;
  /** Seconds the pipe waits to fill a batch after its first event: 1–300 (default 5). */
  readonly windowSeconds?: number;
  /** Most events per batch: 1–20 (default 20; bounded by the 256 KiB execution input, see lib/events/batch.ts). */
  readonly batchSize?: number;
  /** Where the rules put an event they could not deliver to the queue (default: a queue of its own). */
  readonly ruleDeadLetterQueue?: sqs.IQueue;
  /** How many times the pipe may receive a message before the queue moves it to its dead-letter queue (default 5). */
  readonly maxReceiveCount?: number;
}

/** Coalesces the sync's events into batches, one Standard execution per batch. */
export class EventCoalescing extends Construct {
  /** The queue the rules deliver to; the pipe reads it. */
  readonly queue: sqs.Queue;
  /** Messages the pipe failed to start an execution for after `maxReceiveCount` receives (redrive from here). */
  readonly deadLetterQueue: sqs.Queue;
  /** The pipe: the queue, batched, to the state machine. */
  readonly pipe: pipes.CfnPipe;
  /** The pipe's role: read and delete from the queue, start the state machine; nothing else. */
  readonly pipeRole: iam.Role;
  /** The target to give each rule: the queue, with the rule's retries and dead-letter queue. */
  readonly ruleTarget: events.IRuleTarget;
  /** The batch window in seconds (the most latency coalescing adds before an execution starts). */
  readonly windowSeconds: number;
  /** The most events per batch. */
  readonly batchSize: number;

  constructor(scope: Construct, id: string, props: EventCoalescingProps) {
    super(scope, id);
    this.windowSeconds = props.windowSeconds ?? DEFAULT_COALESCING_WINDOW_SECONDS;
    this.batchSize = props.batchSize ?? MAX_BATCH_EVENTS;
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    // An SQS source with a batch size above 10 needs a window of at least 1 s; the window is at most 300 s.
    // https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceSqsQueueParameters.html
    if (!Number.isInteger(this.windowSeconds) || this.windowSeconds < 1 || this.windowSeconds > 300) {
      throw new Error(`EventCoalescing: windowSeconds must be an integer from 1 to 300 (got ${this.windowSeconds})`);
    }
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > MAX_BATCH_EVENTS) {
      throw new Error(`EventCoalescing: batchSize must be an integer from 1 to ${MAX_BATCH_EVENTS} (got ${this.batchSize}); see lib/events/batch.ts for the bound`);
    }
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`EventCoalescing: maxReceiveCount must be an integer from 1 to 1000 (got ${maxReceiveCount})`);
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is itself a dead-letter destination: an operator inspects and redrives it, nothing consumes it automatically');
    // For an SQS source the pipe gives up through the queue's own redrive policy (the pipe's DeadLetterConfig is
    // for stream sources): https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html (UNCONFIRMED wording)
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    // Least privilege, as the Pipes permissions page lists for an SQS source and a Step Functions target:
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html
    this.pipeRole = new iam.Role(this, 'PipeRole', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    this.pipeRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resources: [this.queue.queueArn] }),
    );
    this.pipeRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [props.stateMachine.stateMachineArn] }));

    this.pipe = new pipes.CfnPipe(this, 'Pipe', {
      description: `Registry-sync events, coalesced for up to ${this.windowSeconds} s (at most ${this.batchSize} per batch), start one sync execution per batch`,
      roleArn: this.pipeRole.roleArn,
      source: this.queue.queueArn,
      sourceParameters: { sqsQueueParameters: { batchSize: this.batchSize, maximumBatchingWindowInSeconds: this.windowSeconds } },
      target: props.stateMachine.stateMachineArn,
      // A Standard workflow can only be started asynchronously by a pipe; the batch is the execution input.
      // https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeTargetStateMachineParameters.html
      targetParameters: { stepFunctionStateMachineParameters: { invocationType: 'FIRE_AND_FORGET' } },
    });
    this.pipe.node.addDependency(this.pipeRole);

    // A late event is as good as a timely one (the sync re-reads the source), so EventBridge may retry for
    // as long as it allows before the rule's dead-letter queue.
    this.ruleTarget = new targets.SqsQueue(this.queue, {
      ...(props.ruleDeadLetterQueue === undefined ? {} : { deadLetterQueue: props.ruleDeadLetterQueue }),
      maxEventAge: Duration.hours(24),
      retryAttempts: 185,
    });
  }
}
