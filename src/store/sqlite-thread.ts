import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running `script`, CommonJS that opens its own SQLite connection through
 * better-sqlite3 (whose path it finds as workerData.driver). Plain CommonJS: none of the parent's
 * loaders (tsx under tests and benchmarks, whose hooks alone outgrow the heap below). It holds a
 * connection and small results: a small heap keeps its isolate from costing 20 MB (measured for the
 * checkpointer: 113 MB idle RSS with defaults, 101 MB with these; 4 MB ran out of memory).
 */
export function startSqliteThread(script: string, workerData: Record<string, unknown>): Worker {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(script, {
    eval: true,
    workerData: { ...workerData, driver },
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2, codeRangeSizeMb: 2, stackSizeMb: 1 },
  });
  worker.unref();
  return worker;
}
