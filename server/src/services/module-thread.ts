import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { threadFromSource } from '../thread-script.js';

/**
 * Starts a worker thread running our module `name`, found beside the module at `from` (the
 * caller's import.meta.url). In the bin the caller is the bundle cli/dist/bilby.bundle.cjs, and every
 * module a thread runs is bundled on its own beside it as NAME.mjs (tools/bundle.ts). From source
 * (tests, npm run dev) the module is bundled once per process and run from memory
 * (src/thread-script.ts), as the SQLite threads are: Node 20 does not pass a parent's module hooks
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
