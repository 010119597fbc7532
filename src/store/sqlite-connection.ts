import { mkdirSync } from 'node:fs';
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
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return sqlite;
}

/**
 * Removes the index samples that ANALYZE writes when SQLite is built with SQLITE_ENABLE_STAT4, as
 * better-sqlite3's is. A statement whose plan consulted a sample for a bound value is prepared again
 * every time a value is bound, that is on every execution: measured on a database an ANALYZE had
 * run on, the purchase's facts read took 93 µs instead of 27 and a search's SQL 870 µs instead of 695.
 * Bilby picks its search indexes itself (INDEXED BY) and otherwise looks rows up by key, so the
 * samples buy nothing. ANALYZE's row counts (sqlite_stat1) stay. Writes only if the samples exist.
 */
export function dropIndexSamples(sqlite: SqliteDatabase.Database): void {
  sqlite.exec('DROP TABLE IF EXISTS sqlite_stat4');
}

const CACHED_STATEMENTS = 500;

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
