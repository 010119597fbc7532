import { sql } from 'kysely';
import { holdFunds } from '../account-store.js';
import { dialectOf, type Executor } from '../database.js';
import { insertHold } from '../hold-store.js';
import { reserveNumber } from '../number-store.js';
import { insertOrder } from '../order-store.js';
import { preparedQuery } from '../prepared-query.js';
import type { PurchaseOrderRow } from '../tables.js';

export type Reservation = 'reserved' | 'unavailable' | 'insufficient_funds';

/**
 * The saga's first writes, inside the caller's transaction: the number goes from available to
 * reserved for the order, the order's amount is held on the buyer's balance, and the pending order
 * and its hold are recorded. Each step is conditional (the number still available, the available
 * balance still covering the amount); when one fails nothing after it is written, and the caller
 * rolls back what came before (it throws for insufficient_funds; unavailable is found first).
 *
 * On PostgreSQL the four writes are one statement (data-modifying WITH clauses), one round trip.
 */
export async function reservePendingOrder(ex: Executor, order: PurchaseOrderRow, holdId: string): Promise<Reservation> {
  return dialectOf(ex) === 'postgres' ? reserveInOneStatement(ex, order, holdId) : reserveStepByStep(ex, order, holdId);
}

async function reserveStepByStep(ex: Executor, order: PurchaseOrderRow, holdId: string): Promise<Reservation> {
  if (!(await reserveNumber(ex, order.did_number, order.account_id, order.id, order.created_at))) return 'unavailable';
  if (!(await holdFunds(ex, order.account_id, Number(order.amount_cents)))) return 'insufficient_funds';
  await insertOrder(ex, order);
  await insertHold(ex, { id: holdId, accountId: order.account_id, orderId: order.id, amountCents: Number(order.amount_cents), at: order.created_at });
  return 'reserved';
}

/** The same writes as reserveStepByStep; each clause runs only if the one before it wrote its row. */
const reserveAll = preparedQuery(
  (ex, o: PurchaseOrderRow, holdId: string) =>
    sql<{ reserved: number; held: number }>`
      WITH n AS (
        UPDATE phone_number SET status = 'reserved', account_id = ${o.account_id}, order_id = ${o.id}, updated_at = ${o.created_at}, held_by = NULL, held_until = NULL
        WHERE did_number = ${o.did_number} AND status = 'available'
          AND (held_by IS NULL OR held_by = ${o.account_id}::text OR held_until <= ${o.created_at}::text)
        RETURNING did_number
      ), a AS (
        UPDATE account SET held_cents = held_cents + ${o.amount_cents}::bigint
        WHERE id = ${o.account_id} AND balance_cents - held_cents >= ${o.amount_cents}::bigint AND EXISTS (SELECT 1 FROM n)
        RETURNING id
      ), o AS (
        INSERT INTO purchase_order (id, account_id, did_number, status, amount_cents, setup_cost_cents, monthly_cost_cents, address_id,
          person_id, primary_route, primary_destination, description, failure_code, carrier_reference, upstream_setup_cost_cents,
          upstream_monthly_cost_cents, created_at, updated_at, completed_at, actor, request_id)
        SELECT ${o.id}, ${o.account_id}, ${o.did_number}, ${o.status}::text, ${o.amount_cents}::bigint, ${o.setup_cost_cents}::bigint,
          ${o.monthly_cost_cents}::bigint, ${o.address_id}::text, ${o.person_id}::text, ${o.primary_route}::text, ${o.primary_destination}::text,
          ${o.description}::text, ${o.failure_code}::text, ${o.carrier_reference}::text, ${o.upstream_setup_cost_cents}::bigint,
          ${o.upstream_monthly_cost_cents}::bigint, ${o.created_at}::text, ${o.updated_at}::text, ${o.completed_at}::text,
          ${o.actor}::text, ${o.request_id}::text
        WHERE EXISTS (SELECT 1 FROM a)
        RETURNING id, account_id, amount_cents, created_at
      ), h AS (
        INSERT INTO funds_hold (id, account_id, order_id, amount_cents, status, created_at, settled_at)
        SELECT ${holdId}, o.account_id, o.id, o.amount_cents, 'pending', o.created_at, NULL FROM o
      )
      SELECT (SELECT count(*) FROM n) AS reserved, (SELECT count(*) FROM o) AS held`,
);

async function reserveInOneStatement(ex: Executor, order: PurchaseOrderRow, holdId: string): Promise<Reservation> {
  const row = (await reserveAll(ex, order, holdId)).rows[0]!;
  if (Number(row.reserved) !== 1) return 'unavailable';
  return Number(row.held) === 1 ? 'reserved' : 'insufficient_funds';
}
