import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/**
 * Runs the bundled CLI from V8's code cache, kept beside it as BUNDLE.cache. The bundle is CommonJS
 * written as a function of its module arguments (tools/bundle.ts). Node 20 caches no compiled code
 * between runs (module.enableCompileCache came in Node 22), and compiling the 4 MB bundle, then each
 * function it calls on the way to listening, is most of a start.
 *
 * V8 checks a cache against the source's length only, so the file starts with the source's SHA-256:
 * a rebuilt or edited bundle never runs another build's code. A cache V8 rejects (another Node
 * version, other flags, damage) costs only the compile it would have saved.
 */
export type CacheUse = 'used' | 'absent' | 'stale' | 'rejected';

const HASH_BYTES = 32;
// The bin and the bundle are built separately, so each has its own copy of this module: the bin
// leaves the save for the bundle's serve command under a registered symbol.
const SAVE = Symbol.for('bilby.saveCompileCache');
type Holder = { [SAVE]?: () => void };

/** Where the cache of `bundle` is kept. */
export function compileCacheOf(bundle: string): string {
  return `${bundle}.cache`;
}

export function runWithCompileCache(bundle: string): CacheUse {
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
  const script = new Script(source.toString('utf8'), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
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
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return use;
}

/**
 * Saves what V8 has compiled so far, if the bin ran without a usable cache. The server calls it once
 * it listens, so the cache holds every function a start runs; other commands never save, or their
 * narrower cache would stand in for the server's.
 */
export function saveCompileCache(): void {
  const save = (globalThis as Holder)[SAVE];
  delete (globalThis as Holder)[SAVE];
  save?.();
}
