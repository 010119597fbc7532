import type { Executor } from './database.js';
import type { IdempotencyKeyRow } from './tables.js';

/** Claims the key for a new request; false when the account already used it. The primary key decides. */
export async function claimIdempotencyKey(
  ex: Executor,
  claim: { accountId: string; key: string; fingerprint: string; at: string },
): Promise<boolean> {
  const result = await ex
    .insertInto('idempotency_key')
    .values({
      account_id: claim.accountId,
      key: claim.key,
      fingerprint: claim.fingerprint,
      state: 'in_progress',
      response_status: null,
      response_body: null,
      order_id: null,
      created_at: claim.at,
      updated_at: claim.at,
    })
    .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function findIdempotencyKey(ex: Executor, accountId: string, key: string): Promise<IdempotencyKeyRow | undefined> {
  return ex
    .selectFrom('idempotency_key')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Takes over a claim whose request died (still in progress, untouched since `staleBefore`). */
export async function takeOverIdempotencyKey(
  ex: Executor,
  accountId: string,
  key: string,
  staleBefore: string,
  at: string,
): Promise<boolean> {
  const result = await ex
    .updateTable('idempotency_key')
    .set({ updated_at: at })
    .where('account_id', '=', accountId)
    .where('key', '=', key)
    .where('state', '=', 'in_progress')
    .where('updated_at', '<', staleBefore)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function recordIdempotentResponse(
  ex: Executor,
  accountId: string,
  key: string,
  response: { state: 'done' | 'pending_order'; status: number; body: string; orderId: string | null; at: string },
): Promise<void> {
  await ex
    .updateTable('idempotency_key')
    .set({
      state: response.state,
      response_status: response.status,
      response_body: response.body,
      order_id: response.orderId,
      updated_at: response.at,
    })
    .where('account_id', '=', accountId)
    .where('key', '=', key)
    .execute();
}

export async function releaseIdempotencyKey(ex: Executor, accountId: string, key: string): Promise<void> {
  await ex.deleteFrom('idempotency_key').where('account_id', '=', accountId).where('key', '=', key).execute();
}

/** Forgets keys created before `before` (kept at least 24 hours). */
export async function purgeIdempotencyKeys(ex: Executor, before: string): Promise<number> {
  const result = await ex.deleteFrom('idempotency_key').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
