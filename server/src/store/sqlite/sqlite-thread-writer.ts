import { Kysely } from 'kysely';
import type { Tables } from '../tables.js';
import { openSqlite, preparedSqlite } from './sqlite-connection.js';
import { ImmediateSqliteDialect } from './sqlite-immediate-dialect.js';

/** A page cache large enough for the scattered pages a batch of a thousand renewals dirties. */
const WRITER_CACHE_KIB = 65_536;

/**
 * A second writing connection to a file, for a worker thread that writes in the server's name
 * (the billing run): each commit synced by SQLite itself (synchronous=FULL), no checkpoints of its
 * own (the server's checkpointer thread copies the log for every connection). The server lets it
 * write only while its own connection writes nothing (Database.threadWrites), so neither waits on the
 * other's lock.
 */
export function openThreadWriter(path: string): { db: Kysely<Tables>; close(): Promise<void> } {
  const sqlite = openSqlite(path, 'FULL');
  sqlite.pragma('wal_autocheckpoint = 0');
  sqlite.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
  const db = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect(preparedSqlite(sqlite, { commits: 0 })) });
  return { db, close: () => db.destroy() };
}
