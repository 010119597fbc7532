import type { Worker, WorkerOptions } from 'node:worker_threads';
import { startModuleThread } from '../../thread-script.js';

/**
 * Starts a worker thread running the SQLite thread module `name` (sqlite-reader-thread.ts,
 * sqlite-checkpoint-thread.ts), found beside the module at `from` (the caller's import.meta.url),
 * which opens its own connection to workerData.path. In the bin the caller is the bundle, and the
 * module is bundled on its own beside it as NAME.mjs (tools/bundle.ts), as the CSV reader is.
 *
 * From source (tests, npm run dev, benchmarks) it is built once per process and run without the
 * parent's loaders (src/thread-script.ts): every SQLite file opened starts one.
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
  const worker = startModuleThread(from, name, options, 'script');
  worker.unref();
  return worker;
}
