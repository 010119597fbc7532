import { sql } from 'kysely';
import type { IdempotencyState } from '../domain/idempotency-state.js';
import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';
import type { IdempotencyKeyRow } from './tables.js';

/** A request's hold on a key: every write it makes to the record names its token. */
export interface KeyClaim {
  scope: string;
  key: string;
  token: string;
}

const insertClaim = preparedQuery((ex, claim: KeyClaim & { fingerprint: string; at: string }) =>
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
      claim_token: claim.token,
      created_at: claim.at,
      updated_at: claim.at,
    })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing()),
);

/** Claims the key for a new request; false when the account already used it. The primary key decides. */
export async function claimIdempotencyKey(ex: Executor, claim: KeyClaim & { fingerprint: string; at: string }): Promise<boolean> {
  return (await insertClaim(ex, claim)).numAffectedRows === 1n;
}

const recordByKey = preparedQuery((ex, scope: string, key: string) =>
  ex.selectFrom('idempotency_record').selectAll().where('scope', '=', scope).where('key', '=', key),
);

export async function findIdempotencyKey(ex: Executor, scope: string, key: string): Promise<IdempotencyKeyRow | undefined> {
  return (await recordByKey(ex, scope, key)).rows[0];
}

/**
 * Takes over a claim whose request died (still in progress, untouched since `staleBefore`, and still
 * held by the token read): the key is then `claim`'s.
 */
export async function takeOverIdempotencyKey(ex: Executor, claim: KeyClaim, from: string, staleBefore: string, at: string): Promise<boolean> {
  const result = await ex
    .updateTable('idempotency_record')
    .set({ updated_at: at, claim_token: claim.token })
    .where('scope', '=', claim.scope)
    .where('key', '=', claim.key)
    .where('claim_token', '=', from)
    .where('state', '=', 'in_progress')
    .where('updated_at', '<', staleBefore)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

const updateResponse = preparedQuery(
  (ex, claim: KeyClaim, r: { state: IdempotencyState; status: number; body: string; orderId: string | null; at: string }) =>
    ex
      .updateTable('idempotency_record')
      .set({ state: r.state, response_status: r.status, response_body: r.body, order_id: r.orderId, updated_at: r.at })
      .where('scope', '=', claim.scope)
      .where('key', '=', claim.key)
      .where('claim_token', '=', claim.token),
);

/** Stores the answer of the request holding `claim` (nothing, if another request holds the key now). */
export async function recordIdempotentResponse(
  ex: Executor,
  claim: KeyClaim,
  response: { state: 'done' | 'pending_order'; status: number; body: string; orderId: string | null; at: string },
): Promise<void> {
  await updateResponse(ex, claim, response);
}

/** Forgets the key so a retry runs again, if `claim` (the token read) still holds it. */
export async function releaseIdempotencyKey(ex: Executor, claim: KeyClaim): Promise<boolean> {
  const result = await ex
    .deleteFrom('idempotency_record')
    .where('scope', '=', claim.scope)
    .where('key', '=', claim.key)
    .where('claim_token', '=', claim.token)
    .executeTakeFirst();
  return result.numDeletedRows === 1n;
}

/**
 * Ties the key to what its write created, inside that write's transaction. False when the key
 * is no longer this request's to tie (another request took it over): the caller rolls back, so one
 * key never has two results.
 */
export async function tieIdempotencyKey(ex: Executor, claim: KeyClaim, resultId: string): Promise<boolean> {
  return (await tieResult(ex, claim, resultId)).numAffectedRows === 1n;
}

const tieResult = preparedQuery((ex, claim: KeyClaim, resultId: string) =>
  ex
    .updateTable('idempotency_record')
    .set({ result_id: resultId })
    .where('scope', '=', claim.scope)
    .where('key', '=', claim.key)
    .where('claim_token', '=', claim.token)
    .where('state', '=', 'in_progress')
    .where('result_id', 'is', null),
);

/**
 * The request holding `claim` ended in a 5xx. Untied, nothing was written: the key is released and
 * a retry runs again. Tied to an order or a restore, the answer is kept with it and a retry
 * answers from it once it settles (a failed one runs again). Tied to anything else, the write committed: the key stays, and a retry
 * answers from the result.
 */
export async function releaseUntiedIdempotencyKey(
  ex: Executor,
  claim: KeyClaim,
  response: { status: number; body: string; at: string },
): Promise<void> {
  await ex
    .deleteFrom('idempotency_record')
    .where('scope', '=', claim.scope)
    .where('key', '=', claim.key)
    .where('claim_token', '=', claim.token)
    .where('result_id', 'is', null)
    .execute();
  await ex
    .updateTable('idempotency_record')
    .set((eb) => ({
      state: 'pending_order',
      order_id: eb.ref('result_id'),
      response_status: response.status,
      response_body: response.body,
      updated_at: response.at,
    }))
    .where('scope', '=', claim.scope)
    .where('key', '=', claim.key)
    .where('claim_token', '=', claim.token)
    .where('state', '=', 'in_progress')
    .where(sql`substr(result_id, 1, 4)`, 'in', ['ord_', 'rst_'])
    .execute();
}

/** Forgets keys created before `before` (kept at least 24 hours). */
export async function purgeIdempotencyKeys(ex: Executor, before: string): Promise<number> {
  const result = await ex.deleteFrom('idempotency_record').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
