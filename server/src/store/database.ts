import { isPostgresUrl, sqlitePath } from '../domain/database-url.js';
import { createPostgres, type IsolationLevel, type PostgresOptions } from './postgres/postgres-database.js';
import type { CommitCounter } from './sqlite/sqlite-connection.js';
import { createSqlite, type SqliteOptions } from './sqlite/sqlite-database.js';
import type { DialectName, Db, Executor, Trx } from './dialect.js';

export { dialectOf, type DialectName, type Db, type Executor, type Trx } from './dialect.js';

export interface WriteOptions {
  /**
   * PostgreSQL runs write transactions SERIALIZABLE unless told otherwise. 'read committed' is for
   * transactions that guard every fact they rely on themselves, with a conditional write (`… WHERE
   * status = 'available'`) or a locking read (lockRows), so that concurrent ones wait on each
   * other's rows instead of aborting and running again. SQLite has one writer at a time: it ignores this.
   */
  isolation?: IsolationLevel;
}

export const READ_COMMITTED: WriteOptions = { isolation: 'read committed' };

export interface Database {
  readonly db: Db;
  /**
   * For queries that only read and need no transaction (searches). On a SQLite file with reader
   * threads, they run there, off the event loop; otherwise this is db.
   */
  readonly reads: Db;
  readonly dialect: DialectName;
  /** Where the database lives, for messages (never contains a password). */
  readonly location: string;
  /**
   * Runs fn in one write transaction, committed when fn resolves and rolled back when it throws.
   * On PostgreSQL fn may run more than once (serialization retries): it must only touch the database.
   */
  writeTransaction<T>(fn: (trx: Trx) => Promise<T>, options?: WriteOptions): Promise<T>;
  /**
   * PostgreSQL: runs fn, which writes with one statement, as a transaction of its own (autocommit,
   * READ COMMITTED): no BEGIN and COMMIT, one round trip instead of three; retried on deadlock.
   * SQLite: writeTransaction (where a transaction costs no round trips).
   */
  writeStatement<T>(fn: (ex: Executor) => Promise<T>): Promise<T>;
  /**
   * A SQLite file only: for a worker thread that writes the file through a connection of its own
   * (store/sqlite/sqlite-thread-writer.ts). `run` gives fn this process's turn to write: nothing is
   * written through `db` while it runs, so the thread never waits on this connection's lock, and
   * this connection never blocks the event loop waiting on the thread's.
   */
  readonly threadWrites?: { readonly path: string; run<T>(fn: () => Promise<T>): Promise<T> };
  /**
   * Resolves once every commit made so far is on disk. SQLite's group commit lets readers see a
   * batch before its log is synced (its callers are answered after); a reader that hands out
   * positions others keep (an event's cursor) waits for it. PostgreSQL: at once.
   */
  durable(): Promise<void>;
  /** Durable commits so far (SQLite; PostgreSQL counts write transactions committed). */
  readonly stats: CommitCounter;
  close(): Promise<void>;
}

/** The options of both engines; each reads its own and ignores the other's. */
export interface DatabaseOptions extends SqliteOptions, PostgresOptions {
  /**
   * Told when a connection breaks. PostgreSQL: an idle one (a database restart); the pool replaces
   * it. SQLite: a reader thread; reads go to the others, or to the server's connection.
   */
  onConnectionError?: (error: Error) => void;
}

/** Opens the database named by url: `file:<path>` or `:memory:` (SQLite), or `postgres://…`. */
export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  return isPostgresUrl(url) ? createPostgres(url, options) : createSqlite(sqlitePath(url), options);
}
