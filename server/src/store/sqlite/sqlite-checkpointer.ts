import type { Worker } from 'node:worker_threads';
import type SqliteConnection from 'better-sqlite3';
import type { CheckpointReport, CheckpointSettings, ToCheckpointer } from './sqlite-checkpoint-thread.js';
import { startSqliteThread } from './sqlite-thread.js';

/** How often the worker copies the log back into the database. */
const INTERVAL_MS = 50;
/**
 * How long a drain's checkpoint waits for readers on older snapshots (searches take milliseconds).
 * Without the wait, reader threads reading without pause kept the log from ever starting over
 * (test: 22.6 MB against a 1 MB limit); writes on the server's connection wait as long at most.
 */
const RESTART_WAIT_MS = 100;
/** 16,384 frames of 4 KB pages: 64 MB, the size the log file is truncated back to (journal_size_limit). */
const DEFAULT_RESTART_FRAMES = 16_384;

/**
 * Copies SQLite's write-ahead log back into the database from a worker thread. Left to itself,
 * SQLite checkpoints inside the COMMIT that crosses wal_autocheckpoint pages: on the event loop,
 * syncing the database file, while every request waits. The server's connection therefore runs
 * with wal_autocheckpoint=0 while this worker is alive, and returns to SQLite's own checkpoints
 * if the worker fails.
 *
 * Under writes that never pause, a checkpoint never finds the whole log copied, so SQLite never
 * starts the log over and it grows without end (measured: 4.6 GB after 50 s of purchases, and
 * throughput falling). Past `restartFrames` frames, `mustDrain()` tells the group commit to hold
 * its next batch for one `drain()`: a checkpoint with no writer running copies the whole log, and
 * the next write starts it over.
 */
export class SqliteCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  readonly #restartFrames: number;
  /** Frames in the log at the worker's last report, 0 once a drain has let it start over. */
  #logFrames = 0;
  #drained: Array<() => void> = [];

  constructor(path: string, onFailure: (error: Error) => void, restartFrames = DEFAULT_RESTART_FRAMES) {
    this.#restartFrames = restartFrames;
    const settings: CheckpointSettings = { path, intervalMs: INTERVAL_MS, restartWaitMs: RESTART_WAIT_MS };
    this.#worker = startSqliteThread(import.meta.url, 'sqlite-checkpoint-thread', settings);
    this.#worker.on('error', (error) => {
      this.#logFrames = 0;
      for (const resolve of this.#drained.splice(0)) resolve();
      onFailure(error);
    });
    this.#worker.on('message', (report: CheckpointReport) => {
      if (!report.asked) {
        this.#logFrames = report.log;
        return;
      }
      // Whole: the next write starts the log over. Not whole (another process still reads an old
      // snapshot): wait for the timer's next report rather than pausing every batch.
      this.#logFrames = report.checkpointed === report.log ? 0 : Math.min(report.log, this.#restartFrames - 1);
      for (const resolve of this.#drained.splice(0)) resolve();
    });
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', () => {
        for (const done of this.#drained.splice(0)) done();
        resolve();
      }),
    );
  }

  /** True when the log has grown past its limit: the writer should pause for a drain(). */
  mustDrain(): boolean {
    return this.#logFrames >= this.#restartFrames;
  }

  /** Checkpoints at once; call it with no write transaction open. */
  drain(): Promise<void> {
    return new Promise((resolve) => {
      this.#drained.push(resolve);
      if (this.#drained.length === 1) this.#worker.postMessage('checkpoint' satisfies ToCheckpointer);
    });
  }

  async close(): Promise<void> {
    this.#worker.postMessage('close' satisfies ToCheckpointer);
    const stuck = setTimeout(() => void this.#worker.terminate(), 1_000);
    await this.#exited;
    clearTimeout(stuck);
  }
}

/** SQLite's default. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

/** Moves the connection's checkpoints to a worker thread, SQLite's own taking over if the worker fails. */
export function offLoopCheckpoints(sqlite: SqliteConnection.Database, path: string, restartFrames?: number): SqliteCheckpointer {
  const checkpointer = new SqliteCheckpointer(path, () => sqlite.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`), restartFrames);
  sqlite.pragma('wal_autocheckpoint = 0');
  // After a checkpoint lets the log restart, keep its file from staying at its largest size.
  sqlite.pragma('journal_size_limit = 67108864');
  return checkpointer;
}
