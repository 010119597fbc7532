import { newId } from '../domain/ids.js';
import type { ChangeSource } from '../domain/number-event.js';
import type { OrderFailureCode } from '../domain/order.js';
import { calendarDateOf, periodStart } from '../domain/rental-period.js';
import { readBalanceCents } from '../store/account-store.js';
import type { Executor } from '../store/database.js';
import { findOrder } from '../store/order-store.js';
import { failPendingOrder } from '../store/purchase/order-compensation.js';
import { completePendingOrder } from '../store/purchase/order-completion.js';
import type { PurchaseOrderRow } from '../store/tables.js';
import { isoNow, type ServiceDeps } from './deps.js';

/** The order as it stands after settling, and whether this call was the one that settled it. */
export interface Settled {
  order: PurchaseOrderRow;
  settledNow: boolean;
  balanceCents: number;
}

/**
 * The saga's last step when the carrier provisioned the number: post the hold as a purchase,
 * make the number active for the buyer, and add it to the buyer's verified caller IDs, recording the
 * purchase in the number's history as `source`'s.
 * Idempotent: if the order was already settled (by recovery or a late answer), changes nothing,
 * and a concurrent settlement waits for this one and then finds the order settled.
 */
export async function completeOrder(deps: ServiceDeps, orderId: string, carrierReference: string, source: ChangeSource): Promise<Settled> {
  const now = deps.clock();
  const purchasedOn = calendarDateOf(now, deps.settings.billing.timeZone);
  const completion = {
    orderId,
    carrierReference,
    transactionId: newId('txn'),
    primaryTimeoutS: DEFAULT_PRIMARY_TIMEOUT_S,
    blockPrefs: JSON.stringify(DEFAULT_BLOCK_PREFS),
    at: now.toISOString(),
    purchasedOn,
    firstRenewalOn: periodStart(purchasedOn, 1),
    eventId: newId('evt'),
    source,
  };
  deps.faults?.reached('before_final_commit');
  const completed = await completePendingOrder(deps.database, completion);
  if (!completed) return settledAlready(deps.database.db, orderId);
  return { order: completed.order, settledNow: true, balanceCents: completed.balanceAfterCents };
}

/**
 * The saga's compensation when the carrier did not provision: void the hold and put the number
 * back in stock (withdrawn instead when the carrier no longer has it). Nothing is charged, so a failed order nets to zero. Idempotent like completeOrder.
 */
export async function failOrder(deps: ServiceDeps, orderId: string, failureCode: OrderFailureCode): Promise<Settled> {
  const withdrawNumber = failureCode === 'number_unavailable';
  const failed = await failPendingOrder(deps.database, { orderId, failureCode, at: isoNow(deps), withdrawNumber });
  if (!failed) return settledAlready(deps.database.db, orderId);
  return { order: failed.order, settledNow: true, balanceCents: failed.balanceCents };
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
