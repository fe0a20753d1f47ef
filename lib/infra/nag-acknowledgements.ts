/**
 * cdk-nag (v3) acknowledgements: each finding is acknowledged on the construct that causes it, by its exact
 * finding id, with the reason it is acceptable here, so that a new wildcard still fails the check.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * A resource as cdk-nag's IAM5 rule names it: the resolved value flattened, references as `<Name>` and
 * attributes as `<Name.Attribute>` (the format of cdk-nag's flattenCfnReference).
 */
export function nagResourceName(scope: IConstruct, resource: string): string {
  const visit = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
    if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (Array.isArray(record['Fn::Join'])) {
        const [delimiter, items] = record['Fn::Join'] as [string, unknown[]];
        return items.map(visit).join(delimiter);
      }
      if (record.Ref !== undefined) return `<${visit(record.Ref)}>`;
      if (Array.isArray(record['Fn::GetAtt'])) {
        const [name, attribute] = record['Fn::GetAtt'] as [unknown, unknown];
        return `<${visit(name)}.${visit(attribute)}>`;
      }
    }
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(resource));
}

/** Acknowledges AwsSolutions-IAM5 for every wildcard resource of the given statements, on `scope`. */
export function acknowledgeWildcardResources(scope: IConstruct, statements: readonly PolicyStatement[], reason: string): void {
  const wildcards = new Set(
    statements.flatMap((statement) => statement.resources).filter((resource) => nagResourceName(scope, resource).includes('*')),
  );
  for (const resource of wildcards) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${nagResourceName(scope, resource)}]`, reason });
  }
}

/** Acknowledges one cdk-nag rule (or finding id) on a construct and everything under it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Why CDK's own logging and tracing statements on a state machine role have `*` resources. */
export const STATE_MACHINE_WILDCARD_REASON =
  'Added by CDK for logging and tracing: CloudWatch Logs delivery (logs:*LogDelivery, DescribeLogGroups, DescribeResourcePolicies) and X-Ray actions have no resource type';

/** Why CDK's tracing statements on a Lambda role have `*` resources. */
export const LAMBDA_TRACING_WILDCARD_REASON = 'Added by CDK for active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource type';

/** The AwsCustomResource provider is a stack singleton with the AWS managed basic-execution policy. */
export function acknowledgeCustomResourceProvider(scope: IConstruct): void {
  const provider = Stack.of(scope).node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
  if (provider) {
    acknowledge(
      provider,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'CDK-owned AwsCustomResource provider (runs once per deployment): the AWS managed policy only lets it write its own logs',
    );
    acknowledge(provider, 'AwsSolutions-L1', 'CDK-owned AwsCustomResource provider: CDK picks its runtime, which this app cannot set');
  }
}
