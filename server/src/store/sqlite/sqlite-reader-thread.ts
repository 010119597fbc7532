import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

/** What each reader thread is started with (its workerData). */
export interface ReaderSettings {
  path: string;
  /** Statements the reader keeps prepared. */
  cachedStatements: number;
  /** The connection's page cache. */
  cacheKib: number;
}

/** What SqliteReaders tells a reader: a query to answer, or to close. */
export type ToReader = { id: number; sql: string; parameters: readonly unknown[] } | 'close';

/** A reader's answer to the query with the same id: its rows, or why it failed. */
export interface FromReader {
  id: number;
  rows?: unknown[];
  error?: { message: string; code?: string };
}

/**
 * Runs in each reader thread (SqliteReaders): its own connection answers read-only queries, each
 * in its own read transaction (so it sees everything committed before it started), from
 * statements it prepares once. query_only makes a write an error instead of a write.
 */
if (parentPort) {
  const port = parentPort;
  const settings = workerData as ReaderSettings;
  const db = new SqliteDatabase(settings.path);
  db.pragma('busy_timeout = 5000');
  db.pragma('query_only = ON');
  db.pragma(`cache_size = -${settings.cacheKib}`);
  const cache = new Map<string, SqliteDatabase.Statement<unknown[]>>();
  const statementFor = (sql: string) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql);
    } else {
      statement = db.prepare<unknown[]>(sql);
      if (cache.size >= settings.cachedStatements) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  };
  const answer = (message: FromReader) => port.postMessage(message);
  port.on('message', (message: ToReader) => {
    if (message === 'close') {
      db.close();
      port.close();
      return;
    }
    try {
      const statement = statementFor(message.sql);
      if (!statement.reader) throw new Error(`a reader runs queries that return rows, not: ${message.sql}`);
      answer({ id: message.id, rows: statement.all(...message.parameters) });
    } catch (error) {
      const { message: text, code } = error as { message: string; code?: string };
      answer({ id: message.id, error: { message: text, code } });
    }
  });
}
