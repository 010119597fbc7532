import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';
import { observed } from './sql-observer.js';
import type { WalSync } from './sqlite-wal-sync.js';

/** Counts of what reached the disk, for /metrics and the benchmarks. */
export interface CommitCounter {
  /** Durable commits: COMMITs and writes that committed on their own (autocommit). */
  commits: number;
  /** Set while a COMMIT runs whose log is synced later (by group commit, through WalSync). */
  syncDeferred?: boolean;
}

/**
 * Opens a database in WAL mode. `synchronous` is FULL unless the caller syncs the log itself
 * (preparedSqlite with a WalSync) or does not need durability against a power cut.
 */
export function openSqlite(path: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): SqliteDatabase.Database {
  if (path !== ':memory:') createPrivately(path);
  const sqlite = new SqliteDatabase(path);
  enterWal(sqlite);
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return sqlite;
}

/**
 * A database holds names, addresses and key hashes, so the folder and file Bilby creates for it are
 * its owner's alone, whatever the umask: SQLite would create the file 0644, and it gives the -wal
 * and -shm files it creates the main file's mode. A folder or file that exists already keeps the
 * mode its operator gave it.
 */
function createPrivately(path: string): void {
  const folder = dirname(resolve(path));
  if (mkdirSync(folder, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(folder, 0o700);
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes what ANALYZE records, so that Bilby's queries are planned as they are on every database
 * nobody analysed (the plans its tests and benchmarks check; searches name their index outright).
 * The row counts (sqlite_stat1) say a status has a few values over millions of rows, so a query for
 * a rare one (numbers in quarantine, pending orders) walked everything: measured on 10,000,000
 * numbers, releasing quarantined numbers took 1,077 ms instead of using the status index. The
 * samples (sqlite_stat4, in better-sqlite3's build) made a statement that consulted one for a bound
 * value prepare again on every execution: the purchase's facts read took 93 µs instead of 27, a
 * search's SQL 870 µs instead of 695. Writes only if there is something to drop.
 */
export function dropPlannerStatistics(sqlite: SqliteDatabase.Database): void {
  sqlite.exec('DROP TABLE IF EXISTS sqlite_stat4; DROP TABLE IF EXISTS sqlite_stat1');
}

const CACHED_STATEMENTS = 500;

/** How long opening waits for another process's lock on a file still in rollback mode. */
const WAL_SWITCH_WAIT_MS = 30_000;

/**
 * Turns the file to WAL. On a new file, still in rollback mode, the switch needs the file to
 * itself; while another process holds its write lock (it is creating or migrating the file too),
 * SQLite answers SQLITE_BUSY at once, without waiting out busy_timeout: retried here.
 */
function enterWal(sqlite: SqliteDatabase.Database): void {
  const deadline = Date.now() + WAL_SWITCH_WAIT_MS;
  for (;;) {
    try {
      sqlite.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (!String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY') || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/**
 * better-sqlite3 as Kysely's SQLite dialect sees it, with two additions: statements stay prepared
 * (Kysely would prepare every query again; queries built by the stores repeat the same SQL), and
 * every durable commit is counted. With a WalSync (the connection then runs synchronous=NORMAL),
 * every commit is synced before the statement returns, as FULL would, unless group commit defers
 * the sync to answer its callers after an asynchronous one.
 */
export function preparedSqlite(sqlite: SqliteDatabase.Database, counter: CommitCounter, wal?: WalSync): KyselySqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  const counted = (sql: string, statement: SqliteDatabase.Statement): SqliteStatement => {
    const endsTransaction = /^\s*commit\b/i.test(sql) || /^\s*end\b/i.test(sql);
    const track = <R>(parameters: readonly unknown[], run: () => R): R => {
      const wasInTransaction = sqlite.inTransaction;
      const result = observed(sql, parameters, run);
      const committed = !sqlite.inTransaction && ((wasInTransaction && endsTransaction) || (!wasInTransaction && !statement.readonly));
      if (!committed || counter.syncDeferred) return result;
      if (wal) wal.syncNow();
      else counter.commits++;
      return result;
    };
    return {
      reader: statement.reader,
      all: (parameters) => track(parameters, () => statement.all(...(parameters as unknown[]))),
      run: (parameters) => track(parameters, () => statement.run(...(parameters as unknown[]))),
      iterate: (parameters) => statement.iterate(...(parameters as unknown[])),
    };
  };
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement) {
        // Most recently used last, so the oldest is the one evicted.
        cache.delete(sql);
      } else {
        statement = counted(sql, sqlite.prepare(sql));
        if (cache.size >= CACHED_STATEMENTS) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}
