/**
 * The subset of the fleet-indexing query language that dynamic thing groups accept here:
 *
 *   term ( " AND " term )*
 *   term  = field ":" value
 *   field = "thingName" | "thingTypeName" | "attributes." key
 *   value = literal | literal "*"        (a trailing * matches any suffix; "*" alone matches any value)
 *
 * Literals use the attribute-value characters `[a-zA-Z0-9_.,@/:#=-]`. Anything else (OR, NOT,
 * parentheses, ranges, quotes, other fields) is an InvalidQueryException, so a query that AWS would
 * accept but this emulator does not is loud, never silently mis-evaluated.
 */
import { invalidQuery } from './errors';

/** One `field:value` condition. */
export interface QueryTerm {
  readonly field: 'thingName' | 'thingTypeName' | 'attribute';
  readonly key?: string;
  readonly value: string;
  readonly prefix: boolean;
}

/** A parsed query: every term must hold. */
export interface DynamicQuery {
  readonly terms: readonly QueryTerm[];
}

const TERM = /^(thingName|thingTypeName|attributes\.([a-zA-Z0-9_.,@/:#-]+)):([a-zA-Z0-9_.,@/:#=-]*)(\*?)$/;

/** Parses a query string, or throws InvalidQueryException. */
export function parseQuery(queryString: string): DynamicQuery {
  const text = queryString.trim();
  if (text === '') throw invalidQuery('Query string must not be empty');
  const terms = text.split(' AND ').map((raw): QueryTerm => {
    const m = TERM.exec(raw.trim());
    if (!m) throw invalidQuery(`Unsupported query term: ${raw.trim()}`);
    const [, field, key, value = '', star] = m;
    if (value === '' && star !== '*') throw invalidQuery(`Empty value in query term: ${raw.trim()}`);
    if (field === 'thingName' || field === 'thingTypeName') return { field, value, prefix: star === '*' };
    return { field: 'attribute', key: key as string, value, prefix: star === '*' };
  });
  return { terms };
}

const matches = (actual: string | undefined, term: QueryTerm): boolean =>
  actual !== undefined && (term.prefix ? actual.startsWith(term.value) : actual === term.value);

/** What a query reads of a thing (the registry's thing record has these fields). */
export interface QueriedThing {
  readonly name: string;
  readonly typeName?: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Whether a thing satisfies every term of the query. */
export function thingMatches(query: DynamicQuery, thing: QueriedThing): boolean {
  return query.terms.every((t) => {
    if (t.field === 'thingName') return matches(thing.name, t);
    if (t.field === 'thingTypeName') return matches(thing.typeName, t);
    return matches(thing.attributes[t.key as string], t);
  });
}
