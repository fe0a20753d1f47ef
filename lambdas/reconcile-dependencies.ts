/**
 * Transitional: the reconcile dependencies moved to lambdas/runtime/reconcile-dependencies.ts, beside the
 * sync and drift ones. This re-export keeps the reconcile handlers and their tests (another branch's files)
 * compiling until the merge points their imports at the new path; then this file goes.
 */
export * from './runtime/reconcile-dependencies';
