import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerProcess } from './server-process.js';

/** The server process's threads, as Linux lists them. */
export const threadsOf = (server: ServerProcess) => readdirSync(`/proc/${server.child.pid}/task`).length;

/** The thread count once it has come down to `expected`, or after 10 s what it is then. */
export async function settledThreads(server: ServerProcess, expected: number): Promise<number> {
  let threads = threadsOf(server);
  for (let i = 0; i < 100 && threads > expected; i++) {
    await sleep(100);
    threads = threadsOf(server);
  }
  return threads;
}
