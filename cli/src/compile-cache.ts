import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/**
 * V8's compiled code of the bundle, kept between runs so a start does not compile 4 MB first.
 *
 * Node 22 and later keep it themselves once asked (module.enableCompileCache: in NODE_COMPILE_CACHE,
 * or a node-compile-cache folder in the system's temporary directory, keyed by each file's content and
 * Node's version). Node 20 has no such cache, and there the bundle runs as a script compiled with V8's
 * cached data, kept beside it as BUNDLE.cache. V8 checks such data against the source's length only,
 * so the file starts with the source's SHA-256: a rebuilt or edited bundle never runs another build's
 * code. A cache V8 rejects (another Node version, other flags, damage) costs only the compile it would
 * have saved.
 */
export type CacheUse = 'used' | 'absent' | 'stale' | 'rejected';

type ModuleCompileCache = {
  enableCompileCache?: () => { status: number };
  flushCompileCache?: () => void;
  constants?: { compileCacheStatus?: { ENABLED: number; ALREADY_ENABLED: number } };
};
const nodeCache = nodeModule as unknown as ModuleCompileCache;

const HASH_BYTES = 32;
/** A CommonJS module's source as the function of its module arguments that Node's loader makes of it. */
export const wrapModule = (source: string) => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
// The bin and the bundle are built separately, so each has its own copy of this module: the bin
// leaves the save for the bundle's serve command under a registered symbol.
const SAVE = Symbol.for('bilby.saveCompileCache');
type Holder = { [SAVE]?: () => void };

/** Runs the CommonJS bundle at `bundle` from Node's compile cache where Node has one, else from V8's cached data beside it. */
export function runBundle(bundle: string): void {
  const status = nodeCache.constants?.compileCacheStatus;
  const enabled = nodeCache.enableCompileCache?.().status;
  if (status && (enabled === status.ENABLED || enabled === status.ALREADY_ENABLED)) {
    (globalThis as Holder)[SAVE] = () => nodeCache.flushCompileCache?.();
    nodeModule.createRequire(bundle)(bundle);
    return;
  }
  runWithCodeCache(bundle);
}

/** Where the hand-made cache of `bundle` is kept. */
export function compileCacheOf(bundle: string): string {
  return `${bundle}.cache`;
}

/** Runs the CommonJS module at `bundle` as a script compiled with the cached data beside it. */
export function runWithCodeCache(bundle: string): CacheUse {
  const source = readFileSync(bundle);
  const hash = createHash('sha256').update(source).digest();
  const cacheFile = compileCacheOf(bundle);
  let cached: Buffer | undefined;
  try {
    cached = readFileSync(cacheFile);
  } catch {
    // none yet, or unreadable: compile
  }
  const cachedData = cached && cached.length > HASH_BYTES && hash.equals(cached.subarray(0, HASH_BYTES)) ? cached.subarray(HASH_BYTES) : undefined;
  const script = new Script(wrapModule(source.toString('utf8')), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  const use: CacheUse = !cached ? 'absent' : !cachedData ? 'stale' : script.cachedDataRejected ? 'rejected' : 'used';
  if (use !== 'used') {
    (globalThis as Holder)[SAVE] = () => {
      // Written whole under another name, then renamed: servers starting together never read half a file.
      const temporary = `${cacheFile}.${process.pid}`;
      try {
        writeFileSync(temporary, Buffer.concat([hash, script.createCachedData()]));
        renameSync(temporary, cacheFile);
      } catch {
        // A directory the server may not write to (an installed package): it starts uncached.
        rmSync(temporary, { force: true });
      }
    };
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, nodeModule.createRequire(bundle), module, bundle, dirname(bundle));
  return use;
}

/**
 * Saves what V8 has compiled so far, if the bin ran without a usable cache. The server calls it once
 * it listens, so the cache holds every function a start runs (and a server later killed rather than
 * stopped still leaves it); other commands never save, or their narrower cache would stand in for
 * the server's.
 */
export function saveCompileCache(): void {
  const save = (globalThis as Holder)[SAVE];
  delete (globalThis as Holder)[SAVE];
  save?.();
}
