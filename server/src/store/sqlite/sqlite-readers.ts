import type { Worker } from 'node:worker_threads';
import type { FromReader, ReaderSettings, ToReader } from './sqlite-reader-thread.js';
import { startSqliteThread } from './sqlite-thread.js';

/** Statements each reader keeps prepared (searches repeat a few hundred shapes of SQL). */
const CACHED_STATEMENTS = 500;
/**
 * Each reader's own page cache. better-sqlite3 builds SQLite with 16 MB per connection, which was
 * 16 MB of resident memory per reader under the search load and no faster than 1 MB (pages it
 * lacks come from the operating system's page cache): 2 readers, 1,720 against 1,741 searches/s,
 * peak RSS 171 against 141 MB.
 */
const CACHE_KIB = 1_024;

interface Reader {
  worker: Worker;
  waiting: Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>;
}

/**
 * Connections on worker threads for the queries that only read and need no transaction: the
 * searches. A search can walk thousands of index entries (a few milliseconds); on the event loop
 * that held every other request back, here it takes its own core. Each query goes to the reader
 * with the fewest queries waiting.
 */
export class SqliteReaders {
  readonly #readers: Reader[] = [];
  readonly #path: string;
  readonly #count: number;
  readonly #onFailure: (error: Error) => void;
  #started = false;
  #nextId = 1;
  #closed = false;

  /** The threads start with the first query: started with the server, they took 50 ms of its start. */
  constructor(path: string, count: number, onFailure: (error: Error) => void) {
    this.#path = path;
    this.#count = count;
    this.#onFailure = onFailure;
  }

  #start(): void {
    this.#started = true;
    for (let i = 0; i < this.#count; i++) {
      const settings: ReaderSettings = { path: this.#path, cachedStatements: CACHED_STATEMENTS, cacheKib: CACHE_KIB };
      const worker = startSqliteThread(import.meta.url, 'sqlite-reader-thread', settings);
      const reader: Reader = { worker, waiting: new Map() };
      worker.on('message', (answer: FromReader) => {
        const call = reader.waiting.get(answer.id);
        if (!call) return;
        reader.waiting.delete(answer.id);
        if (answer.error) call.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }));
        else call.resolve(answer.rows ?? []);
      });
      const fail = (error: Error) => {
        const at = this.#readers.indexOf(reader);
        if (at >= 0) this.#readers.splice(at, 1);
        for (const call of reader.waiting.values()) call.reject(error);
        reader.waiting.clear();
        if (!this.#closed) this.#onFailure(error);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (this.#readers.includes(reader)) fail(new Error(`a SQLite reader thread stopped (exit code ${code})`));
      });
      this.#readers.push(reader);
    }
  }

  /** Whether a reader runs or will (they stop only when one fails, or on close). */
  get available(): boolean {
    return !this.#closed && (!this.#started || this.#readers.length > 0);
  }

  query(sql: string, parameters: readonly unknown[]): Promise<unknown[]> {
    if (!this.#started && !this.#closed) this.#start();
    let reader = this.#readers[0];
    if (!reader) return Promise.reject(new Error('no SQLite reader thread is running'));
    for (const other of this.#readers) if (other.waiting.size < reader.waiting.size) reader = other;
    const id = this.#nextId++;
    const chosen = reader;
    return new Promise((resolve, reject) => {
      chosen.waiting.set(id, { resolve, reject });
      // Referenced while a query waits, so that a process waiting only on a search does not exit.
      chosen.worker.ref();
      chosen.worker.postMessage({ id, sql, parameters } satisfies ToReader);
    }).finally(() => {
      if (chosen.waiting.size === 0) chosen.worker.unref();
    }) as Promise<unknown[]>;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const readers = this.#readers.splice(0);
    await Promise.all(
      readers.map(async ({ worker }) => {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.postMessage('close' satisfies ToReader);
        const stuck = setTimeout(() => void worker.terminate(), 1_000);
        await exited;
        clearTimeout(stuck);
      }),
    );
  }
}
