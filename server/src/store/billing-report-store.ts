import { sql } from 'kysely';
import type { NumberStatus } from '../domain/order.js';
import type { NumberType } from '../domain/phone-number.js';
import type { PricedNumber } from '../domain/price-plan.js';
import type { Executor } from './database.js';

export interface RevenueRow {
  month: string;
  /** Null for a charge whose order names no number Bilby holds. */
  number_type: NumberType | null;
  /** Cents the customers were charged (positive) or refunded (negative), by transaction type. */
  purchase_cents: number;
  rental_cents: number;
  refund_cents: number;
  gst_cents: number;
}

/**
 * Charges (purchases and rentals) and refunds posted in [fromAt, untilAt), by month (UTC) and the
 * number type of the number charged for, signed as revenue: a charge is positive, a refund
 * negative. A rental finds its number through its order, or through its period's charge row.
 */
export async function revenueByMonthAndType(ex: Executor, fromAt: string, untilAt: string): Promise<RevenueRow[]> {
  const { rows } = await sql<RevenueRow>`
    SELECT substr(t.created_at, 1, 7) AS month, n.number_type,
      sum(CASE WHEN t.type = 'purchase' THEN -t.amount_cents ELSE 0 END) AS purchase_cents,
      sum(CASE WHEN t.type = 'rental' THEN -t.amount_cents ELSE 0 END) AS rental_cents,
      sum(CASE WHEN t.type = 'refund' THEN -t.amount_cents ELSE 0 END) AS refund_cents,
      sum(-t.gst_cents) AS gst_cents
    FROM ledger_transaction AS t
    LEFT JOIN rental_charge AS rc ON rc.transaction_id = t.id
    LEFT JOIN purchase_order AS o ON o.id = COALESCE(t.order_id, rc.order_id)
    LEFT JOIN phone_number AS n ON n.did_number = o.did_number
    WHERE t.type IN ('purchase', 'rental', 'refund') AND t.created_at >= ${fromAt} AND t.created_at < ${untilAt}
    GROUP BY substr(t.created_at, 1, 7), n.number_type
    ORDER BY month, n.number_type`.execute(ex);
  return rows.map((row) => ({
    month: row.month,
    number_type: row.number_type,
    purchase_cents: Number(row.purchase_cents),
    rental_cents: Number(row.rental_cents),
    refund_cents: Number(row.refund_cents),
    gst_cents: Number(row.gst_cents),
  }));
}

/** Numbers by status and the suspended flag (which only an active number carries). */
export async function countNumbersByStatus(ex: Executor): Promise<Array<{ status: NumberStatus; suspended: number; count: number }>> {
  const rows = await ex
    .selectFrom('phone_number')
    .select(['status', 'suspended', sql<number>`count(*)`.as('count')])
    .groupBy(['status', 'suspended'])
    .execute();
  return rows.map((row) => ({ status: row.status, suspended: Number(row.suspended), count: Number(row.count) }));
}

/** Renewals of one account on one day, alike in everything their price depends on. */
export interface DueRenewalGroup extends PricedNumber {
  next_due_on: string;
  account_id: string;
  renewals: number;
}

/**
 * The renewals due before `until` (a calendar date), overdue ones included, of every tenure not
 * ended, grouped by day, account and what prices the number: each group is priced once. Reads
 * the run's own index (rental_due).
 */
export async function dueRenewalGroups(ex: Executor, until: string): Promise<DueRenewalGroup[]> {
  const { rows } = await sql<DueRenewalGroup>`
    SELECT r.next_due_on, r.account_id, n.number_type, n.custom_price, 0 AS setup_cost_cents, n.monthly_cost_cents,
      n.upstream_setup_cost_cents, n.upstream_monthly_cost_cents, count(*) AS renewals
    FROM rental AS r
    JOIN phone_number AS n ON n.did_number = r.did_number
    WHERE r.status <> 'ended' AND r.next_due_on < ${until}
    GROUP BY r.next_due_on, r.account_id, n.number_type, n.custom_price, n.monthly_cost_cents, n.upstream_setup_cost_cents, n.upstream_monthly_cost_cents
    ORDER BY r.next_due_on, r.account_id`.execute(ex);
  return rows.map((row) => ({
    ...row,
    custom_price: Number(row.custom_price),
    setup_cost_cents: 0,
    monthly_cost_cents: Number(row.monthly_cost_cents),
    upstream_setup_cost_cents: row.upstream_setup_cost_cents === null ? null : Number(row.upstream_setup_cost_cents),
    upstream_monthly_cost_cents: row.upstream_monthly_cost_cents === null ? null : Number(row.upstream_monthly_cost_cents),
    renewals: Number(row.renewals),
  }));
}

export interface AccountFundsRow {
  id: string;
  account_code: string;
  name: string;
  balance_cents: number;
  held_cents: number;
  price_plan_id: string | null;
}

const ACCOUNT_BATCH = 1_000;

/** The accounts named, with their money and plan. */
export async function accountsFunds(ex: Executor, ids: string[]): Promise<AccountFundsRow[]> {
  const found: AccountFundsRow[] = [];
  for (let i = 0; i < ids.length; i += ACCOUNT_BATCH) {
    const rows = await ex
      .selectFrom('account')
      .select(['id', 'account_code', 'name', 'balance_cents', 'held_cents', 'price_plan_id'])
      .where('id', 'in', ids.slice(i, i + ACCOUNT_BATCH))
      .execute();
    for (const row of rows) found.push({ ...row, balance_cents: Number(row.balance_cents), held_cents: Number(row.held_cents) });
  }
  return found;
}
