import type { OrderFailureCode } from '../domain/order.js';
import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';
import { fetchLimit, toPage, type Page, type PageRequest } from './page.js';
import type { PurchaseOrderRow } from './tables.js';

const insertOrderRow = preparedQuery((ex, order: PurchaseOrderRow) => ex.insertInto('purchase_order').values(order));
const orderById = preparedQuery((ex, orderId: string) => ex.selectFrom('purchase_order').selectAll().where('id', '=', orderId));

export async function insertOrder(ex: Executor, order: PurchaseOrderRow): Promise<void> {
  await insertOrderRow(ex, order);
}

export async function findOrder(ex: Executor, orderId: string): Promise<PurchaseOrderRow | undefined> {
  return (await orderById(ex, orderId)).rows[0];
}

export async function findAccountOrder(ex: Executor, accountId: string, orderId: string): Promise<PurchaseOrderRow | undefined> {
  return ex
    .selectFrom('purchase_order')
    .selectAll()
    .where('id', '=', orderId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

/** The account's orders, newest first. */
export async function listOrders(ex: Executor, accountId: string, page: PageRequest): Promise<Page<PurchaseOrderRow>> {
  let query = ex
    .selectFrom('purchase_order')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('id', 'desc');
  if (page.after) query = query.where('id', '<', page.after);
  const limit = fetchLimit(page);
  if (limit !== undefined) query = query.limit(limit);
  return toPage(await query.execute(), page, (row) => row.id);
}

/** Pending orders created at or before `createdBy`: the ones recovery may settle (a grace of 0 takes every one). */
export async function listPendingOrders(ex: Executor, createdBy: string): Promise<PurchaseOrderRow[]> {
  return ex
    .selectFrom('purchase_order')
    .selectAll()
    .where('status', '=', 'pending')
    .where('created_at', '<=', createdBy)
    .orderBy('created_at')
    .execute();
}

/**
 * pending → completed or failed. Conditional on still being pending, so of two settlers racing
 * (the request and recovery) exactly one wins; the loser sees false and does nothing more.
 */
interface OrderOutcome {
  status: 'completed' | 'failed';
  failureCode: OrderFailureCode | null;
  carrierReference: string | null;
  at: string;
}

export async function settleOrder(
  ex: Executor,
  orderId: string,
  outcome: OrderOutcome,
): Promise<boolean> {
  return (await settlePendingOrder(ex, orderId, outcome)).numAffectedRows === 1n;
}

/** settleOrder, answering the order as it settled it: undefined when it was no longer pending. */
export async function settleOrderReturning(ex: Executor, orderId: string, outcome: OrderOutcome): Promise<PurchaseOrderRow | undefined> {
  return (await settlePendingOrderReturning(ex, orderId, outcome)).rows[0];
}

const settlePendingOrderQuery = (ex: Executor, orderId: string, outcome: OrderOutcome) =>
  ex
    .updateTable('purchase_order')
    .set({
      status: outcome.status,
      failure_code: outcome.failureCode,
      carrier_reference: outcome.carrierReference,
      updated_at: outcome.at,
      completed_at: outcome.at,
    })
    .where('id', '=', orderId)
    .where('status', '=', 'pending');

const settlePendingOrder = preparedQuery(settlePendingOrderQuery);
const settlePendingOrderReturning = preparedQuery((ex, orderId: string, outcome: OrderOutcome) =>
  settlePendingOrderQuery(ex, orderId, outcome).returningAll(),
);

/**
 * Locks a pending order's row for the rest of the transaction; false when it is no longer
 * pending. On PostgreSQL a settlement of the order waits for the transaction, or the transaction
 * for it.
 */
export async function holdPendingOrder(ex: Executor, orderId: string): Promise<boolean> {
  const row = await ex
    .updateTable('purchase_order')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', orderId)
    .where('status', '=', 'pending')
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
