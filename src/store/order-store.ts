import type { Executor } from './database.js';
import { fetchLimit, toPage, type Page, type PageRequest } from './page.js';
import type { PurchaseOrderRow } from './tables.js';

export async function insertOrder(ex: Executor, order: PurchaseOrderRow): Promise<void> {
  await ex.insertInto('purchase_order').values(order).execute();
}

export async function findOrder(ex: Executor, orderId: string): Promise<PurchaseOrderRow | undefined> {
  return ex.selectFrom('purchase_order').selectAll().where('id', '=', orderId).executeTakeFirst();
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

/** Pending orders created before `before`: the ones recovery may settle. */
export async function listPendingOrders(ex: Executor, before: string): Promise<PurchaseOrderRow[]> {
  return ex
    .selectFrom('purchase_order')
    .selectAll()
    .where('status', '=', 'pending')
    .where('created_at', '<', before)
    .orderBy('created_at')
    .execute();
}

/**
 * pending → completed or failed. Conditional on still being pending, so of two settlers racing
 * (the request and recovery) exactly one wins; the loser sees false and does nothing more.
 */
export async function settleOrder(
  ex: Executor,
  orderId: string,
  outcome: { status: 'completed' | 'failed'; failureCode: string | null; carrierReference: string | null; at: string },
): Promise<boolean> {
  const result = await ex
    .updateTable('purchase_order')
    .set({
      status: outcome.status,
      failure_code: outcome.failureCode,
      carrier_reference: outcome.carrierReference,
      updated_at: outcome.at,
      completed_at: outcome.at,
    })
    .where('id', '=', orderId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
