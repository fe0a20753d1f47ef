/** Lookups shared by the resource families; each throws the error AWS answers when the resource is missing. */
import type { OperationContext } from '../context';
import { invalidRequest, resourceNotFound } from '../errors';
import { optionalString, type Input } from '../input';
import type { ThingGroupRecord, ThingRecord } from '../state';

/** The thing named `name`, or ResourceNotFoundException. */
export function requireThing(ctx: OperationContext, name: string): ThingRecord {
  const thing = ctx.state.things.get(name);
  if (!thing) throw resourceNotFound(`Thing ${name} cannot be found.`);
  return thing;
}

/** The thing group named `name`, or ResourceNotFoundException. */
export function requireGroup(ctx: OperationContext, name: string): ThingGroupRecord {
  const group = ctx.state.thingGroups.get(name);
  if (!group) throw resourceNotFound(`Thing Group ${name} does not exist`);
  return group;
}

/** The resource name at the end of `arn:aws:iot:REGION:ACCOUNT:<kind>/<name>` of this region. */
export function nameFromArn(ctx: OperationContext, arn: string, kind: string): string {
  const prefix = ctx.arn(`${kind}/`);
  if (!arn.startsWith(prefix) || arn.length === prefix.length) throw invalidRequest(`Invalid ${kind} ARN: ${arn}`);
  return arn.slice(prefix.length);
}

/** A resource named either by `<member>Name` or `<member>Arn` in the input. */
export function nameOrArn(ctx: OperationContext, input: Input, member: string, kind: string): string {
  const name = optionalString(input, `${member}Name`);
  const arn = optionalString(input, `${member}Arn`);
  if (name !== undefined && name !== '') return name;
  if (arn !== undefined && arn !== '') return nameFromArn(ctx, arn, kind);
  throw invalidRequest(`Either ${member}Name or ${member}Arn is required`);
}

/** Names of `map` sorted the way AWS lists them (by name). */
export const sortedValues = <T>(map: ReadonlyMap<string, T>): T[] =>
  [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);

/** Whether two string maps hold the same entries. */
export function sameMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}
