import type { SelectQueryBuilder } from 'kysely';
import { dialectOf, type Executor } from './database.js';

/**
 * How a read inside a READ COMMITTED transaction holds on to the rows it checked, so that what it
 * read stays true until it commits: 'share' lets others read and share-lock them but not change or
 * delete them; 'update' keeps out other lockers too (taken before deleting). SQLite runs one writer
 * at a time and has no row locks: there the read is left as it is.
 */
export type RowLock = 'share' | 'update' | undefined;

export function lockRows<Q extends SelectQueryBuilder<any, any, any>>(ex: Executor, query: Q, lock: RowLock): Q {
  if (!lock || dialectOf(ex) !== 'postgres') return query;
  return (lock === 'share' ? query.forShare() : query.forUpdate()) as Q;
}
