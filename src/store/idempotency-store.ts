import { sql } from 'kysely';
import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';
import type { IdempotencyKeyRow } from './tables.js';

const insertClaim = preparedQuery((ex, claim: { scope: string; key: string; fingerprint: string; at: string }) =>
  ex
    .insertInto('idempotency_record')
    .values({
      scope: claim.scope,
      key: claim.key,
      fingerprint: claim.fingerprint,
      state: 'in_progress',
      response_status: null,
      response_body: null,
      order_id: null,
      result_id: null,
      created_at: claim.at,
      updated_at: claim.at,
    })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing()),
);

/** Claims the key for a new request; false when the account already used it. The primary key decides. */
export async function claimIdempotencyKey(
  ex: Executor,
  claim: { scope: string; key: string; fingerprint: string; at: string },
): Promise<boolean> {
  return (await insertClaim(ex, claim)).numAffectedRows === 1n;
}

const recordByKey = preparedQuery((ex, scope: string, key: string) =>
  ex.selectFrom('idempotency_record').selectAll().where('scope', '=', scope).where('key', '=', key),
);

export async function findIdempotencyKey(ex: Executor, scope: string, key: string): Promise<IdempotencyKeyRow | undefined> {
  return (await recordByKey(ex, scope, key)).rows[0];
}

/** Takes over a claim whose request died (still in progress, untouched since `staleBefore`). */
export async function takeOverIdempotencyKey(
  ex: Executor,
  scope: string,
  key: string,
  staleBefore: string,
  at: string,
): Promise<boolean> {
  const result = await ex
    .updateTable('idempotency_record')
    .set({ updated_at: at })
    .where('scope', '=', scope)
    .where('key', '=', key)
    .where('state', '=', 'in_progress')
    .where('updated_at', '<', staleBefore)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

const updateResponse = preparedQuery(
  (ex, scope: string, key: string, r: { state: string; status: number; body: string; orderId: string | null; at: string }) =>
    ex
      .updateTable('idempotency_record')
      .set({ state: r.state, response_status: r.status, response_body: r.body, order_id: r.orderId, updated_at: r.at })
      .where('scope', '=', scope)
      .where('key', '=', key),
);

export async function recordIdempotentResponse(
  ex: Executor,
  scope: string,
  key: string,
  response: { state: 'done' | 'pending_order'; status: number; body: string; orderId: string | null; at: string },
): Promise<void> {
  await updateResponse(ex, scope, key, response);
}

export async function releaseIdempotencyKey(ex: Executor, scope: string, key: string): Promise<void> {
  await ex.deleteFrom('idempotency_record').where('scope', '=', scope).where('key', '=', key).execute();
}

/**
 * Ties the key to what its write created, inside that write's transaction. False when the key
 * is no longer this request's to tie (another request took it over and tied its own result):
 * the caller rolls back, so one key never has two results.
 */
export async function tieIdempotencyKey(ex: Executor, scope: string, key: string, resultId: string): Promise<boolean> {
  return (await tieResult(ex, scope, key, resultId)).numAffectedRows === 1n;
}

const tieResult = preparedQuery((ex, scope: string, key: string, resultId: string) =>
  ex
    .updateTable('idempotency_record')
    .set({ result_id: resultId })
    .where('scope', '=', scope)
    .where('key', '=', key)
    .where('state', '=', 'in_progress')
    .where('result_id', 'is', null),
);

/**
 * A request that claimed the key ended in a 5xx. Untied, nothing was written: the key is released
 * and a retry runs again. Tied to an order, a retry answers from the order once it settles. Tied to
 * anything else, the write committed: the key stays, and a retry answers from the result.
 */
export async function releaseUntiedIdempotencyKey(ex: Executor, scope: string, key: string, at: string): Promise<void> {
  await ex
    .deleteFrom('idempotency_record')
    .where('scope', '=', scope)
    .where('key', '=', key)
    .where('result_id', 'is', null)
    .execute();
  await ex
    .updateTable('idempotency_record')
    .set((eb) => ({ state: 'pending_order', order_id: eb.ref('result_id'), updated_at: at }))
    .where('scope', '=', scope)
    .where('key', '=', key)
    .where('state', '=', 'in_progress')
    .where(sql`substr(result_id, 1, 4)`, '=', 'ord_')
    .execute();
}

/** Forgets keys created before `before` (kept at least 24 hours). */
export async function purgeIdempotencyKeys(ex: Executor, before: string): Promise<number> {
  const result = await ex.deleteFrom('idempotency_record').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
