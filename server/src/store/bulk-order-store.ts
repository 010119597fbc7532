import type { OrderStatus, OrderFailureCode } from '../domain/order.js';
import type { Executor } from './dialect.js';
import type { BulkOrderLineTable, BulkOrderTable } from './tables.js';

/** A line as its order shows it: its number, and its purchase order's state if it had one. */
export interface BulkLineRow {
  position: number;
  did_number: string;
  order_id: string | null;
  refusal: string | null;
  status: OrderStatus | null;
  failure_code: OrderFailureCode | null;
  amount_cents: number | null;
}

export async function insertBulkOrder(ex: Executor, order: BulkOrderTable, lines: readonly BulkOrderLineTable[]): Promise<void> {
  await ex.insertInto('bulk_order').values(order).execute();
  if (lines.length > 0) await ex.insertInto('bulk_order_line').values([...lines]).execute();
}

/** The bulk order with its lines; only the account's own when `accountId` is given. */
export async function findBulkOrder(ex: Executor, accountId: string | null, id: string): Promise<{ order: BulkOrderTable; lines: BulkLineRow[] } | undefined> {
  let query = ex.selectFrom('bulk_order').selectAll().where('id', '=', id);
  if (accountId !== null) query = query.where('account_id', '=', accountId);
  const order = await query.executeTakeFirst();
  if (!order) return undefined;
  const lines = await ex
    .selectFrom('bulk_order_line as l')
    .leftJoin('purchase_order as o', 'o.id', 'l.order_id')
    .select(['l.position', 'l.did_number', 'l.order_id', 'l.refusal', 'o.status', 'o.failure_code', 'o.amount_cents'])
    .where('l.bulk_order_id', '=', id)
    .orderBy('l.position')
    .execute();
  return {
    order,
    lines: lines.map((line) => ({ ...line, position: Number(line.position), amount_cents: line.amount_cents === null ? null : Number(line.amount_cents) })),
  };
}
