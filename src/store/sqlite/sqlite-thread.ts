import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Opens the thread's own connection; the script runs after it, with parentPort, workerData and db. */
const PRELUDE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
`;

/**
 * Starts a worker thread running `script`, CommonJS run with its own SQLite connection to
 * workerData.path as `db` (better-sqlite3, found from here). Plain CommonJS: none of the parent's
 * loaders (tsx under tests and benchmarks, whose hooks alone outgrow the heap below). It holds a
 * connection and small results: a small heap keeps its isolate from costing 20 MB (measured for the
 * checkpointer: 113 MB idle RSS with defaults, 101 MB with these; 4 MB ran out of memory).
 */
export function startSqliteThread(script: string, workerData: { path: string } & Record<string, unknown>): Worker {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(PRELUDE + script, {
    eval: true,
    workerData: { ...workerData, driver },
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2, codeRangeSizeMb: 2, stackSizeMb: 1 },
  });
  worker.unref();
  return worker;
}
