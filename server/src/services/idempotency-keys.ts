import { findBulkOrder } from '../store/bulk-order-store.js';
import type { BulkOrderView } from './bulk-order.js';
import { randomUUID } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import type { Address, Person } from '../domain/ipnd-record.js';
import type { LedgerTransaction, PurchaseOrder } from '../domain/order.js';
import type { Destination } from '../domain/routing.js';
import type { Executor } from '../store/database.js';
import {
  claimIdempotencyKey,
  findIdempotencyKey,
  purgeIdempotencyKeys,
  recordIdempotentResponse,
  releaseIdempotencyKey,
  releaseUntiedIdempotencyKey,
  takeOverIdempotencyKey,
  tieIdempotencyKey,
  type KeyClaim,
} from '../store/idempotency-store.js';
import { findLedgerTransaction, findPurchaseCharge } from '../store/ledger-store.js';
import { findOrder } from '../store/order-store.js';
import { findDestinationById } from '../store/destination-store.js';
import { findAddress, findPerson } from '../store/ipnd-store.js';
import { findRestore, readCompletedRestore, type RestoreDone } from '../store/restore-order-store.js';
import type { PurchaseOrderRow } from '../store/tables.js';
import { billingRun, type BillingRun } from './billing-run-queries.js';
import { isoNow, type ServiceDeps } from './deps.js';

/** The Idempotency-Key a write runs under (and its claim's token), so the write can tie the key to what it creates. */
export type IdempotencyClaim = KeyClaim;

/**
 * Idempotency keys (Stripe style): the first request with a key runs and its response is stored;
 * a repeat with the same body gets that response back and never runs again. The claim is a row
 * under a primary key, so two concurrent requests with one key cannot both run, on any process.
 */
export type IdempotencyStart =
  | { kind: 'proceed'; claim: KeyClaim }
  | { kind: 'replay'; status: number; body: string }
  /** The key's order has completed: the first request answered upstream_pending, or never answered. */
  | { kind: 'order_completed'; claim: KeyClaim; order: PurchaseOrder; balanceAfterCents: number }
  /** The request that created the order died before answering, and the order is still pending. */
  | { kind: 'order_pending'; claim: KeyClaim; order: PurchaseOrder }
  /** The key's write posted this ledger transaction (its answer was never stored). */
  | { kind: 'transaction_posted'; claim: KeyClaim; transaction: LedgerTransaction }
  /** The key's write created or changed this (its answer was never stored). */
  | { kind: 'created'; claim: KeyClaim; result: CreatedResult };

/** What a keyed write other than a purchase or a posting left, as a retry is told of it. */
export type CreatedResult =
  | { kind: 'address'; row: Address }
  | { kind: 'person'; row: Person }
  | { kind: 'destination'; row: Destination }
  | { kind: 'released'; didNumber: string }
  | { kind: 'restored'; done: RestoreDone }
  /** A billing run, as it is now (it goes on after the answer, or a crash interrupted it). */
  | { kind: 'billing_run'; row: BillingRun }
  /** A bulk order, its lines as they stand now. */
  | { kind: 'bulk_order'; view: BulkOrderView }
  /** An account or API key, whose secret was in the lost answer only and is never stored. */
  | { kind: 'secret'; what: 'account' | 'api_key' | 'webhook_endpoint' | 'webhook_secret'; id: string };

const DAY_MS = 24 * 60 * 60 * 1000;

export async function startIdempotentRequest(
  deps: ServiceDeps,
  scope: string,
  key: string,
  fingerprint: string,
): Promise<IdempotencyStart> {
  const db = deps.database.db;
  for (let attempt = 0; attempt < 3; attempt++) {
    const at = isoNow(deps);
    const mine: KeyClaim = { scope, key, token: randomUUID() };
    if (await claimIdempotencyKey(db, { ...mine, fingerprint, at })) return { kind: 'proceed', claim: mine };
    const row = await findIdempotencyKey(db, scope, key);
    if (!row) continue; // released between our insert and our read: claim again
    if (row.fingerprint !== fingerprint) {
      throw new AppError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request');
    }
    const held: KeyClaim = { scope, key, token: row.claim_token };
    if (row.state === 'in_progress') {
      const settled = row.result_id ? await settledResult(deps, held, row.result_id) : undefined;
      if (settled) return settled;
      if (!(await takeOverIdempotencyKey(db, mine, row.claim_token, leaseStart(deps), at))) {
        throw new AppError('request_in_progress', 'A request with this Idempotency-Key is still running; retry later');
      }
      // The request that held the key died. If it had reserved its order, the order answers.
      const order = row.result_id ? await findOrder(db, row.result_id) : undefined;
      if (order?.status === 'pending') return { kind: 'order_pending', claim: mine, order };
      if (order?.status === 'failed') {
        await releaseIdempotencyKey(db, mine);
        continue;
      }
      return { kind: 'proceed', claim: mine };
    }
    if (row.state === 'pending_order' && row.order_id) {
      const settled = await settledResult(deps, held, row.order_id);
      if (settled) return settled;
      if ((await sagaStatus(db, row.order_id)) === 'failed') {
        // Failed orders are fully compensated, and a failure is not stored: the retry runs again.
        // Only the record as read is released: a concurrent retry may have claimed the key anew.
        await releaseIdempotencyKey(db, held);
        continue;
      }
    }
    return { kind: 'replay', status: row.response_status ?? 500, body: row.response_body ?? '' };
  }
  throw new AppError('request_in_progress', 'A request with this Idempotency-Key is changing state; retry later');
}

/**
 * Stores the outcome of a request that claimed a key. 2xx and 4xx are final; an upstream_pending
 * answer is kept with its order so a retry returns the settled outcome; any other 5xx left nothing
 * behind, so the key is released and a retry runs again.
 */
export async function finishIdempotentRequest(
  deps: ServiceDeps,
  claim: KeyClaim,
  response: { status: number; body: string; pendingOrderId: string | null },
): Promise<void> {
  const db = deps.database.db;
  const at = isoNow(deps);
  if (response.status < 500) {
    await recordIdempotentResponse(db, claim, { state: 'done', status: response.status, body: response.body, orderId: null, at });
  } else if (response.pendingOrderId) {
    await recordIdempotentResponse(db, claim, {
      state: 'pending_order',
      status: response.status,
      body: response.body,
      orderId: response.pendingOrderId,
      at,
    });
  } else {
    await releaseUntiedIdempotencyKey(db, claim, { status: response.status, body: response.body, at });
  }
}

/** Replaces a pending answer with the settled one, so later replays are byte-identical to it. */
export async function settleIdempotentResponse(
  deps: ServiceDeps,
  claim: KeyClaim,
  response: { status: number; body: string; orderId: string | null },
): Promise<void> {
  await recordIdempotentResponse(deps.database.db, claim, { state: 'done', ...response, at: isoNow(deps) });
}

/**
 * Inside a write's transaction: ties the key it runs under to what it created. Throws (and so rolls
 * the write back) when another request took the key over and tied its own result.
 */
export async function tieToIdempotencyKey(ex: Executor, claim: IdempotencyClaim | null | undefined, resultId: string): Promise<void> {
  if (!claim) return;
  if (!(await tieIdempotencyKey(ex, claim, resultId))) {
    throw new AppError('request_in_progress', 'Another request with this Idempotency-Key is running; retry later');
  }
}

/** A tied result that is final: a completed order or a posted transaction. */
async function settledResult(deps: ServiceDeps, claim: KeyClaim, resultId: string): Promise<IdempotencyStart | undefined> {
  const db = deps.database.db;
  const created = await createdResult(deps, resultId);
  if (created) return { kind: 'created', claim, result: created };
  if (resultId.startsWith('rst_')) {
    const done = await readCompletedRestore(db, resultId);
    return done ? { kind: 'created', claim, result: { kind: 'restored', done } } : undefined;
  }
  if (resultId.startsWith('txn_')) {
    const transaction = await findLedgerTransaction(db, resultId);
    return transaction ? { kind: 'transaction_posted', claim, transaction } : undefined;
  }
  const order = await findOrder(db, resultId);
  return order?.status === 'completed' ? orderCompleted(db, claim, order) : undefined;
}

/** The state of the purchase order or restore a pending answer was kept with. */
async function sagaStatus(db: Executor, id: string): Promise<string | undefined> {
  return id.startsWith('rst_') ? (await findRestore(db, id))?.status : (await findOrder(db, id))?.status;
}

/** Ties other than orders and transactions are `kind:id` (written in the write's own transaction). */
async function createdResult(deps: ServiceDeps, resultId: string): Promise<CreatedResult | undefined> {
  const db = deps.database.db;
  const [kind, ...rest] = resultId.split(':');
  const id = rest.join(':');
  if (kind === 'address') {
    const row = await findAddress(db, id);
    return row && { kind, row };
  }
  if (kind === 'person') {
    const row = await findPerson(db, id);
    return row && { kind, row };
  }
  if (kind === 'destination') {
    const [accountId = '', destinationId = ''] = rest;
    const row = await findDestinationById(db, accountId, destinationId);
    return row && { kind, row };
  }
  if (kind === 'released') return { kind, didNumber: id };
  if (kind === 'billing_run') return { kind, row: await billingRun(deps, id) };
  if (kind === 'bulk_order') {
    const view = await findBulkOrder(db, null, id);
    return view && { kind, view };
  }
  if (kind === 'account' || kind === 'api_key' || kind === 'webhook_endpoint' || kind === 'webhook_secret') return { kind: 'secret', what: kind, id };
  return undefined;
}

async function orderCompleted(db: Executor, claim: KeyClaim, order: PurchaseOrderRow): Promise<IdempotencyStart> {
  const charge = await findPurchaseCharge(db, order.id);
  return { kind: 'order_completed', claim, order, balanceAfterCents: Number(charge?.balance_after_cents ?? 0) };
}

export async function purgeExpiredIdempotencyKeys(deps: ServiceDeps): Promise<number> {
  return purgeIdempotencyKeys(deps.database.db, new Date(deps.clock().getTime() - DAY_MS).toISOString());
}

/** A claim untouched since before this belongs to a request that died; a new one may take it over. */
function leaseStart(deps: ServiceDeps): string {
  const leaseMs = deps.settings.carrierTimeoutMs * 2 + 30_000;
  return new Date(deps.clock().getTime() - leaseMs).toISOString();
}
