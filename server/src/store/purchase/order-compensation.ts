import type { OrderFailureCode } from '../../domain/order.js';
import { readBalanceCents, releaseHeldFunds } from '../account-store.js';
import { appendAccountEvents } from '../account-event-store.js';
import { READ_COMMITTED, type Database } from '../database.js';
import { settleHold } from '../hold-store.js';
import { unreserveNumber } from '../number-store.js';
import { findOrder, settleOrder } from '../order-store.js';
import type { PurchaseOrderRow } from '../tables.js';

export interface OrderFailure {
  orderId: string;
  failureCode: OrderFailureCode;
  at: string;
  /** The carrier no longer has the number: it leaves stock instead of going back. */
  withdrawNumber?: boolean;
}

export interface FailedOrder {
  order: PurchaseOrderRow;
  balanceCents: number;
}

/**
 * Fails a pending order, all of it or nothing: the order becomes failed, its hold is voided (the
 * held amount released, nothing charged) and its number goes back in stock (or is withdrawn). Returns undefined,
 * changing nothing, if the order is no longer pending.
 *
 * READ COMMITTED on PostgreSQL: every write is conditional on the state it expects (the order and
 * its hold still pending, the number still reserved for the order), so a concurrent settlement
 * waits on the order's row and then finds it settled.
 */
export async function failPendingOrder(database: Database, failure: OrderFailure): Promise<FailedOrder | undefined> {
  const { orderId, failureCode, at } = failure;
  return database.writeTransaction(async (trx) => {
    const order = await findOrder(trx, orderId);
    if (!order) throw new Error(`Order ${orderId} does not exist`);
    const won = await settleOrder(trx, orderId, { status: 'failed', failureCode, carrierReference: null, at });
    if (!won) return undefined;
    if (await settleHold(trx, orderId, 'voided', at)) {
      await releaseHeldFunds(trx, order.account_id, Number(order.amount_cents));
    }
    await unreserveNumber(trx, order.did_number, orderId, at, failure.withdrawNumber ? 'withdrawn' : 'available');
    await appendAccountEvents(trx, [
      {
        accountId: order.account_id,
        kind: 'purchase.failed',
        didNumber: order.did_number,
        at,
        data: { did_number: order.did_number, order_id: orderId, failure_code: failureCode, actor: order.actor, request_id: order.request_id },
      },
    ]);
    const failed: PurchaseOrderRow = { ...order, status: 'failed', failure_code: failureCode, completed_at: at, updated_at: at };
    return { order: failed, balanceCents: await readBalanceCents(trx, order.account_id) };
  }, READ_COMMITTED);
}
