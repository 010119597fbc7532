import { PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import type { Tables } from './tables.js';

// Kept apart from database.ts, which opens both engines, so that a module a worker thread runs (the
// billing run's writer) can build queries without bundling them.

export type Db = Kysely<Tables>;
export type Trx = Transaction<Tables>;
/** Either the database or a transaction: store functions accept both. */
export type Executor = Db | Trx;

export type DialectName = 'sqlite' | 'postgres';

/** Which dialect a query builder (database, transaction or migration's Kysely) speaks. */
export function dialectOf(ex: Pick<Kysely<unknown>, 'getExecutor'>): DialectName {
  return ex.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
