/**
 * Builds the EventBridge "AWS API Call via CloudTrail" event of a successful write call, as AWS delivers
 * it to the default bus of the region where the call was made.
 */
import { randomUUID } from 'node:crypto';
import type { CloudTrailEnvelope } from './events';

/** What the server knows about one accepted call. */
export interface ApiCall {
  readonly region: string;
  readonly accountId: string;
  readonly operation: string;
  readonly accessKeyId: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly requestId: string;
  readonly time: Date;
  readonly requestParameters: Record<string, unknown> | null;
  readonly responseElements: Record<string, unknown> | null;
}

/** ISO-8601 without milliseconds, as CloudTrail and EventBridge write times. */
export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The EventBridge envelope of a CloudTrail management event for `call`. */
export function cloudTrailEvent(call: ApiCall): CloudTrailEnvelope {
  const time = isoSeconds(call.time);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iot',
    account: call.accountId,
    time,
    region: call.region,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEMULATOREXAMPLE:iot-emulator',
        arn: `arn:aws:sts::${call.accountId}:assumed-role/iot-emulator/iot-emulator`,
        accountId: call.accountId,
        accessKeyId: call.accessKeyId,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEMULATOREXAMPLE',
            arn: `arn:aws:iam::${call.accountId}:role/iot-emulator`,
            accountId: call.accountId,
            userName: 'iot-emulator',
          },
          attributes: { creationDate: time, mfaAuthenticated: 'false' },
        },
      },
      eventTime: time,
      eventSource: 'iot.amazonaws.com',
      eventName: call.operation,
      awsRegion: call.region,
      sourceIPAddress: call.sourceIp,
      userAgent: call.userAgent,
      requestParameters: call.requestParameters,
      responseElements: call.responseElements,
      requestID: call.requestId,
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: call.accountId,
      eventCategory: 'Management',
    },
  };
}
