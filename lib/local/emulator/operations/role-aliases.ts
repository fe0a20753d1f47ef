/**
 * Role aliases: Create, Describe, List, Update, Delete
 * (https://docs.aws.amazon.com/iot/latest/apireference/API_CreateRoleAlias.html). A role alias names the
 * IAM role a device's certificate exchanges for AWS credentials through the credentials provider.
 */
import { seconds, type OperationContext, type OperationTable } from '../context';
import { invalidRequest, resourceAlreadyExists, resourceNotFound } from '../errors';
import { checkName, optionalBool, optionalInt, optionalString, requiredString } from '../input';
import { pageSize, paginate } from '../pagination';
import type { RoleAliasRecord } from '../state';

/** `[\w=,@-]+`, 1–128 characters (API_CreateRoleAlias.html, roleAlias). */
const ROLE_ALIAS_NAME = /^[\w=,@-]+$/;
/** 900–43200 seconds, default 3600 (API_CreateRoleAlias.html, credentialDurationSeconds). */
const MIN_DURATION = 900;
const MAX_DURATION = 43_200;
const DEFAULT_DURATION = 3600;
/** An IAM role ARN (API_CreateRoleAlias.html, roleArn pattern). */
const ROLE_ARN = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const DEFAULT_PAGE_SIZE = 25;

function requireAlias(ctx: OperationContext, name: string): RoleAliasRecord {
  const alias = ctx.state.roleAliases.get(name);
  if (!alias) throw resourceNotFound(`Role alias ${name} does not exist`);
  return alias;
}

function duration(value: number | undefined): number | undefined {
  if (value !== undefined && (value < MIN_DURATION || value > MAX_DURATION)) {
    throw invalidRequest(`credentialDurationSeconds must be between ${MIN_DURATION} and ${MAX_DURATION}`);
  }
  return value;
}

function roleArn(value: string | undefined): string | undefined {
  if (value !== undefined && !ROLE_ARN.test(value)) throw invalidRequest(`Invalid roleArn: ${value}`);
  return value;
}

/** The handlers of the role-alias family. */
export const roleAliasOperations: OperationTable = {
  CreateRoleAlias(ctx, input) {
    const name = requiredString(input, 'roleAlias');
    checkName('roleAlias', name, ROLE_ALIAS_NAME);
    const arn = roleArn(requiredString(input, 'roleArn'))!;
    if (ctx.state.roleAliases.has(name)) throw resourceAlreadyExists(`Role alias ${name} already exists`);
    const alias: RoleAliasRecord = {
      name,
      arn: ctx.arn(`rolealias/${name}`),
      roleArn: arn,
      credentialDurationSeconds: duration(optionalInt(input, 'credentialDurationSeconds')) ?? DEFAULT_DURATION,
      creationDate: ctx.now,
      lastModifiedDate: ctx.now,
    };
    ctx.state.roleAliases.set(name, alias);
    return { body: { roleAlias: name, roleAliasArn: alias.arn } };
  },

  DescribeRoleAlias(ctx, input) {
    const a = requireAlias(ctx, requiredString(input, 'roleAlias'));
    return {
      body: {
        roleAliasDescription: {
          roleAlias: a.name,
          roleAliasArn: a.arn,
          roleArn: a.roleArn,
          owner: ctx.accountId,
          credentialDurationSeconds: a.credentialDurationSeconds,
          creationDate: seconds(a.creationDate),
          lastModifiedDate: seconds(a.lastModifiedDate),
        },
      },
    };
  },

  ListRoleAliases(ctx, input) {
    const ascending = optionalBool(input, 'ascendingOrder') ?? false;
    const names = [...ctx.state.roleAliases.keys()].sort();
    if (!ascending) names.reverse();
    const page = paginate(names, (n) => n, pageSize(optionalInt(input, 'pageSize'), 'pageSize', DEFAULT_PAGE_SIZE), optionalString(input, 'marker'), 'marker', !ascending);
    return { body: { roleAliases: page.items, ...(page.next !== undefined ? { nextMarker: page.next } : {}) } };
  },

  UpdateRoleAlias(ctx, input) {
    const a = requireAlias(ctx, requiredString(input, 'roleAlias'));
    const arn = roleArn(optionalString(input, 'roleArn'));
    const seconds = duration(optionalInt(input, 'credentialDurationSeconds'));
    if (arn !== undefined) a.roleArn = arn;
    if (seconds !== undefined) a.credentialDurationSeconds = seconds;
    a.lastModifiedDate = ctx.now;
    return { body: { roleAlias: a.name, roleAliasArn: a.arn } };
  },

  DeleteRoleAlias(ctx, input) {
    const a = requireAlias(ctx, requiredString(input, 'roleAlias'));
    ctx.state.roleAliases.delete(a.name);
    return { body: {} };
  },
};
