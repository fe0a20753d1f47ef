/** Thing ↔ principal attachments, exclusive or not, and their V1/V2 listings. */
import type { OperationContext, OperationTable } from '../context';
import { invalidRequest, resourceNotFound } from '../errors';
import { optionalInt, optionalString, requiredString, type Input } from '../input';
import { pageSize, paginate } from '../pagination';
import type { ThingPrincipalType } from '../state';
import { requireThing } from './lookup';
import { DEFAULT_MAX_RESULTS } from './things';

const COGNITO_ID = /^[a-z]{2}(-gov)?-[a-z]+-\d:[0-9a-f-]{36}$/;

/** Checks that a principal (a certificate ARN of this region, or a Cognito identity) exists. */
function requirePrincipal(ctx: OperationContext, principal: string): void {
  if (COGNITO_ID.test(principal)) return;
  const m = /^arn:aws:iot:([^:]+):(\d{12}):cert\/([0-9a-f]{64})$/.exec(principal);
  if (!m) throw invalidRequest(`Invalid principal: ${principal}`);
  if (m[1] !== ctx.region || m[2] !== ctx.accountId) throw invalidRequest(`Principal ${principal} is not in this account and region`);
  if (!ctx.state.certificates.has(m[3] as string)) throw resourceNotFound(`The certificate ${m[3]} does not exist`);
}

function typeFilter(input: Input): ThingPrincipalType | undefined {
  const t = optionalString(input, 'thingPrincipalType');
  if (t !== undefined && t !== 'EXCLUSIVE_THING' && t !== 'NON_EXCLUSIVE_THING') throw invalidRequest(`Invalid thingPrincipalType: ${t}`);
  return t;
}

function page<T>(items: T[], keyOf: (item: T) => string, input: Input) {
  const size = pageSize(optionalInt(input, 'maxResults'), 'maxResults', DEFAULT_MAX_RESULTS);
  return paginate(items, keyOf, size, optionalString(input, 'nextToken'), 'nextToken');
}

const byName = <T>([a]: [string, T], [b]: [string, T]): number => (a < b ? -1 : a > b ? 1 : 0);

/** The handlers of the principal family. */
export const principalOperations: OperationTable = {
  AttachThingPrincipal(ctx, input) {
    const thing = requireThing(ctx, requiredString(input, 'thingName'));
    const principal = requiredString(input, 'principal');
    requirePrincipal(ctx, principal);
    const type = typeFilter(input) ?? 'NON_EXCLUSIVE_THING';
    const things = ctx.state.principalThings.get(principal) ?? new Map<string, ThingPrincipalType>();
    const others = [...things.entries()].filter(([name]) => name !== thing.name);
    if (others.some(([, t]) => t === 'EXCLUSIVE_THING')) {
      throw invalidRequest(`Principal ${principal} is exclusively attached to another thing`);
    }
    if (type === 'EXCLUSIVE_THING' && others.length > 0) {
      throw invalidRequest(`Principal ${principal} is attached to other things and cannot be attached exclusively`);
    }
    things.set(thing.name, type);
    ctx.state.principalThings.set(principal, things);
    const principals = ctx.state.thingPrincipals.get(thing.name) ?? new Map<string, ThingPrincipalType>();
    principals.set(principal, type);
    ctx.state.thingPrincipals.set(thing.name, principals);
    return { body: {} };
  },

  DetachThingPrincipal(ctx, input) {
    const thing = requireThing(ctx, requiredString(input, 'thingName'));
    const principal = requiredString(input, 'principal');
    requirePrincipal(ctx, principal);
    ctx.state.thingPrincipals.get(thing.name)?.delete(principal);
    ctx.state.principalThings.get(principal)?.delete(thing.name);
    if (ctx.state.principalThings.get(principal)?.size === 0) ctx.state.principalThings.delete(principal);
    return { body: {} };
  },

  ListThingPrincipals(ctx, input) {
    const thing = requireThing(ctx, requiredString(input, 'thingName'));
    const all = [...(ctx.state.thingPrincipals.get(thing.name) ?? new Map<string, ThingPrincipalType>()).keys()].sort();
    const p = page(all, (x) => x, input);
    return { body: { principals: p.items, ...(p.next !== undefined ? { nextToken: p.next } : {}) } };
  },

  ListThingPrincipalsV2(ctx, input) {
    const thing = requireThing(ctx, requiredString(input, 'thingName'));
    const filter = typeFilter(input);
    const all = [...(ctx.state.thingPrincipals.get(thing.name) ?? new Map<string, ThingPrincipalType>()).entries()]
      .filter(([, t]) => filter === undefined || t === filter)
      .sort(byName);
    const p = page(all, ([k]) => k, input);
    return {
      body: {
        thingPrincipalObjects: p.items.map(([principal, thingPrincipalType]) => ({ principal, thingPrincipalType })),
        ...(p.next !== undefined ? { nextToken: p.next } : {}),
      },
    };
  },

  ListPrincipalThings(ctx, input) {
    const principal = requiredString(input, 'principal');
    requirePrincipal(ctx, principal);
    const all = [...(ctx.state.principalThings.get(principal) ?? new Map<string, ThingPrincipalType>()).keys()].sort();
    const p = page(all, (x) => x, input);
    return { body: { things: p.items, ...(p.next !== undefined ? { nextToken: p.next } : {}) } };
  },

  ListPrincipalThingsV2(ctx, input) {
    const principal = requiredString(input, 'principal');
    requirePrincipal(ctx, principal);
    const filter = typeFilter(input);
    const all = [...(ctx.state.principalThings.get(principal) ?? new Map<string, ThingPrincipalType>()).entries()]
      .filter(([, t]) => filter === undefined || t === filter)
      .sort(byName);
    const p = page(all, ([k]) => k, input);
    return {
      body: {
        principalThingObjects: p.items.map(([thingName, thingPrincipalType]) => ({ thingName, thingPrincipalType })),
        ...(p.next !== undefined ? { nextToken: p.next } : {}),
      },
    };
  },
};
