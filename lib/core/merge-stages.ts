/**
 * Merges the stages of several changes into one list of stages, each resource once. Every change's
 * stages are a chain (stage i before stage i+1); the merged stage of a resource is the longest such chain
 * that leads to it over all changes, so each change's order still holds. A resource named `converge` by
 * one change and `ensure` by another is converged (the stronger of the two).
 */
import { refKey, type StageItem } from './scope';

/** The stages of every change in one list, in an order that respects each change's own. */
export function mergeStages(changes: readonly StageItem[][][]): StageItem[][] {
  const items = new Map<string, StageItem>();
  const level = new Map<string, number>();
  for (const stages of changes) {
    for (const stage of stages) {
      for (const item of stage) {
        const key = refKey(item.ref);
        const known = items.get(key);
        if (known === undefined || (known.mode === 'ensure' && item.mode === 'converge')) items.set(key, item);
        level.set(key, 0);
      }
    }
  }
  // Longest-path levels by relaxation; without a cycle this settles within as many rounds as there are resources.
  let settled = false;
  for (let round = 0; round <= items.size && !settled; round++) {
    settled = true;
    for (const stages of changes) {
      for (let i = 1; i < stages.length; i++) {
        const floor = Math.max(...stages[i - 1]!.map((item) => level.get(refKey(item.ref))!)) + 1;
        for (const item of stages[i]!) {
          const key = refKey(item.ref);
          if (level.get(key)! < floor) {
            level.set(key, floor);
            settled = false;
          }
        }
      }
    }
  }
  // Two changes ordering the same pair both ways (not expected: stages follow fixed dependency kinds):
  // run the changes one after the other instead; a resource converged twice is harmless (state-based).
  if (!settled) return changes.flat();
  const merged: StageItem[][] = [];
  for (const [key, item] of [...items.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    (merged[level.get(key)!] ??= []).push(item);
  }
  return merged.filter((stage) => stage !== undefined && stage.length > 0);
}
