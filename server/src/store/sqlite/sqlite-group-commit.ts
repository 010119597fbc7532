import { sql, type ControlledTransaction, type Kysely, type Transaction } from 'kysely';
import type { CommitCounter } from './sqlite-connection.js';
import type { WalSync } from './sqlite-wal-sync.js';

/** What the group commit asks of the checkpointer (SqliteCheckpointer). */
export interface LogLimit {
  mustDrain(): boolean;
  drain(): Promise<void>;
}

interface Job<DB> {
  fn: (trx: Transaction<DB>) => Promise<unknown>;
  /** Runs with no transaction open on this connection, none starting until it ends (alone()). */
  alone: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** At most this many transactions share one commit, so no caller waits behind an unbounded batch. */
const MAX_BATCH = 64;

/**
 * Group commit for SQLite: write transactions that arrive together run one after another inside
 * one BEGIN IMMEDIATE … COMMIT, each in a savepoint of its own, so they share one synced commit.
 * A transaction that throws is rolled back to its savepoint and fails alone; every caller learns
 * its outcome only after the COMMIT is on disk, so nothing is acknowledged that a crash could undo.
 *
 * With a WalSync, the COMMIT itself does not sync (the connection runs synchronous=NORMAL): the
 * log is synced on the thread pool instead, so the event loop runs the next batch, and other
 * requests, while the disk works. Callers are still answered only after that sync; a later batch
 * built on this one is answered after a later sync, which covers both. What a reader may see
 * early is a commit that a power cut (not a crash of the process) could still undo.
 */
export class SqliteGroupCommit<DB> {
  readonly #db: Kysely<DB>;
  readonly #wal: WalSync | undefined;
  readonly #counter: CommitCounter;
  readonly #logLimit: LogLimit | undefined;
  #queue: Job<DB>[] = [];
  #draining = false;
  /** Batches committed and waiting for their sync. */
  readonly #syncing = new Set<Promise<void>>();

  constructor(db: Kysely<DB>, counter: CommitCounter, wal?: WalSync, logLimit?: LogLimit) {
    this.#db = db;
    this.#counter = counter;
    this.#wal = wal;
    this.#logLimit = logLimit;
  }

  run<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.#enqueue(fn, false);
  }

  /**
   * Runs fn in the writer's turn without a transaction on this connection: no write transaction is
   * open here while it runs, and no statement runs here until it settles. For work that writes the file
   * through a connection of its own (a worker thread's) and must not wait on this one's lock, nor
   * hold the event loop while this one waits on its own.
   */
  alone<T>(fn: () => Promise<T>): Promise<T> {
    return this.#enqueue(fn, true);
  }

  #enqueue<T>(fn: (trx: Transaction<DB>) => Promise<T>, alone: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, alone, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#draining) {
        this.#draining = true;
        // Wait for the requests already read from the sockets to queue their transactions too.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // Between batches no write transaction is open: the log can be copied whole and start over.
        if (this.#logLimit?.mustDrain()) await this.#logLimit.drain();
        if (this.#queue[0]!.alone) {
          const job = this.#queue.shift()!;
          // Holding the connection, so that a statement sent to the database outside the group
          // commit meanwhile waits for it here instead of on SQLite's lock, on the event loop.
          const outcome = await settle(this.#db.connection().execute(() => (job.fn as () => Promise<unknown>)()));
          if (outcome.ok) job.resolve(outcome.value);
          else job.reject(outcome.error);
          continue;
        }
        const alone = this.#queue.findIndex((job) => job.alone);
        await this.#commit(this.#queue.splice(0, alone === -1 ? MAX_BATCH : Math.min(alone, MAX_BATCH)));
      }
    } finally {
      this.#draining = false;
    }
  }

  async #commit(batch: Job<DB>[]): Promise<void> {
    let trx: ControlledTransaction<DB>;
    try {
      trx = await this.#db.startTransaction().execute();
    } catch (error) {
      for (const job of batch) job.reject(error);
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      for (const job of batch) {
        if (batch.length === 1) {
          outcomes.push(await settle(job.fn(trx)));
          if (!outcomes[0]!.ok) throw (outcomes[0] as { error: unknown }).error;
          continue;
        }
        await sql`savepoint grouped`.execute(trx);
        const outcome = await settle(job.fn(trx));
        if (!outcome.ok) await sql`rollback to savepoint grouped`.execute(trx);
        await sql`release savepoint grouped`.execute(trx);
        outcomes.push(outcome);
      }
      await this.#commitWithoutSync(trx);
    } catch (error) {
      await trx.rollback().execute().catch(() => undefined);
      // A lone transaction fails with its own error; a batch that could not commit fails whole.
      for (const job of batch) job.reject(error);
      return;
    }
    const answer = () =>
      batch.forEach((job, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) job.resolve(outcome.value);
        else job.reject(outcome.error);
      });
    if (!this.#wal) return answer();
    // The next batch runs while this one syncs; this one is answered when its sync is done.
    const synced = this.#wal.sync().then(answer, (error: unknown) => {
      // Committed but not known to be durable: nobody may be told it succeeded.
      for (const job of batch) job.reject(error);
    });
    this.#syncing.add(synced);
    void synced.finally(() => this.#syncing.delete(synced));
  }

  /** Resolves when every batch committed so far is synced (what a reader saw is on disk). */
  async synced(): Promise<void> {
    await Promise.all(this.#syncing);
  }

  /** Resolves when every transaction queued so far is committed, synced and answered. */
  async idle(): Promise<void> {
    while (this.#draining || this.#queue.length > 0 || this.#syncing.size > 0) {
      await Promise.all(this.#syncing);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async #commitWithoutSync(trx: ControlledTransaction<DB>): Promise<void> {
    this.#counter.syncDeferred = this.#wal !== undefined;
    try {
      await trx.commit().execute();
    } finally {
      this.#counter.syncDeferred = false;
    }
  }
}

async function settle(promise: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
