import { newId } from '../domain/ids.js';
import { readBalanceCents, releaseHeldFunds } from '../store/account-store.js';
import { READ_COMMITTED, type Executor } from '../store/database.js';
import { settleHold } from '../store/hold-store.js';
import { unreserveNumber } from '../store/number-store.js';
import { completePendingOrder } from '../store/purchase/order-completion.js';
import { findOrder, settleOrder } from '../store/order-store.js';
import type { PurchaseOrderRow } from '../store/tables.js';
import { crashIfAt } from './crash-points.js';
import { isoNow, type ServiceDeps } from './deps.js';

/** The order as it stands after settling, and whether this call was the one that settled it. */
export interface Settled {
  order: PurchaseOrderRow;
  settledNow: boolean;
  balanceCents: number;
}

/**
 * The saga's last step when the carrier provisioned the number: post the hold as a purchase,
 * make the number active for the buyer, and add it to the buyer's verified caller IDs.
 * READ COMMITTED on PostgreSQL: every write is conditional on the state it expects (the order and
 * its hold still pending, the number still reserved for the order), so a concurrent settlement
 * (recovery, a late answer) waits on the order's row and then sees it settled.
 * Idempotent: if the order was already settled (by recovery or a late answer), changes nothing.
 */
export async function completeOrder(deps: ServiceDeps, orderId: string, carrierReference: string): Promise<Settled> {
  const completion = {
    orderId,
    carrierReference,
    transactionId: newId('txn'),
    primaryTimeoutS: DEFAULT_PRIMARY_TIMEOUT_S,
    blockPrefs: JSON.stringify(DEFAULT_BLOCK_PREFS),
    at: isoNow(deps),
  };
  const completed = await completePendingOrder(deps.database, completion, () => crashIfAt(deps, 'before_final_commit'));
  if (!completed) return settledAlready(deps.database.db, orderId);
  return { order: completed.order, settledNow: true, balanceCents: completed.balanceAfterCents };
}

/**
 * The saga's compensation when the carrier did not provision: void the hold and put the number
 * back in stock. Nothing is charged, so a failed order nets to zero. Idempotent like completeOrder.
 */
export async function failOrder(deps: ServiceDeps, orderId: string, failureCode: string): Promise<Settled> {
  const at = isoNow(deps);
  return deps.database.writeTransaction(async (trx) => {
    const order = await findOrder(trx, orderId);
    if (!order) throw new Error(`Order ${orderId} does not exist`);
    const won = await settleOrder(trx, orderId, { status: 'failed', failureCode, carrierReference: null, at });
    if (!won) return settledAlready(trx, orderId);
    if (await settleHold(trx, orderId, 'voided', at)) {
      await releaseHeldFunds(trx, order.account_id, Number(order.amount_cents));
    }
    await unreserveNumber(trx, order.did_number, orderId, at);
    const settled = { ...order, status: 'failed', failure_code: failureCode, completed_at: at, updated_at: at };
    return { order: settled, settledNow: true, balanceCents: await readBalanceCents(trx, order.account_id) };
  }, READ_COMMITTED);
}

async function settledAlready(ex: Executor, orderId: string): Promise<Settled> {
  const order = await findOrder(ex, orderId);
  if (!order) throw new Error(`Order ${orderId} does not exist`);
  return { order, settledNow: false, balanceCents: await readBalanceCents(ex, order.account_id) };
}

/** Seconds a call rings the primary destination before the backup takes over. */
export const DEFAULT_PRIMARY_TIMEOUT_S = 30;

export const DEFAULT_BLOCK_PREFS = {
  block_invalid: false,
  block_hidden: false,
  block_international: false,
  block_landline: false,
  block_mobile: false,
  block_list: [] as string[],
  allow_list: [] as string[],
  route: null as string | null,
  destination: null as string | null,
};
