/**
 * The building blocks every Lambda of the project is made of: a role with exactly the statements it is
 * given, and a bundled Node.js function with its own log group and tracing.
 */
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionSizing } from './function-sizing';
import { acknowledgeWildcardResources } from './nag-acknowledgements';
import { REGISTRY_WILDCARD_REASON } from './registry-permissions';

/** The repository root (lib/infra/ → ../..), where the handlers, the ASL files and the lockfile live. */
export const PROJECT_ROOT = join(__dirname, '..', '..');

/**
 * A Lambda role with exactly these statements and no managed policy (each function writes only to its own
 * log group); the statements' wildcard resources are acknowledged with the registry's reason.
 */
export function lambdaRole(scope: Construct, id: string, statements: iam.PolicyStatement[]): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  for (const statement of statements) role.addToPrincipalPolicy(statement);
  acknowledgeWildcardResources(role, statements, REGISTRY_WILDCARD_REASON);
  return role;
}

/** Options of {@link handlerFunction}. */
export interface HandlerOptions {
  /** The handler's file under lambdas/. */
  file: string;
  /** Its role (the log group's write grant is added to it). */
  role: iam.Role;
  /** Retention of its log group. */
  retention: logs.RetentionDays;
  /** Its environment variables (NODE_OPTIONS is added). */
  environment: Record<string, string>;
  /** Its memory and timeout (function-sizing.ts). */
  sizing: FunctionSizing;
}

/** A bundled Node.js Lambda with its own log group, tracing and the given role. */
export function handlerFunction(scope: Construct, name: string, options: HandlerOptions): NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${name}Logs`, { retention: options.retention });
  logGroup.grantWrite(options.role);
  return new NodejsFunction(scope, name, {
    entry: join(PROJECT_ROOT, 'lambdas', options.file),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: options.sizing.memoryMb,
    timeout: Duration.seconds(options.sizing.timeoutSeconds),
    tracing: lambda.Tracing.ACTIVE,
    role: options.role,
    logGroup,
    environment: { ...options.environment, NODE_OPTIONS: '--enable-source-maps' },
    bundling: {
      format: OutputFormat.CJS,
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      forceDockerBundling: false,
      // The SDK version the tests ran against, not whichever the runtime ships.
      bundleAwsSDK: true,
    },
  });
}
