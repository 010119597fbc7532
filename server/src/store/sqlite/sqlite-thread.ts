import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running the SQLite thread module `name` (sqlite-reader-thread.ts,
 * sqlite-checkpoint-thread.ts), found beside the module at `from` (the caller's import.meta.url),
 * which opens its own connection to workerData.path. In the bin the caller is the bundle, and the
 * module is bundled on its own beside it as NAME.mjs (tools/bundle.ts), as the CSV reader is.
 *
 * From source (tests, npm run dev, benchmarks) it is built here, once per process, and run
 * without the parent's loaders: started under tsx, as the CSV reader is (services/module-thread.ts),
 * each thread would compile tsx's loader and run a loader thread of its own, several times the
 * cost of its start, and every SQLite file opened starts one.
 *
 * A thread holds a connection and small results: a small heap keeps its isolate from costing the
 * server's idle memory a default heap's worth (figures in docs/performance.md; a much smaller one ran
 * out of memory).
 */
export function startSqliteThread(from: string, name: string, workerData: { path: string }): Worker {
  const options: WorkerOptions = {
    workerData,
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2, codeRangeSizeMb: 2, stackSizeMb: 1 },
  };
  const worker = from.endsWith('.ts')
    ? new Worker(builtFromSource(fileURLToPath(new URL(`./${name}.ts`, from))), { ...options, eval: true })
    : new Worker(new URL(`./${name}.mjs`, from), options);
  worker.unref();
  return worker;
}

const scripts = new Map<string, string>();

/**
 * The module as one CommonJS script, bundled by esbuild (a development dependency, as tsx is) the
 * way tools/bundle.ts bundles it, better-sqlite3 left outside and required from the module's folder.
 */
function builtFromSource(file: string): string {
  let script = scripts.get(file);
  if (script === undefined) {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const { outputFiles } = esbuild.buildSync({
      entryPoints: [file],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['better-sqlite3'],
      write: false,
      logLevel: 'warning',
    });
    script = `(function (require) {\n${outputFiles[0]!.text}\n})(require('node:module').createRequire(${JSON.stringify(file)}));`;
    scripts.set(file, script);
  }
  return script;
}
