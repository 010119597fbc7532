import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase as KyselySqliteDatabase,
  type Transaction,
} from 'kysely';
import { SqliteGroupCommit } from './sqlite-group-commit.js';
import { dropPlannerStatistics, openSqlite, preparedSqlite, type CommitCounter } from './sqlite-connection.js';
import { WalSync } from './sqlite-wal-sync.js';
import { namingPool } from './postgres-prepared.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { SqliteReadDialect } from './sqlite-read-dialect.js';
import { SqliteReaders } from './sqlite-readers.js';
import type SqliteConnection from 'better-sqlite3';
import type { Tables } from './tables.js';

export type Db = Kysely<Tables>;
export type Trx = Transaction<Tables>;
/** Either the database or a transaction: store functions accept both. */
export type Executor = Db | Trx;

export type DialectName = 'sqlite' | 'postgres';

export interface WriteOptions {
  /**
   * PostgreSQL runs write transactions SERIALIZABLE unless told otherwise. 'read committed' is for
   * transactions that guard every fact they rely on themselves, with a conditional write (`… WHERE
   * status = 'available'`) or a locking read (lockRows), so that concurrent ones wait on each
   * other's rows instead of aborting and running again. SQLite has one writer at a time: it ignores this.
   */
  isolation?: 'serializable' | 'read committed';
}

export const READ_COMMITTED: WriteOptions = { isolation: 'read committed' };

/** Which dialect a query builder (database, transaction or migration's Kysely) speaks. */
export function dialectOf(ex: Pick<Kysely<unknown>, 'getExecutor'>): DialectName {
  return ex.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

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
  /** Durable commits so far (SQLite; PostgreSQL counts write transactions committed). */
  readonly stats: CommitCounter;
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

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #database: KyselySqliteDatabase;
  constructor(database: KyselySqliteDatabase) {
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

export interface DatabaseOptions {
  /** PostgreSQL only: the schema to work in (tests give each its own). */
  schema?: string;
  /** PostgreSQL only: connections in the pool. @default 10 */
  poolSize?: number;
  /**
   * SQLite only: frames (pages) the write-ahead log may hold before writes pause for one checkpoint
   * that lets it start over. @default 16384 (64 MB of 4 KB pages)
   */
  walRestartFrames?: number;
  /**
   * SQLite file only: threads with their own connection that answer `reads` (0: reads run on the
   * server's connection). @default 0
   */
  readers?: number;
  /**
   * Told when a connection breaks. PostgreSQL: an idle one (a database restart); the pool replaces
   * it. SQLite: a reader thread; reads go to the others, or to the server's connection.
   */
  onConnectionError?: (error: Error) => void;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** Opens the database named by url: `file:<path>` or `:memory:` (SQLite), or `postgres://…`. */
export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  if (isPostgresUrl(url)) return createPostgres(url, options);
  const path = sqlitePath(url);
  const stats: CommitCounter = { commits: 0 };
  const onDisk = path !== ':memory:';
  // A file database syncs its log itself (WalSync), so that group commit can sync off the event loop.
  const wal = onDisk ? new WalSync(path, () => stats.commits++) : undefined;
  const sqlite = openSqlite(path, wal ? 'NORMAL' : 'FULL');
  dropPlannerStatistics(sqlite);
  const checkpointer = onDisk ? offLoopCheckpoints(sqlite, path, options.walRestartFrames) : undefined;
  const db = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect(preparedSqlite(sqlite, stats, wal)) });
  const group = new SqliteGroupCommit(db, stats, wal, checkpointer);
  const readers = onDisk && options.readers ? new SqliteReaders(path, options.readers, (error) => options.onConnectionError?.(error)) : undefined;
  return {
    db,
    reads: readers ? new Kysely<Tables>({ dialect: new SqliteReadDialect(readers, db) }) : db,
    dialect: 'sqlite',
    location: path,
    writeTransaction: (fn) => group.run(fn),
    writeStatement: (fn) => group.run(fn),
    stats,
    close: async () => {
      await group.idle();
      await readers?.close();
      await checkpointer?.close();
      await db.destroy();
      wal?.close();
    },
  };
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

const INT8_OID = 20;
const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';
const MAX_ATTEMPTS = 30;

/**
 * pg is required when a PostgreSQL database is opened, not imported: loading it (and the fetch
 * implementation it touches while looking for Cloudflare) took about 25 ms of a SQLite server's start.
 */
function loadPg(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

function createPostgres(url: string, options: DatabaseOptions): Database {
  const pg = loadPg();
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    application_name: options.schema ? `bilby:${options.schema}` : 'bilby',
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    // Money and counts are bigint; every amount fits a double exactly, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection that PostgreSQL drops (a restart) emits 'error': on the pool while idle, on the
  // client while checked out. Unheard, either crashes the process; heard, the query in flight fails
  // and the pool discards the broken client and opens a new one.
  const reportError = (error: Error) => options.onConnectionError?.(error);
  pool.on('error', reportError);
  pool.on('connect', (client) => client.on('error', reportError));
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: namingPool(pool) }) });
  const parsed = new URL(url);
  const stats: CommitCounter = { commits: 0 };
  return {
    db,
    reads: db,
    dialect: 'postgres',
    location: `${parsed.host}${parsed.pathname}${options.schema ? ` (schema ${options.schema})` : ''}`,
    writeTransaction: async (fn, options) => {
      const result = await withRetries(() => db.transaction().setIsolationLevel(options?.isolation ?? 'serializable').execute(fn));
      stats.commits++;
      return result;
    },
    writeStatement: async (fn) => {
      const result = await withRetries(() => fn(db));
      stats.commits++;
      return result;
    },
    stats,
    close: () => db.destroy(),
  };
}

/**
 * Write transactions are SERIALIZABLE unless they guard themselves (WriteOptions), so the checks a
 * transaction reads hold when it commits, as under SQLite's single writer. PostgreSQL then aborts
 * one of two conflicting transactions (or one of a deadlock, at any level); that is retried here
 * with jittered back-off and never reaches a client.
 */
async function withRetries<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const retryable = code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED;
      if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
      await sleep(Math.random() * Math.min(50, 2 * attempt));
    }
  }
}
