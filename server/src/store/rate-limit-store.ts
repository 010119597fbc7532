import { sql } from 'kysely';
import type { Executor } from './database.js';

/** Counts one hit in the key's window and returns the window's total, atomically on any process. */
export async function countRateLimitHit(ex: Executor, keyId: string, windowStart: string): Promise<number> {
  const row = await ex
    .insertInto('rate_limit_window')
    .values({ key_id: keyId, window_start: windowStart, hits: 1 })
    .onConflict((oc) => oc.columns(['key_id', 'window_start']).doUpdateSet({ hits: sql`rate_limit_window.hits + 1` }))
    .returning('hits')
    .executeTakeFirstOrThrow();
  return Number(row.hits);
}

export async function deleteRateLimitWindows(ex: Executor, before: string): Promise<number> {
  const result = await ex.deleteFrom('rate_limit_window').where('window_start', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
