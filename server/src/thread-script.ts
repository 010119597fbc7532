import { createRequire } from 'node:module';

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
