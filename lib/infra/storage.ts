/**
 * The construct's queues and buckets: encrypted, private, TLS only. The queues are dead-letter
 * destinations an operator redrives; the buckets hold the drift reports and the access logs.
 */
import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from './nag-acknowledgements';

/** Settings shared by every bucket: encrypted, private, TLS only, kept on stack deletion. */
export const PRIVATE_BUCKET: s3.BucketProps = {
  encryption: s3.BucketEncryption.S3_MANAGED,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
};

/** A queue that some hop hands the messages it gives up on to, kept 14 days for an operator to redrive. */
export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(queue, 'AwsSolutions-SQS3', 'This queue is itself a dead-letter destination: an operator inspects and redrives it, nothing consumes it automatically');
  return queue;
}

/** The drift reports' bucket and the server access logs of the construct's buckets. */
export interface ReportBuckets {
  /** Drift reports: versioned, access-logged, expired after 90 days (per-chunk results after 7). */
  reportBucket: s3.Bucket;
  /** Server access logs of the construct's buckets, expired after 90 days. */
  accessLogsBucket: s3.Bucket;
}

/** Creates the report bucket and the access-logs bucket. */
export function addReportBuckets(scope: Construct): ReportBuckets {
  const accessLogsBucket = new s3.Bucket(scope, 'AccessLogsBucket', {
    ...PRIVATE_BUCKET,
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
  });
  const reportBucket = new s3.Bucket(scope, 'ReportBucket', {
    ...PRIVATE_BUCKET,
    versioned: true,
    serverAccessLogsBucket: accessLogsBucket,
    serverAccessLogsPrefix: 'reports/',
    lifecycleRules: [
      { id: 'expire-reports', expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(30) },
      // Per-chunk intermediate results of the drift job: only the run that wrote them reads them.
      { id: 'expire-drift-runs', prefix: 'drift/runs/', expiration: Duration.days(7), noncurrentVersionExpiration: Duration.days(1) },
    ],
  });
  return { reportBucket, accessLogsBucket };
}
