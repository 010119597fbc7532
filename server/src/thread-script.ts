import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

const built = new Map<string, string>();

/**
 * A worker thread's module, run from source (tests, npm run dev, benchmarks): bundled by esbuild (a
 * development dependency, as tsx is) the way tools/bundle.ts bundles it, native drivers left
 * outside and required from the module's folder, once per process. Started under tsx instead, each
 * thread would compile tsx's loader and run a loader thread of its own, several times the cost of
 * its start. 'script' is CommonJS for `new Worker(script, { eval: true })`; 'module' an ES module
 * (for a module with top-level await) as a data: URL for `new Worker(url)`.
 */
export function threadFromSource(file: string, as: 'script'): string;
export function threadFromSource(file: string, as: 'module'): URL;
export function threadFromSource(file: string, as: 'script' | 'module'): string | URL {
  const key = `${as}:${file}`;
  let code = built.get(key);
  if (code === undefined) {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const requireFrom = `require('node:module').createRequire(${JSON.stringify(file)})`;
    const { outputFiles } = esbuild.buildSync({
      entryPoints: [file],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: as === 'script' ? 'cjs' : 'esm',
      external: ['better-sqlite3', 'pg-native'],
      write: false,
      logLevel: 'warning',
      // The CommonJS dependencies inside an ES module still call require.
      ...(as === 'module' ? { banner: { js: `import { createRequire as __threadRequire } from 'node:module';\nconst require = __threadRequire(${JSON.stringify(file)});` } } : {}),
    });
    const text = outputFiles[0]!.text;
    code = as === 'script' ? `(function (require) {\n${text}\n})(${requireFrom});` : text;
    built.set(key, code);
  }
  return as === 'script' ? code : new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * Starts a worker thread running our module `name`, found beside the module at `from` (the
 * caller's import.meta.url). In the bin the caller is the bundle cli/dist/bilby.bundle.cjs, and every
 * module a thread runs is bundled on its own beside it as NAME.mjs (tools/bundle.ts). From source
 * (tests, npm run dev) the module is bundled once per process and run from memory
 * (threadFromSource, above): Node 20 does not pass a parent's module hooks
 * on to its workers, and tsx registered in each thread cost several times the thread's own start.
 */
export function startModuleThread(from: string, name: string, options: WorkerOptions = {}, source: 'module' | 'script' = 'module'): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`./${name}.mjs`, from), options);
  const file = fileURLToPath(new URL(`./${name}.ts`, from));
  // A module from a data: URL cannot import a package (better-sqlite3 is left out of the bundle):
  // a thread that opens the database runs as a script, which requires it from the module's folder.
  if (source === 'script') return new Worker(threadFromSource(file, 'script'), { ...options, eval: true, execArgv: [] });
  return new Worker(threadFromSource(file, 'module'), { ...options, execArgv: [] });
}
