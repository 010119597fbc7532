import { sql } from 'kysely';
import type { NumberType } from '../domain/phone-number.js';
import type { Executor } from './database.js';

export interface SalesRow {
  month: string;
  number_type: NumberType;
  sales: number;
  revenue_cents: number;
  upstream_cost_cents: number;
  sales_without_upstream_cost: number;
}

/**
 * Completed purchases completed in [fromAt, untilAt), by month of completion and number type: how
 * many, what their buyers were charged, and what the upstream charged for them as the orders
 * recorded it when placed (a sale without a recorded upstream cost counts none).
 */
export async function salesByMonthAndType(ex: Executor, fromAt: string, untilAt: string): Promise<SalesRow[]> {
  const month = sql<string>`substr(o.completed_at, 1, 7)`;
  const rows = await ex
    .selectFrom('purchase_order as o')
    .innerJoin('phone_number as n', 'n.did_number', 'o.did_number')
    .select([
      month.as('month'),
      'n.number_type',
      sql<number>`count(*)`.as('sales'),
      sql<number>`sum(o.amount_cents)`.as('revenue_cents'),
      sql<number>`sum(coalesce(o.upstream_setup_cost_cents, 0) + coalesce(o.upstream_monthly_cost_cents, 0))`.as('upstream_cost_cents'),
      sql<number>`sum(CASE WHEN o.upstream_setup_cost_cents IS NULL THEN 1 ELSE 0 END)`.as('sales_without_upstream_cost'),
    ])
    .where('o.status', '=', 'completed')
    .where('o.completed_at', '>=', fromAt)
    .where('o.completed_at', '<', untilAt)
    .groupBy([month, 'n.number_type'])
    .orderBy(month)
    .orderBy('n.number_type')
    .execute();
  return rows.map((row) => ({
    month: row.month,
    number_type: row.number_type,
    sales: Number(row.sales),
    revenue_cents: Number(row.revenue_cents),
    upstream_cost_cents: Number(row.upstream_cost_cents),
    sales_without_upstream_cost: Number(row.sales_without_upstream_cost),
  }));
}
