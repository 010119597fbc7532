import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { AppError, type ErrorCode } from '../domain/errors.js';
import type { TypePrices } from '../domain/inventory-row.js';
import { readInventoryCsv, type InventoryCsvBatch } from './inventory-csv.js';

/** What the import tells the thread. */
export type ToReader = { type: 'chunk'; chunk: Uint8Array } | { type: 'end' } | { type: 'taken' };
/** What the thread tells the import. */
export type FromReader =
  | { type: 'more' }
  | { type: 'batch'; batch: InventoryCsvBatch }
  | { type: 'done' }
  | { type: 'failed'; code?: ErrorCode; message: string };

export interface ReaderSettings {
  prices: Array<[string, { setupCents: number; monthlyCents: number }]>;
  batchRows: number;
}

/** Batches handed over and not yet taken: one being written while the next is read. */
const AHEAD = 2;

/**
 * The thread that reads an inventory CSV while the import writes what it read. It asks for the
 * file a chunk at a time (when the parser wants more) and reads at most AHEAD batches ahead of
 * the writes, so neither side buffers more than a few chunks and batches.
 */
if (parentPort) {
  const port = parentPort;
  const settings = workerData as ReaderSettings;
  const send = (message: FromReader) => port.postMessage(message);
  let ahead = 0;
  let taken: (() => void) | undefined;
  const input = new Readable({ read: () => send({ type: 'more' }) });
  port.on('message', (message: ToReader) => {
    if (message.type === 'chunk') input.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
    else if (message.type === 'end') input.push(null);
    else {
      ahead--;
      taken?.();
    }
  });
  try {
    const prices: TypePrices = new Map(settings.prices);
    for await (const batch of readInventoryCsv(input, prices, settings.batchRows)) {
      while (ahead >= AHEAD) await new Promise<void>((resolve) => (taken = resolve));
      ahead++;
      send({ type: 'batch', batch });
    }
    send({ type: 'done' });
  } catch (error) {
    send(error instanceof AppError ? { type: 'failed', code: error.code, message: error.message } : { type: 'failed', message: String(error) });
  }
  port.close();
}
