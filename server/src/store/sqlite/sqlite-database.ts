import { Kysely, type Transaction } from 'kysely';
import type { Tables } from '../tables.js';
import { offLoopCheckpoints } from './sqlite-checkpointer.js';
import { dropPlannerStatistics, openSqlite, preparedSqlite, type CommitCounter } from './sqlite-connection.js';
import { SqliteGroupCommit } from './sqlite-group-commit.js';
import { ImmediateSqliteDialect } from './sqlite-immediate-dialect.js';
import { SqliteReadDialect } from './sqlite-read-dialect.js';
import { SqliteReaders } from './sqlite-readers.js';
import { WalSync } from './sqlite-wal-sync.js';

export interface SqliteOptions {
  /**
   * Frames (pages) the write-ahead log may hold before writes pause for one checkpoint that lets
   * it start over. @default 16384 (64 MB of 4 KB pages)
   */
  walRestartFrames?: number;
  /**
   * A file only: threads with their own connection that answer `reads` (0: reads run on the
   * server's connection). @default 0
   */
  readers?: number;
  /** Told when a reader thread breaks; reads go to the others, or to the server's connection. */
  onConnectionError?: (error: Error) => void;
}

/**
 * The SQLite engine behind the Database interface (store/database.ts): one connection that every
 * write goes through by group commit, and on a file the log synced off the event loop (WalSync),
 * checkpoints on a thread of their own, and optional reader threads for `reads`.
 */
export function createSqlite(path: string, options: SqliteOptions = {}) {
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
  const write = <T>(fn: (trx: Transaction<Tables>) => Promise<T>): Promise<T> => group.run(fn);
  return {
    db,
    reads: readers ? new Kysely<Tables>({ dialect: new SqliteReadDialect(readers, db) }) : db,
    dialect: 'sqlite' as const,
    location: path,
    writeTransaction: write,
    writeStatement: write,
    ...(onDisk ? { threadWrites: { path, run: <T>(fn: () => Promise<T>) => group.alone(fn) } } : {}),
    durable: () => group.synced(),
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
