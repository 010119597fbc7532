import { sql } from 'kysely';
import type { Db, Trx } from './database.js';

interface Job {
  fn: (trx: Trx) => Promise<unknown>;
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
 */
export class SqliteGroupCommit {
  readonly #db: Db;
  #queue: Job[] = [];
  #draining = false;

  constructor(db: Db) {
    this.#db = db;
  }

  run<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#draining) {
        this.#draining = true;
        // Wait for the requests already read from the sockets to queue their transactions too.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#commit(this.#queue.splice(0, MAX_BATCH));
    } finally {
      this.#draining = false;
    }
  }

  async #commit(batch: Job[]): Promise<void> {
    let trx: Awaited<ReturnType<ReturnType<Db['startTransaction']>['execute']>>;
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
      await trx.commit().execute();
    } catch (error) {
      await trx.rollback().execute().catch(() => undefined);
      // A lone transaction fails with its own error; a batch that could not commit fails whole.
      for (const job of batch) job.reject(error);
      return;
    }
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}

async function settle(promise: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
