import * as nodeModule from 'node:module';

/**
 * V8's compiled code kept between runs. Node 22 and later do it themselves once asked
 * (module.enableCompileCache: in NODE_COMPILE_CACHE, or a node-compile-cache folder in the system's
 * temporary directory, keyed by each file's content and Node's version, so a rebuilt bundle or another
 * Node never runs stale code). Node 20 has no such cache: it compiles the bundle at every start, which
 * stays within the start target measured in bench/results.md.
 */
type ModuleCompileCache = {
  enableCompileCache?: () => { status: number; directory?: string };
  flushCompileCache?: () => void;
  constants?: { compileCacheStatus?: { ENABLED: number; ALREADY_ENABLED: number } };
};

const api = nodeModule as unknown as ModuleCompileCache;

/** The folder the cache is kept in, or undefined where Node keeps none (Node 20, or a folder it cannot write). */
export function enableCompileCache(): string | undefined {
  const result = api.enableCompileCache?.();
  const status = api.constants?.compileCacheStatus;
  if (!result || !status) return undefined;
  return result.status === status.ENABLED || result.status === status.ALREADY_ENABLED ? result.directory : undefined;
}

/**
 * Writes what has been compiled so far. The server calls it once it listens, so a server that is
 * later killed rather than stopped still leaves the cache of its start; Node writes it again at exit.
 */
export function saveCompileCache(): void {
  api.flushCompileCache?.();
}
