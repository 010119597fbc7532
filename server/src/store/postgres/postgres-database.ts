import { createRequire } from 'node:module';
import type pg from 'pg';
import { Kysely, type Transaction } from 'kysely';
import type { Tables } from '../tables.js';
import { CurrentSchemaPostgresDialect } from './postgres-introspector.js';
import { namingPool } from './postgres-prepared.js';
import { withRetries } from './postgres-retries.js';

export interface PostgresOptions {
  /** The schema to work in (tests give each its own). */
  schema?: string;
  /** Connections in the pool. @default 10 */
  poolSize?: number;
  /** Told when an idle connection breaks (a database restart); the pool replaces it. */
  onConnectionError?: (error: Error) => void;
}

/** The levels write transactions run at (database.ts's WriteOptions says which when). */
export type IsolationLevel = 'serializable' | 'read committed';

const INT8_OID = 20;

/**
 * pg is required when a PostgreSQL database is opened, not imported: loading it (and the fetch
 * implementation it touches while looking for Cloudflare) was a measurable part of a SQLite server's start.
 */
function loadPg(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

/**
 * The PostgreSQL engine behind the Database interface (store/database.ts): a pool whose
 * connections send the prepared queries' SQL as named statements, and write transactions retried
 * on serialization failures and deadlocks.
 */
export function createPostgres(url: string, options: PostgresOptions = {}) {
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
  const db = new Kysely<Tables>({ dialect: new CurrentSchemaPostgresDialect({ pool: namingPool(pool) }) });
  const parsed = new URL(url);
  const stats = { commits: 0 };
  return {
    db,
    reads: db,
    dialect: 'postgres' as const,
    location: `${parsed.host}${parsed.pathname}${options.schema ? ` (schema ${options.schema})` : ''}`,
    writeTransaction: async <T>(
      fn: (trx: Transaction<Tables>) => Promise<T>,
      options?: { isolation?: IsolationLevel },
    ): Promise<T> => {
      const result = await withRetries(() => db.transaction().setIsolationLevel(options?.isolation ?? 'serializable').execute(fn));
      stats.commits++;
      return result;
    },
    writeStatement: async <T>(fn: (ex: Kysely<Tables>) => Promise<T>): Promise<T> => {
      const result = await withRetries(() => fn(db));
      stats.commits++;
      return result;
    },
    durable: async () => undefined,
    stats,
    close: () => db.destroy(),
  };
}
