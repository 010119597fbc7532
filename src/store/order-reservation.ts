import { sql } from 'kysely';
import { holdFunds } from './account-store.js';
import type { Database, Executor } from './database.js';
import { insertHold } from './hold-store.js';
import { reserveNumber } from './number-store.js';
import { insertOrder } from './order-store.js';
import { preparedQuery } from './prepared-query.js';
import type { PurchaseOrderRow } from './tables.js';

export type Reservation = 'reserved' | 'unavailable' | 'insufficient_funds' | 'records_changed';

/**
 * The saga's first writes, all of them or none, as a transaction of their own: the number goes from
 * available to reserved for the order, the order's amount is held on the buyer's balance, and the
 * pending order and its hold are recorded. Each write is conditional, on what the caller checked
 * before: the address, owner and destination the order names are still the buyer's (share-locked
 * until the writes commit, so none can be deleted before), the number still available, the
 * available balance still covering the amount. Says which condition failed, having written nothing.
 *
 * On PostgreSQL the writes are one statement (data-modifying WITH clauses) that commits on its own:
 * one round trip instead of five (a BEGIN, a read of the buyer's records, the writes, a COMMIT).
 */
export async function reservePendingOrder(database: Database, order: PurchaseOrderRow, holdId: string): Promise<Reservation> {
  try {
    return await (database.dialect === 'postgres'
      ? database.writeStatement((ex) => reserveInOneStatement(ex, order, holdId))
      : database.writeTransaction((trx) => reserveStepByStep(trx, order, holdId)));
  } catch (error) {
    if (error instanceof Refused || (error as { message?: unknown }).message === INSUFFICIENT_FUNDS) return 'insufficient_funds';
    throw error;
  }
}

/** Thrown to roll back the number's reservation when the balance no longer covers the amount. */
class Refused extends Error {}
const INSUFFICIENT_FUNDS = 'bilby: insufficient_funds';

async function reserveStepByStep(ex: Executor, order: PurchaseOrderRow, holdId: string): Promise<Reservation> {
  const records = (await buyerRecords(ex, order)).rows[0]!;
  if (!records.hold) return 'records_changed';
  if (!(await reserveNumber(ex, order.did_number, order.account_id, order.id, order.created_at))) return 'unavailable';
  if (!(await holdFunds(ex, order.account_id, Number(order.amount_cents)))) throw new Refused();
  await insertOrder(ex, order);
  await insertHold(ex, { id: holdId, accountId: order.account_id, orderId: order.id, amountCents: Number(order.amount_cents), at: order.created_at });
  return 'reserved';
}

/** Whether the address, owner and destination (if any) the order names are still the buyer's. */
const buyerRecords = preparedQuery(
  (ex, o: PurchaseOrderRow) =>
    sql<{ hold: number }>`
      SELECT EXISTS (SELECT 1 FROM address WHERE id = ${o.address_id} AND account_id = ${o.account_id})
        AND EXISTS (SELECT 1 FROM person WHERE id = ${o.person_id} AND account_id = ${o.account_id})
        AND (${o.primary_destination} IS NULL OR EXISTS (SELECT 1 FROM destination
          WHERE account_id = ${o.account_id} AND route = ${o.primary_route} AND destination = ${o.primary_destination})) AS hold`,
);

/**
 * The same writes as reserveStepByStep; each clause runs only if the one before it wrote its row.
 * The last clause refuses (raises) a reservation whose amount the balance no longer covered, which
 * undoes the number's.
 */
const reserveAll = preparedQuery(
  (ex, o: PurchaseOrderRow, holdId: string) =>
    sql<{ records_hold: boolean; reserved: number }>`
      WITH ga AS (
        SELECT 1 FROM address WHERE id = ${o.address_id} AND account_id = ${o.account_id} FOR SHARE
      ), gp AS (
        SELECT 1 FROM person WHERE id = ${o.person_id} AND account_id = ${o.account_id} FOR SHARE
      ), gd AS (
        SELECT 1 FROM destination
        WHERE account_id = ${o.account_id} AND route = ${o.primary_route} AND destination = ${o.primary_destination} FOR SHARE
      ), g AS (
        SELECT EXISTS (SELECT 1 FROM ga) AND EXISTS (SELECT 1 FROM gp)
          AND (${o.primary_destination}::text IS NULL OR EXISTS (SELECT 1 FROM gd)) AS records_hold
      ), n AS (
        UPDATE phone_number SET status = 'reserved', account_id = ${o.account_id}, order_id = ${o.id}, updated_at = ${o.created_at}
        WHERE did_number = ${o.did_number} AND status = 'available' AND (SELECT records_hold FROM g)
        RETURNING did_number
      ), a AS (
        UPDATE account SET held_cents = held_cents + ${o.amount_cents}::bigint
        WHERE id = ${o.account_id} AND balance_cents - held_cents >= ${o.amount_cents}::bigint AND EXISTS (SELECT 1 FROM n)
        RETURNING id
      ), o AS (
        INSERT INTO purchase_order (id, account_id, did_number, status, amount_cents, setup_cost_cents, monthly_cost_cents, address_id,
          person_id, primary_route, primary_destination, description, failure_code, carrier_reference, created_at, updated_at, completed_at)
        SELECT ${o.id}, ${o.account_id}, ${o.did_number}, ${o.status}::text, ${o.amount_cents}::bigint, ${o.setup_cost_cents}::bigint,
          ${o.monthly_cost_cents}::bigint, ${o.address_id}::text, ${o.person_id}::text, ${o.primary_route}::text, ${o.primary_destination}::text,
          ${o.description}::text, ${o.failure_code}::text, ${o.carrier_reference}::text, ${o.created_at}::text, ${o.updated_at}::text, ${o.completed_at}::text
        WHERE EXISTS (SELECT 1 FROM a)
        RETURNING id, account_id, amount_cents, created_at
      ), h AS (
        INSERT INTO funds_hold (id, account_id, order_id, amount_cents, status, created_at, settled_at)
        SELECT ${holdId}, o.account_id, o.id, o.amount_cents, 'pending', o.created_at, NULL FROM o
      )
      SELECT (SELECT records_hold FROM g) AS records_hold, (SELECT count(*) FROM n) AS reserved
      WHERE bilby_check(NOT EXISTS (SELECT 1 FROM n) OR EXISTS (SELECT 1 FROM o), ${INSUFFICIENT_FUNDS})`,
);

async function reserveInOneStatement(ex: Executor, order: PurchaseOrderRow, holdId: string): Promise<Reservation> {
  const row = (await reserveAll(ex, order, holdId)).rows[0]!;
  if (!row.records_hold) return 'records_changed';
  return Number(row.reserved) === 1 ? 'reserved' : 'unavailable';
}
