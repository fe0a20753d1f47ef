/**
 * The house rules of DESIGN.md, checked on the source: imports point inward (bin → lib/infra, lib/local,
 * lambdas → lib/events, lib/aws → lib/core), no module imports itself through others (no import circle), and
 * only the adapters (`lib/aws`) import the AWS SDK.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Every TypeScript source file under a folder of the project. */
function sources(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) out.push(path);
    }
  };
  walk(join(ROOT, folder));
  return out;
}

const FILES = ['bin', 'lib', 'lambdas'].flatMap(sources);

/** The project files a file imports (relative imports and re-exports, type-only ones included). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']*)'/gms)) {
    const target = resolve(dirname(file), match[1]!);
    const found = [`${target}.ts`, join(target, 'index.ts')].find((candidate) => existsSync(candidate));
    if (found) out.push(relative(ROOT, found));
  }
  return out;
}

/** The packages a file imports. */
function packagesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^.][^']*)'/gms)].map((m) => m[1]!);
}

const GRAPH = new Map(FILES.map((file) => [relative(ROOT, file), importsOf(file)]));

/** The layer of a file: the folder DESIGN.md names. */
function layer(file: string): string {
  const [top, second] = file.split('/');
  return top === 'lib' ? `lib/${second}` : top!;
}

/** What each layer may import besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  'lib/core': [],
  'lib/events': ['lib/core'],
  'lib/aws': ['lib/core'],
  'lib/report': ['lib/core'],
  'lib/infra': ['lib/core', 'lib/events'],
  lambdas: ['lib/core', 'lib/events', 'lib/aws', 'lib/report'],
  'lib/local': ['lib/core', 'lib/events', 'lib/aws', 'lib/report', 'lambdas'],
  bin: ['lib/core', 'lib/events', 'lib/aws', 'lib/report', 'lib/infra', 'lib/local', 'lambdas'],
};

/** Strongly connected components with more than one file (Tarjan): each is an import circle. */
function importCircles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) circles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return circles;
}

describe('the house rules', () => {
  it('reads the whole source tree', () => {
    expect(GRAPH.size).toBeGreaterThan(150);
    expect([...GRAPH.keys()].every((file) => layer(file) in MAY_IMPORT)).toBe(true);
  });

  it('has every import point inward', () => {
    const outward = [...GRAPH].flatMap(([file, targets]) =>
      targets.filter((t) => layer(t) !== layer(file) && !MAY_IMPORT[layer(file)]!.includes(layer(t))).map((t) => `${file} → ${t}`),
    );
    expect(outward).toEqual([]);
  });

  it('has no import circle', () => {
    expect(importCircles(GRAPH)).toEqual([]);
  });

  it('finds a circle when there is one (the check can fail)', () => {
    expect(importCircles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
  });

  it('has only the adapters (lib/aws) import the AWS SDK', () => {
    const offenders = [...GRAPH.keys()]
      .filter((file) => layer(file) !== 'lib/aws')
      .filter((file) => packagesOf(join(ROOT, file)).some((p) => p.startsWith('@aws-sdk/')));
    expect(offenders).toEqual([]);
  });
});
