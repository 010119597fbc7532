import type { CrashPoint } from '../domain/crash-points.js';
import type { BatchInput, BatchOutcome } from './bill-batch.js';
import type { BillingThreadSettings, FromBillingThread, ToBillingThread } from './billing-thread.js';
import { startModuleThread } from '../thread-script.js';

export interface BillingThread {
  /** Bills one batch on the thread, in the server's turn to write (Database.threadWrites.run). */
  bill(input: BatchInput): Promise<BatchOutcome | undefined>;
  close(): Promise<void>;
}

/**
 * Starts the billing run's writer thread on a SQLite file (services/billing-thread.ts). A batch's
 * statements take their milliseconds there instead of on the event loop, which keeps answering
 * requests; writes through the server's own connection wait their turn as they would for the
 * batch's commit.
 */
export function startBillingThread(threadWrites: { path: string; run<T>(fn: () => Promise<T>): Promise<T> }, crashPoint?: CrashPoint): BillingThread {
  const settings: BillingThreadSettings = { path: threadWrites.path, ...(crashPoint ? { crashPoint } : {}) };
  const thread = startModuleThread(import.meta.url, 'billing-thread', { workerData: settings }, 'script');
  let exit: Error | undefined;
  let failure: Error | undefined;
  // Without a listener, an error thrown on the thread would be thrown again here, ending the server.
  thread.on('error', (error) => (failure = error));
  const exited = new Promise<void>((resolve) =>
    thread.once('exit', (code) => {
      exit = new Error(`the billing thread stopped (exit code ${code})${failure ? `: ${failure.message}` : ''}`);
      resolve();
    }),
  );
  const ask = (message: ToBillingThread) =>
    new Promise<FromBillingThread>((resolve, reject) => {
      if (exit) return reject(exit);
      const onExit = () => reject(exit);
      thread.once('exit', onExit);
      thread.once('message', (answer: FromBillingThread) => {
        thread.off('exit', onExit);
        resolve(answer);
      });
      thread.postMessage(message);
    });
  return {
    bill: (input) =>
      threadWrites.run(async () => {
        const answer = await ask({ type: 'batch', input });
        if (answer.type === 'batch') return answer.outcome;
        throw Object.assign(new Error(answer.message), answer.code ? { code: answer.code } : {});
      }),
    async close() {
      if (!exit) thread.postMessage({ type: 'close' } satisfies ToBillingThread);
      const stuck = setTimeout(() => void thread.terminate(), 5_000);
      await exited;
      clearTimeout(stuck);
    },
  };
}
