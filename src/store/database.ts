import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type Transaction,
} from 'kysely';
import type { Tables } from './tables.js';

export type Db = Kysely<Tables>;
export type Trx = Transaction<Tables>;
/** Either the database or a transaction: store functions accept both. */
export type Executor = Db | Trx;

export interface Database {
  readonly db: Db;
  readonly dialect: 'sqlite';
  /** Where the database lives, for messages (never contains a password). */
  readonly location: string;
  /** Runs fn in one write transaction, committed when fn resolves and rolled back when it throws. */
  writeTransaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Kysely's SQLite driver opens transactions with a plain BEGIN, which takes the write lock only at
 * the first write and can then fail with SQLITE_BUSY when another process wrote in between.
 * BEGIN IMMEDIATE takes it up front, so busy_timeout applies and conditional updates see the latest rows.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase.Database;
  constructor(database: SqliteDatabase.Database) {
    super({ database });
    this.#database = database;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#database });
  }
}

/** A SQLite location from `file:<path>`, a bare path, or `:memory:`. */
export function sqlitePath(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  const path = url.startsWith('file:') ? url.slice('file:'.length) : url;
  if (path.length === 0) throw new Error(`Not a SQLite location: ${url}`);
  return path;
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

/** Opens the database named by url: `file:<path>` or `:memory:` (SQLite). */
export function createDatabase(url: string): Database {
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new Error('PostgreSQL is not supported yet: use a file: URL for SQLite');
  }
  const path = sqlitePath(url);
  const sqlite = openSqlite(path);
  const db = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect(sqlite) });
  return {
    db,
    dialect: 'sqlite',
    location: path,
    writeTransaction: (fn) => db.transaction().execute(fn),
    close: () => db.destroy(),
  };
}
