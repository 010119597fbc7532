import { on } from 'node:events';
import type { Readable } from 'node:stream';
import { AppError } from '../domain/errors.js';
import type { TypePrices } from '../domain/inventory-row.js';
import type { InventoryCsvBatch } from './inventory-csv.js';
import type { FromReader, ReaderSettings, ToReader } from './inventory-csv-thread.js';
import { startModuleThread } from '../thread-script.js';

/**
 * readInventoryCsv on a worker thread: parsing the CSV and checking its numbers took half of an
 * import's time on the event loop, which now only writes. The caller writes each batch before it
 * asks for the next, and the thread reads ahead of it by at most two batches.
 */
export async function* readInventoryOffThread(source: Readable, prices: TypePrices, batchRows: number): AsyncGenerator<InventoryCsvBatch> {
  const settings: ReaderSettings = { prices: [...prices], batchRows };
  const thread = startModuleThread(import.meta.url, 'inventory-csv-thread', { workerData: settings });
  const send = (message: ToReader) => thread.postMessage(message);
  const stop = new AbortController();
  // A thread that has sent its last message ('done' or 'failed') exits next, maybe before the loop
  // below has read that message from its queue: only an exit before it is a thread that died.
  let finished = false;
  thread.on('message', (message: FromReader) => (finished ||= message.type === 'done' || message.type === 'failed'));
  thread.once('exit', (code) => finished || stop.abort(new Error(`the CSV reader stopped without finishing (exit code ${code})`)));
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const feed = async () => {
    try {
      const next = await chunks.next();
      if (next.done) send({ type: 'end' });
      else send({ type: 'chunk', chunk: typeof next.value === 'string' ? Buffer.from(next.value) : next.value });
    } catch (error) {
      stop.abort(error);
    }
  };
  try {
    for await (const [message] of on(thread, 'message', { signal: stop.signal }) as AsyncIterable<[FromReader]>) {
      if (message.type === 'more') void feed();
      else if (message.type === 'batch') {
        yield message.batch;
        send({ type: 'taken' });
      } else if (message.type === 'done') return;
      else throw message.code ? new AppError(message.code, message.message) : new Error(`reading the CSV failed: ${message.message}`);
    }
  } catch (error) {
    // The upload failed (the client went away) or the thread died: that, not the abort it caused, is the error.
    throw stop.signal.aborted ? stop.signal.reason : error;
  } finally {
    await thread.terminate();
  }
}
