/**
 * IoT ARNs. The port is keyed by names and certificate IDs; only this adapter builds and parses the
 * region-specific ARNs that the IoT API takes and returns. (The certificate-ID rule is in
 * `lib/core/certificate-id`.)
 */
/** The AWS partition of a region: `aws-cn` for China, `aws-us-gov` for GovCloud, else `aws`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Where an IoT ARN lives: partition, region and account. */
export interface ArnScope {
  partition: string;
  region: string;
  accountId: string;
}

/** The ARN of a device certificate, `arn:<partition>:iot:<region>:<account>:cert/<id>`. */
export function certificateArn(scope: ArnScope, certificateId: string): string {
  return `arn:${scope.partition}:iot:${scope.region}:${scope.accountId}:cert/${certificateId}`;
}

/** The ARN of a thing group, `arn:<partition>:iot:<region>:<account>:thinggroup/<name>`. */
export function thingGroupArn(scope: ArnScope, groupName: string): string {
  return `arn:${scope.partition}:iot:${scope.region}:${scope.accountId}:thinggroup/${groupName}`;
}

const IOT_ARN = /^arn:[a-z-]+:iot:[a-z0-9-]*:([^:]+):([a-z]+)\/(.+)$/;

/** An IoT resource ARN taken apart; `undefined` for anything else (a Cognito identity, an IAM ARN). */
export function parseIotArn(arn: string): { accountId: string; resourceType: string; resourceName: string } | undefined {
  const match = IOT_ARN.exec(arn);
  if (!match) return undefined;
  const [, accountId, resourceType, resourceName] = match;
  if (accountId === undefined || resourceType === undefined || resourceName === undefined) return undefined;
  return { accountId, resourceType, resourceName };
}

/** The certificate ID of a `…:cert/<id>` ARN, else `undefined`. */
export function certificateIdOfArn(arn: string): string | undefined {
  const parsed = parseIotArn(arn);
  return parsed?.resourceType === 'cert' ? parsed.resourceName : undefined;
}

/** The group name of a `…:thinggroup/<name>` ARN, else `undefined`. */
export function thingGroupNameOfArn(arn: string): string | undefined {
  const parsed = parseIotArn(arn);
  return parsed?.resourceType === 'thinggroup' ? parsed.resourceName : undefined;
}
