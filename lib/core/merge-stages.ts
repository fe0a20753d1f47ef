/**
 * Merges the stages of several changes into one list of stages, each resource once. Every change's
 * stages are a chain (stage i before stage i+1); the merged stage of a resource is the longest such chain
 * that leads to it over all changes, so each change's order still holds. A resource named `converge` by
 * one change and `ensure` by another is converged (the stronger of the two).
 */
import type { StageItem } from './change-stages';
import { refKey } from './keys';

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

/**
 * Lets a relationship ref converge its parent instead of a separate item for it: a `thingPrincipals` ref
 * reads and converges its thing (type, attributes, groups) and a certificate's `policyAttachments` ref its
 * certificate (see `./scope`), so a converged `thing` or `certificate` next to its relationship is the same
 * work twice (the same reads in both regions, one more Lambda invocation and two more state transitions).
 * The certificates' policy attachments then run one stage before the thing–principal attachments, which
 * need the certificate in the target.
 */
export function foldParentsIntoRelationships(stages: readonly StageItem[][]): StageItem[][] {
  const converged = new Set(stages.flat().filter((item) => item.mode === 'converge').map((item) => refKey(item.ref)));
  const folded = (item: StageItem): boolean => {
    if (item.mode !== 'converge') return false;
    if (item.ref.kind === 'thing') return converged.has(refKey({ kind: 'thingPrincipals', thingName: item.ref.name }));
    if (item.ref.kind === 'certificate') return converged.has(refKey({ kind: 'policyAttachments', target: { kind: 'certificate', certificateId: item.ref.certificateId } }));
    return false;
  };
  const result: StageItem[][] = [];
  for (const stage of stages) {
    const kept = stage.filter((item) => !folded(item));
    const principals = kept.filter((item) => item.ref.kind === 'thingPrincipals');
    const certificateParents = kept.some((item) => item.ref.kind === 'policyAttachments' && item.ref.target.kind === 'certificate');
    if (principals.length > 0 && certificateParents) {
      result.push(kept.filter((item) => item.ref.kind !== 'thingPrincipals'), principals);
    } else {
      result.push(kept);
    }
  }
  return result.filter((stage) => stage.length > 0);
}
