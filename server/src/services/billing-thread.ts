import { parentPort, workerData } from 'node:worker_threads';
import type { CrashPoint } from '../domain/crash-points.js';
import { openThreadWriter } from '../store/sqlite/sqlite-thread-writer.js';
import { billBatch, type BatchInput, type BatchOutcome } from './bill-batch.js';
import { crashAt } from './faults.js';

/** What the thread is started with (its workerData). */
export interface BillingThreadSettings {
  path: string;
  crashPoint?: CrashPoint;
}

/** What the run asks of the thread: one batch, or to close. */
export type ToBillingThread = { type: 'batch'; input: BatchInput } | { type: 'close' };
/** The thread's answer to a batch: what it did (undefined: nothing was due), or why it failed. */
export type FromBillingThread =
  | { type: 'batch'; outcome: BatchOutcome | undefined }
  | { type: 'failed'; message: string; code?: string };

/**
 * The billing run's writer on a SQLite file (services/bill-off-thread.ts): each batch is read,
 * planned and written in one transaction on this thread's own connection, so the statements of a
 * batch never hold the server's event loop. One batch at a time, as the run asks.
 */
if (parentPort) {
  const port = parentPort;
  const settings = workerData as BillingThreadSettings;
  const writer = openThreadWriter(settings.path);
  const faults = settings.crashPoint ? crashAt(settings.crashPoint) : undefined;
  const send = (message: FromBillingThread) => port.postMessage(message);
  port.on('message', async (message: ToBillingThread) => {
    if (message.type === 'close') {
      await writer.close();
      port.close();
      return;
    }
    try {
      const outcome = await writer.db.transaction().execute((trx) => billBatch(trx, message.input, { commitPoint: 'before_billing_thread_commit', ...(faults ? { faults } : {}) }));
      send({ type: 'batch', outcome });
    } catch (error) {
      const { message: text, code } = error as { message: string; code?: unknown };
      send({ type: 'failed', message: String(text), ...(typeof code === 'string' ? { code } : {}) });
    }
  });
}
