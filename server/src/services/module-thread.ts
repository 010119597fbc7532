import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running our module `name`, found beside the module at `from` (the
 * caller's import.meta.url). In the bin the caller is the bundle cli/dist/bilby.bundle.cjs, and every
 * module a thread runs is bundled on its own beside it as NAME.mjs (tools/bundle.ts). From source
 * (tests, npm run dev) the thread registers tsx itself first: Node 20 does not pass a parent's
 * module hooks on to its workers.
 */
export function startModuleThread(from: string, name: string, options: WorkerOptions = {}): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`./${name}.mjs`, from), options);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const module = JSON.stringify(new URL(`./${name}.ts`, from).href);
  return new Worker(`import(${tsx}).then((api) => { api.register(); return import(${module}); });`, {
    ...options,
    eval: true,
    execArgv: [],
  });
}
