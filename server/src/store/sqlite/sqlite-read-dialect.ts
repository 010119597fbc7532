import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';
import { announce } from './sql-observer.js';
import type { SqliteReaders } from './sqlite-readers.js';

/** What the dialect needs of the server's own connection. */
interface Fallback {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/**
 * Kysely's SQLite dialect over the reader threads: queries built as usual, answered by a reader.
 * Reads only, one statement at a time: no transactions, no streaming. While no reader runs (one
 * failed), queries go to `fallback`, the server's own connection.
 */
export class SqliteReadDialect implements Dialect {
  readonly #readers: SqliteReaders;
  readonly #fallback: Fallback;

  constructor(readers: SqliteReaders, fallback: Fallback) {
    this.#readers = readers;
    this.#fallback = fallback;
  }

  createAdapter() {
    return new SqliteAdapter();
  }

  createDriver(): Driver {
    const readers = this.#readers;
    const fallback = this.#fallback;
    const connection: DatabaseConnection = {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        if (!readers.available) return fallback.executeQuery(query as CompiledQuery<R>);
        announce(query.sql, query.parameters);
        return { rows: (await readers.query(query.sql, query.parameters)) as R[] };
      },
      async *streamQuery() {
        throw new Error('the SQLite readers do not stream');
      },
    };
    const noTransactions = async () => {
      throw new Error('the SQLite readers run no transactions');
    };
    return {
      init: async () => {},
      acquireConnection: async () => connection,
      beginTransaction: noTransactions,
      commitTransaction: noTransactions,
      rollbackTransaction: noTransactions,
      releaseConnection: async () => {},
      destroy: async () => {},
    };
  }

  createIntrospector(db: Kysely<unknown>) {
    return new SqliteIntrospector(db);
  }

  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }
}
