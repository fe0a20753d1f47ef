/**
 * How every Lambda family gets what it needs: the handler takes a dependency source, either the
 * dependencies themselves (tests, local runners) or a function that builds them from the environment on
 * first use and keeps them for the container's life (Lambda: clients at module scope, reused across
 * invocations). The sync, drift and reconcile families each instantiate this once for their own shape.
 */

/** Fixed dependencies (tests, local runners) or a builder called at invocation time (Lambda). */
export type DependencySource<T> = T | (() => T);

/** Resolves a dependency source at invocation time. */
export function resolveDependencies<T>(source: DependencySource<T>): T {
  return typeof source === 'function' ? (source as () => T)() : source;
}

/** A builder that runs once per container, on first use (so a bad environment fails the first invocation, loudly). */
export function builtOnFirstUse<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
