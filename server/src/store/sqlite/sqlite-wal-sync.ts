import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

/**
 * Makes SQLite's write-ahead log durable ourselves, so the connection can run with
 * synchronous=NORMAL (a COMMIT writes the log but does not sync it) and no commit is acknowledged
 * before the log is on disk:
 * - `sync()` runs fdatasync on libuv's thread pool, so the event loop keeps serving requests while
 *   the disk works. Syncs asked for while one is running share the next one: a sync covers every
 *   frame written before it started, so a commit is durable once a sync begun after it has finished.
 * - `syncNow()` syncs on the spot, for writes that are answered as soon as the statement returns.
 */
export class WalSync {
  readonly #path: string;
  readonly #onSynced: () => void;
  #fd: number | undefined;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(databasePath: string, onSynced: () => void) {
    this.#path = `${databasePath}-wal`;
    this.#onSynced = onSynced;
  }

  /** Resolves once everything written to the log before this call is on disk. */
  sync(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#datasync().finally(() => (this.#running = undefined));
      return this.#running;
    }
    // The running sync may have started before the caller's commit was written: wait for the next.
    this.#next ??= this.#running.then(
      () => this.#startNext(),
      () => this.#startNext(),
    );
    return this.#next;
  }

  syncNow(): void {
    fdatasyncSync(this.#log());
    this.#onSynced();
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #startNext(): Promise<void> {
    this.#next = undefined;
    return this.sync();
  }

  #datasync(): Promise<void> {
    return new Promise((resolve, reject) => {
      fdatasync(this.#log(), (error) => {
        if (error) return reject(error);
        this.#onSynced();
        resolve();
      });
    });
  }

  /** The log exists while a connection is open (ours is), so one descriptor serves every sync. */
  #log(): number {
    this.#fd ??= openSync(this.#path, 'r');
    return this.#fd;
  }
}
