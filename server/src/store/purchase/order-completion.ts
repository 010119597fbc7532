import { sql } from 'kysely';
import type { ChangeSource, NumberEventDetailsByKind } from '../../domain/number-event.js';
import { LEDGER_REVENUE } from '../../domain/order.js';
import type { Database, Executor } from '../database.js';
import { settleHold } from '../hold-store.js';
import { postLedgerTransaction } from '../ledger-store.js';
import { recordNumberEvents } from '../number-event-store.js';
import { activateNumber } from '../number-store.js';
import { findOrder, settleOrderReturning } from '../order-store.js';
import { openTenure } from '../rental-store.js';
import { preparedQuery } from '../prepared-query.js';
import type { PurchaseOrderRow } from '../tables.js';
import { addVerifiedCli } from '../verified-cli-store.js';

export interface OrderCompletion {
  orderId: string;
  carrierReference: string;
  /** The purchase's ledger transaction. */
  transactionId: string;
  primaryTimeoutS: number;
  blockPrefs: string;
  at: string;
  /** The purchase's calendar date in the billing time zone, and its first renewal's. */
  purchasedOn: string;
  firstRenewalOn: string;
  /** The number's `purchased` event, and who completed the purchase (the buyer's key, or recovery). */
  eventId: string;
  source: ChangeSource;
}

export interface CompletedOrder {
  order: PurchaseOrderRow;
  balanceAfterCents: number;
}

/** The ledger description of a purchase. */
export function purchaseDescription(didNumber: string): string {
  return `Purchase of ${didNumber}`;
}

/** What a purchase's event records: the order, its charge and the number's first configuration. */
export function purchasedDetails(
  order: Pick<PurchaseOrderRow, 'id' | 'amount_cents' | 'primary_route' | 'primary_destination' | 'address_id' | 'person_id' | 'description'>,
): NumberEventDetailsByKind['purchased'] {
  return {
    order_id: order.id,
    amount_cents: Number(order.amount_cents),
    configuration: {
      primary_route: order.primary_route,
      primary_destination: order.primary_destination,
      address_id: order.address_id,
      person_id: order.person_id,
      description: order.description,
    },
  };
}

/**
 * Completes a pending order, all of it or nothing: the order becomes completed, its hold is posted
 * as a purchase (balance, ledger transaction and its two entries), the number becomes active for
 * the buyer and joins the buyer's verified caller IDs, its tenure begins with the first month paid,
 * and its history shows the purchase (read from the order and its tenure). The account's event stream
 * gets its `number.purchased` from the order's completion: on SQLite the trigger of migration 0028,
 * on PostgreSQL a clause of the one statement. Returns undefined, changing nothing, if the
 * order is no longer pending. Throws, changing nothing, if the order has no pending hold or its
 * number is not reserved for it.
 *
 * On PostgreSQL every write is one statement (data-modifying WITH clauses) that commits on its
 * own: one round trip instead of eleven (a BEGIN, nine statements, a COMMIT); each round trip costs the
 * server's process more CPU than PostgreSQL spends on it. The statement checks what it wrote
 * (bilby_check) so that an error undoes it. READ COMMITTED: every write is conditional on the state
 * it expects, so a concurrent settlement waits on the order's row and then finds it settled.
 */
export async function completePendingOrder(database: Database, completion: OrderCompletion): Promise<CompletedOrder | undefined> {
  if (database.dialect === 'postgres') return database.writeStatement((ex) => completeInOneStatement(ex, completion));
  return database.writeTransaction((trx) => completeStepByStep(trx, completion));
}

async function completeStepByStep(ex: Executor, c: OrderCompletion): Promise<CompletedOrder | undefined> {
  // The order comes back from its own conditional update: one statement fewer than reading it first.
  const order = await settleOrderReturning(ex, c.orderId, { status: 'completed', failureCode: null, carrierReference: c.carrierReference, at: c.at });
  if (!order) {
    if (!(await findOrder(ex, c.orderId))) throw new Error(`Order ${c.orderId} does not exist`);
    return undefined;
  }
  if (!(await settleHold(ex, c.orderId, 'posted', c.at))) throw new Error(`Order ${c.orderId} has no pending hold`);
  const txn = await postLedgerTransaction(ex, {
    id: c.transactionId,
    accountId: order.account_id,
    type: 'purchase',
    amountCents: -Number(order.amount_cents),
    counterAccount: LEDGER_REVENUE,
    releasesHeldCents: Number(order.amount_cents),
    orderId: c.orderId,
    description: purchaseDescription(order.did_number),
    at: c.at,
  });
  await activateNumber(ex, order.did_number, c.orderId, {
    description: order.description,
    primary_route: order.primary_route,
    primary_destination: order.primary_destination,
    primary_timeout: c.primaryTimeoutS,
    address_id: order.address_id,
    person_id: order.person_id,
    block_prefs: c.blockPrefs,
    purchased_at: c.at,
    updated_at: c.at,
  });
  await addVerifiedCli(ex, order.account_id, order.did_number, c.at);
  await openTenure(ex, {
    orderId: c.orderId,
    didNumber: order.did_number,
    accountId: order.account_id,
    purchasedOn: c.purchasedOn,
    firstRenewalOn: c.firstRenewalOn,
    at: c.at,
  });
  // The history reads the purchase from the order and its tenure; only an order placed before the
  // orders named who placed them (migration 0027) needs its event written.
  if (order.actor === null) {
    await recordNumberEvents(ex, [
      { id: c.eventId, kind: 'purchased', didNumber: order.did_number, accountId: order.account_id, source: c.source, at: c.at, details: purchasedDetails(order) },
    ]);
  }
  return { order, balanceAfterCents: txn.balance_after_cents };
}

type CompletionRow = PurchaseOrderRow & { balance_after_cents: number };

/**
 * The same writes as completeStepByStep. Every WITH clause runs exactly once and sees the database
 * as the statement began, so each later clause reads what an earlier one wrote only through its
 * RETURNING rows; foreign keys (ledger entries on their transaction) are checked as the statement
 * ends. The last clause refuses (raises) a completion whose hold or number was not as expected.
 */
const completeAll = preparedQuery(
  (ex, c: Omit<OrderCompletion, 'source'>, source: ChangeSource) =>
    sql<CompletionRow>`
      WITH o AS (
        UPDATE purchase_order
        SET status = 'completed', failure_code = NULL, carrier_reference = ${c.carrierReference}, updated_at = ${c.at}, completed_at = ${c.at}
        WHERE id = ${c.orderId} AND status = 'pending'
        RETURNING *
      ), h AS (
        UPDATE funds_hold SET status = 'posted', settled_at = ${c.at}
        WHERE order_id IN (SELECT id FROM o) AND status = 'pending'
        RETURNING order_id
      ), a AS (
        UPDATE account SET balance_cents = account.balance_cents - o.amount_cents, held_cents = account.held_cents - o.amount_cents,
          event_seq = account.event_seq + 1
        FROM o WHERE account.id = o.account_id AND EXISTS (SELECT 1 FROM h)
        RETURNING account.balance_cents, account.event_seq
      ), t AS (
        INSERT INTO ledger_transaction (id, account_id, type, amount_cents, balance_after_cents, order_id, description, created_at, gst_cents)
        SELECT ${c.transactionId}, o.account_id, 'purchase', -o.amount_cents, a.balance_cents, o.id, ${purchaseDescription('')}::text || o.did_number, ${c.at}::text,
          -((o.amount_cents * 2 + 11) / 22)
        FROM o CROSS JOIN a
        RETURNING id, account_id, amount_cents
      ), e AS (
        INSERT INTO ledger_entry (transaction_id, ledger_account, amount_cents)
        SELECT t.id, side.ledger_account, side.amount_cents
        FROM t CROSS JOIN LATERAL (VALUES (t.account_id, t.amount_cents), (${LEDGER_REVENUE}::text, -t.amount_cents)) AS side (ledger_account, amount_cents)
      ), n AS (
        UPDATE phone_number
        SET description = o.description, primary_route = o.primary_route, primary_destination = o.primary_destination,
          primary_timeout = ${c.primaryTimeoutS}, address_id = o.address_id, person_id = o.person_id, block_prefs = ${c.blockPrefs},
          purchased_at = ${c.at}, updated_at = ${c.at}, status = 'active'
        FROM o WHERE phone_number.did_number = o.did_number AND phone_number.status = 'reserved' AND phone_number.order_id = o.id
        RETURNING phone_number.did_number
      ), v AS (
        INSERT INTO verified_cli (account_id, number, created_at)
        SELECT o.account_id, o.did_number, ${c.at}::text FROM o
        ON CONFLICT (account_id, number) DO NOTHING
      ), r AS (
        INSERT INTO rental (order_id, did_number, account_id, purchased_on, next_period, next_due_on, status, created_at, updated_at)
        SELECT o.id, o.did_number, o.account_id, ${c.purchasedOn}::text, 1, ${c.firstRenewalOn}::text, 'active', ${c.at}::text, ${c.at}::text
        FROM o WHERE EXISTS (SELECT 1 FROM n)
      ), ev AS (
        INSERT INTO number_event (id, did_number, account_id, kind, details, actor, request_id, created_at)
        SELECT ${c.eventId}, o.did_number, o.account_id, 'purchased',
          json_build_object('order_id', o.id, 'amount_cents', o.amount_cents, 'configuration', json_build_object(
            'primary_route', o.primary_route, 'primary_destination', o.primary_destination, 'address_id', o.address_id,
            'person_id', o.person_id, 'description', o.description))::text,
          ${source.actor}::text, ${source.requestId}::text, ${c.at}::text
        FROM o WHERE EXISTS (SELECT 1 FROM n) AND o.actor IS NULL
      ), ae AS (
        INSERT INTO account_event (account_id, seq, id, kind, did_number, data, created_at)
        SELECT o.account_id, a.event_seq, 'evt_' || substr(o.id, 5), 'number.purchased', o.did_number,
          json_build_object('did_number', o.did_number, 'order_id', o.id, 'amount_cents', o.amount_cents, 'configuration', json_build_object(
            'primary_route', o.primary_route, 'primary_destination', o.primary_destination, 'address_id', o.address_id,
            'person_id', o.person_id, 'description', o.description),
            'actor', coalesce(o.actor, 'system'), 'request_id', o.request_id)::text,
          ${c.at}::text
        FROM o CROSS JOIN a WHERE EXISTS (SELECT 1 FROM n)
      )
      SELECT o.*, (SELECT balance_cents FROM a) AS balance_after_cents FROM o
      WHERE bilby_check(EXISTS (SELECT 1 FROM a), 'Order ' || o.id || ' has no pending hold')
        AND bilby_check((SELECT count(*) FROM n) = 1, 'Number ' || o.did_number || ' is not reserved for order ' || o.id)`,
);

async function completeInOneStatement(ex: Executor, c: OrderCompletion): Promise<CompletedOrder | undefined> {
  const { source, ...completion } = c;
  const row = (await completeAll(ex, completion, source)).rows[0];
  if (!row) {
    if (!(await findOrder(ex, c.orderId))) throw new Error(`Order ${c.orderId} does not exist`);
    return undefined;
  }
  const { balance_after_cents: balanceAfterCents, ...order } = row;
  return { order, balanceAfterCents: Number(balanceAfterCents) };
}
