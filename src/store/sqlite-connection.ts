import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';

/** Counts of what reached the disk, for /metrics and the benchmarks. */
export interface CommitCounter {
  /** Durable commits: COMMITs and writes that committed on their own (autocommit). */
  commits: number;
}

export function openSqlite(path: string): SqliteDatabase.Database {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  // An acknowledged purchase must survive a power cut, so every commit is synced.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return sqlite;
}

const CACHED_STATEMENTS = 500;

/**
 * better-sqlite3 as Kysely's SQLite dialect sees it, with two additions: statements stay prepared
 * (Kysely would prepare every query again; queries built by the stores repeat the same SQL), and
 * every durable commit is counted.
 */
export function preparedSqlite(sqlite: SqliteDatabase.Database, counter: CommitCounter): KyselySqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  const counted = (sql: string, statement: SqliteDatabase.Statement): SqliteStatement => {
    const endsTransaction = /^\s*commit\b/i.test(sql) || /^\s*end\b/i.test(sql);
    const track = <R>(run: () => R): R => {
      const wasInTransaction = sqlite.inTransaction;
      const result = run();
      if (!sqlite.inTransaction && ((wasInTransaction && endsTransaction) || (!wasInTransaction && !statement.readonly))) {
        counter.commits++;
      }
      return result;
    };
    return {
      reader: statement.reader,
      all: (parameters) => track(() => statement.all(...(parameters as unknown[]))),
      run: (parameters) => track(() => statement.run(...(parameters as unknown[]))),
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
