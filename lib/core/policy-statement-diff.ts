/**
 * A policy document difference as statements added, removed and changed, and whether the target grants
 * more than the source. Statements are matched by `Sid` when both have one, else by effect and actions.
 * Pure.
 */

/** One statement, with its lists normalised (sorted arrays). */
export interface NormalisedStatement {
  sid?: string;
  effect: string;
  actions: string[];
  notActions: string[];
  resources: string[];
  notResources: string[];
  /** The condition block as canonical JSON ('' when none). */
  condition: string;
}

/** A statement present on both sides with different content. */
export interface ChangedStatement {
  source: NormalisedStatement;
  target: NormalisedStatement;
  /** The members that differ (`Action`, `Resource`, `Condition`…). */
  members: string[];
}

/** The structured difference of two documents. */
export interface PolicyStatementDiff {
  added: NormalisedStatement[];
  removed: NormalisedStatement[];
  changed: ChangedStatement[];
  /** The target allows something the source does not (an added Allow, a removed Deny, a widened Allow). */
  targetGrantsMore: boolean;
  /** Set when a side is not a readable policy document. */
  unreadable?: 'source' | 'target';
}

const list = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String).sort());

function canonical(v: unknown): string {
  if (v === undefined) return '';
  const sort = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(sort) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, y]) => [k, sort(y)])) : x;
  return JSON.stringify(sort(v));
}

function statements(document: string): NormalisedStatement[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const raw = (parsed as { Statement?: unknown }).Statement;
  const items = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return items
    .filter((s): s is Record<string, unknown> => Boolean(s) && typeof s === 'object')
    .map((s) => ({
      ...(typeof s.Sid === 'string' && s.Sid !== '' ? { sid: s.Sid } : {}),
      effect: String(s.Effect ?? ''),
      actions: list(s.Action),
      notActions: list(s.NotAction),
      resources: list(s.Resource),
      notResources: list(s.NotResource),
      condition: canonical(s.Condition),
    }));
}

const matchKey = (s: NormalisedStatement): string => (s.sid !== undefined ? `sid:${s.sid}` : `ea:${s.effect}|${s.actions.join(',')}|${s.notActions.join(',')}`);

/** Whether IAM wildcard `pattern` (`*`, `?`) covers `value`. */
function covers(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(value);
}

/** Every target pattern is covered by some source pattern (so the target is not wider on this list). */
const within = (target: readonly string[], source: readonly string[]): boolean => target.every((t) => source.some((s) => covers(s, t)));

/** Whether an Allow in the target reaches beyond the source's same statement. */
function widened(source: NormalisedStatement, target: NormalisedStatement): boolean {
  if (target.effect !== 'Allow') return false;
  if (target.notActions.length > 0 || target.notResources.length > 0) return canonical(target) !== canonical(source);
  if (!within(target.actions, source.actions) || !within(target.resources, source.resources)) return true;
  // A removed or changed condition may widen; treat any condition change on an Allow as widening unless the target adds one.
  return source.condition !== '' && target.condition !== source.condition;
}

/** Compares two policy documents statement by statement. */
export function diffPolicyStatements(sourceDocument: string, targetDocument: string): PolicyStatementDiff {
  const s = statements(sourceDocument);
  const t = statements(targetDocument);
  if (!s) return { added: [], removed: [], changed: [], targetGrantsMore: false, unreadable: 'source' };
  if (!t) return { added: [], removed: [], changed: [], targetGrantsMore: false, unreadable: 'target' };
  const bySource = new Map<string, NormalisedStatement[]>();
  for (const st of s) bySource.set(matchKey(st), [...(bySource.get(matchKey(st)) ?? []), st]);
  const added: NormalisedStatement[] = [];
  const changed: ChangedStatement[] = [];
  const unchanged = new Set<NormalisedStatement>();
  for (const st of t) {
    const candidates = bySource.get(matchKey(st)) ?? [];
    const same = candidates.find((c) => canonical(c) === canonical(st) && !unchanged.has(c));
    if (same) {
      unchanged.add(same);
      continue;
    }
    const partner = candidates.find((c) => !unchanged.has(c));
    if (!partner) {
      added.push(st);
      continue;
    }
    unchanged.add(partner);
    const members = (
      [
        ['Effect', partner.effect, st.effect],
        ['Action', partner.actions.join(','), st.actions.join(',')],
        ['NotAction', partner.notActions.join(','), st.notActions.join(',')],
        ['Resource', partner.resources.join(','), st.resources.join(',')],
        ['NotResource', partner.notResources.join(','), st.notResources.join(',')],
        ['Condition', partner.condition, st.condition],
      ] as const
    )
      .filter(([, a, b]) => a !== b)
      .map(([m]) => m);
    changed.push({ source: partner, target: st, members });
  }
  const removed = s.filter((st) => !unchanged.has(st));
  const targetGrantsMore =
    added.some((st) => st.effect === 'Allow') ||
    removed.some((st) => st.effect === 'Deny') ||
    changed.some((c) => widened(c.source, c.target) || (c.source.effect === 'Deny' && c.target.effect !== 'Deny'));
  return { added, removed, changed, targetGrantsMore };
}

/** One statement as a short line: `Allow iot:Publish on arn:…:topic/x [if {...}]`. */
export function statementText(s: NormalisedStatement): string {
  const actions = s.actions.length > 0 ? s.actions.join(', ') : `not ${s.notActions.join(', ')}`;
  const resources = s.resources.length > 0 ? s.resources.join(', ') : `not ${s.notResources.join(', ')}`;
  return `${s.sid !== undefined ? `[${s.sid}] ` : ''}${s.effect} ${actions} on ${resources}${s.condition !== '' ? ` if ${s.condition}` : ''}`;
}
