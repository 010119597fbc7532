import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Carrier } from '../../server/src/carriers/carrier.js';
import type { Db } from '../../server/src/store/database.js';
import { DEFAULT_BILLING_TIME_ZONE } from '../../server/src/domain/billing-defaults.js';
import { gstIncluded } from '../../server/src/domain/gst.js';
import { calendarDateOf, periodStart } from '../../server/src/domain/rental-period.js';

/**
 * The reliability plan's invariants, read back from the database (and the carrier's own books).
 * `settled` adds INV-NO-LIMBO: nothing pending, reserved or held.
 */
export async function assertInvariants(db: Db, carrier: Carrier | null, options: { settled?: boolean } = {}): Promise<void> {
  // INV-ZERO: every ledger transaction's entries sum to zero.
  const unbalanced = await db
    .selectFrom('ledger_entry')
    .select(['transaction_id', sql<number>`sum(amount_cents)`.as('total')])
    .groupBy('transaction_id')
    .having(sql`sum(amount_cents)`, '!=', 0)
    .execute();
  assert.deepEqual(unbalanced, [], 'INV-ZERO: ledger transactions that do not sum to zero');

  // INV-DERIVED: stored balance = sum of the account's entries; held = sum of pending holds and restores.
  const accounts = await db.selectFrom('account').select(['id', 'balance_cents', 'held_cents']).execute();
  for (const account of accounts) {
    const entries = await db
      .selectFrom('ledger_entry')
      .select(sql<number>`coalesce(sum(amount_cents), 0)`.as('total'))
      .where('ledger_account', '=', account.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(account.balance_cents), Number(entries.total), `INV-DERIVED: balance of ${account.id}`);
    const holds = await db
      .selectFrom('funds_hold')
      .select(sql<number>`coalesce(sum(amount_cents), 0)`.as('total'))
      .where('account_id', '=', account.id)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    const restores = await db
      .selectFrom('restore_order')
      .select(sql<number>`coalesce(sum(amount_cents), 0)`.as('total'))
      .where('account_id', '=', account.id)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    assert.equal(
      Number(account.held_cents),
      Number(holds.total) + Number(restores.total),
      `held funds of ${account.id} = its pending holds and pending restores`,
    );
    // INV-NONNEG
    assert.ok(Number(account.balance_cents) - Number(account.held_cents) >= 0, `INV-NONNEG: ${account.id}`);
  }

  // INV-EVENTS: each account's stream counter is at or past its newest event, and every order
  // settled as the stream began to be kept (an order with an actor, migration 0027) left its event.
  const streams = await db
    .selectFrom('account')
    .leftJoin('account_event', 'account_event.account_id', 'account.id')
    .select(['account.id', 'account.event_seq', sql<number | null>`max(account_event.seq)`.as('newest')])
    .groupBy(['account.id', 'account.event_seq'])
    .execute();
  for (const stream of streams) {
    assert.ok(Number(stream.event_seq) >= Number(stream.newest ?? 0), `INV-EVENTS: the counter of ${stream.id} is behind its events`);
  }
  const silent = await db
    .selectFrom('purchase_order')
    .select(['purchase_order.id', 'purchase_order.status'])
    .where('purchase_order.status', 'in', ['completed', 'failed'])
    .where('purchase_order.actor', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('account_event')
            .select('account_event.seq')
            .whereRef('account_event.account_id', '=', 'purchase_order.account_id')
            .where('account_event.kind', 'in', ['number.purchased', 'purchase.failed'])
            .where(sql<boolean>`account_event.data LIKE '%' || purchase_order.id || '%'`),
        ),
      ),
    )
    .execute();
  assert.deepEqual(silent, [], 'INV-EVENTS: settled orders without their number.purchased or purchase.failed event');

  // INV-LINK: completed orders have one charge at their price and an active number for the buyer;
  // failed orders net zero and their number is not the buyer's.
  const orders = await db.selectFrom('purchase_order').selectAll().execute();
  const activeByOrder = new Map<string, { account_id: string | null; status: string }>();
  for (const row of await db.selectFrom('phone_number').select(['order_id', 'account_id', 'status']).where('order_id', 'is not', null).execute()) {
    activeByOrder.set(row.order_id!, row);
  }
  // Read once: ledger_transaction.order_id is indexed only for purchases, and one query per order
  // read the whole table each time (a 10-minute soak's check ran for over 10 minutes).
  const linked = await db
    .selectFrom('ledger_transaction')
    .select(['order_id', 'amount_cents'])
    .where('order_id', 'is not', null)
    .where('type', '=', 'purchase')
    .execute();
  const chargesByOrder = new Map<string, typeof linked>();
  for (const row of linked) chargesByOrder.set(row.order_id!, [...(chargesByOrder.get(row.order_id!) ?? []), row]);
  for (const order of orders) {
    const charges = chargesByOrder.get(order.id) ?? [];
    const hold = await db.selectFrom('funds_hold').selectAll().where('order_id', '=', order.id).executeTakeFirst();
    if (order.status === 'completed') {
      assert.equal(charges.length, 1, `INV-LINK: completed order ${order.id} has one charge`);
      assert.equal(Number(charges[0]!.amount_cents) + Number(order.amount_cents), 0, `INV-LINK: charge of ${order.id}`);
      assert.equal(hold?.status, 'posted', `INV-LINK: hold of ${order.id} posted`);
      const number = await db.selectFrom('phone_number').selectAll().where('did_number', '=', order.did_number).executeTakeFirstOrThrow();
      // A number whose current order is another one was released since; otherwise it is the buyer's.
      if (number.order_id === order.id) {
        // Or reserved again for its owner by a restore under way, which links it back to this order.
        const restoring = await db
          .selectFrom('restore_order')
          .select('id')
          .where('tenure_order_id', '=', order.id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        assert.equal(number.status, restoring ? 'reserved' : 'active', `INV-LINK: number of ${order.id} ${restoring ? 'reserved for its restore' : 'active'}`);
        assert.equal(number.account_id, order.account_id, `INV-LINK: number of ${order.id} owned by its buyer`);
      }
    } else if (order.status === 'failed') {
      assert.equal(charges.length, 0, `INV-LINK: failed order ${order.id} charged nothing`);
      assert.equal(hold?.status, 'voided', `INV-LINK: hold of ${order.id} voided`);
      const number = activeByOrder.get(order.id);
      assert.equal(number, undefined, `INV-LINK: number of failed order ${order.id} is not held for it`);
    } else {
      assert.equal(hold?.status, 'pending');
    }
  }

  // INV-HISTORY: every completed order, and only those, has its one `purchased` event, its buyer's:
  // read from the order and the tenure its completion began (an order naming who placed it), or
  // written by the completion's own transaction (an order placed before orders named it).
  const purchasedEvents = new Map<string, Array<{ account_id: string; did_number: string }>>();
  for (const event of await db.selectFrom('number_event').select(['did_number', 'account_id', 'details']).where('kind', '=', 'purchased').execute()) {
    const orderId = (JSON.parse(event.details) as { order_id: string }).order_id;
    purchasedEvents.set(orderId, [...(purchasedEvents.get(orderId) ?? []), event]);
  }
  const readFromOrders = await db
    .selectFrom('rental')
    .innerJoin('purchase_order', 'purchase_order.id', 'rental.order_id')
    .select(['purchase_order.id', 'rental.account_id', 'rental.did_number'])
    .where('purchase_order.actor', 'is not', null)
    .execute();
  for (const row of readFromOrders) purchasedEvents.set(row.id, [...(purchasedEvents.get(row.id) ?? []), row]);
  for (const order of orders) {
    const events = purchasedEvents.get(order.id) ?? [];
    purchasedEvents.delete(order.id);
    const expected = order.status === 'completed' ? [{ account_id: order.account_id, did_number: order.did_number }] : [];
    assert.deepEqual(events.map((e) => ({ account_id: e.account_id, did_number: e.did_number })), expected, `INV-HISTORY: purchase event of ${order.status} order ${order.id}`);
  }
  assert.deepEqual([...purchasedEvents.keys()], [], 'INV-HISTORY: purchase events of no order');

  // INV-ONE-OWNER: a number is one row; active/reserved rows name exactly one account (CHECKed),
  // and no number has two completed orders that are both still its current order.
  const doubles = await db
    .selectFrom('purchase_order')
    .select(['did_number', sql<number>`count(*)`.as('n')])
    .where('status', '=', 'pending')
    .groupBy('did_number')
    .having(sql`count(*)`, '>', 1)
    .execute();
  assert.deepEqual(doubles, [], 'at most one pending order per number');

  // INV-CARRIER-AGREE: the carrier's set of our numbers = our active (or in-flight) numbers.
  const ours = await db
    .selectFrom('phone_number')
    .select('did_number')
    .where('status', options.settled ? '=' : 'in', options.settled ? 'active' : ['active', 'reserved'])
    .orderBy('did_number')
    .execute();
  const theirs = carrier ? await carrier.listProvisioned() : null;
  if (theirs === null) {
    // No carrier took part (store-level tests): nothing to agree with.
  } else if (options.settled) {
    assert.deepEqual(theirs, ours.map((r) => r.did_number), 'INV-CARRIER-AGREE');
  } else {
    const allowed = new Set(ours.map((r) => r.did_number));
    for (const number of theirs) assert.ok(allowed.has(number), `INV-CARRIER-AGREE: carrier holds ${number}`);
  }

  await assertRentalInvariants(db);

  if (options.settled) {
    const pending = await db.selectFrom('purchase_order').select('id').where('status', '=', 'pending').execute();
    assert.deepEqual(pending, [], 'INV-NO-LIMBO: pending orders');
    const reserved = await db.selectFrom('phone_number').select('did_number').where('status', '=', 'reserved').execute();
    assert.deepEqual(reserved, [], 'INV-NO-LIMBO: reserved numbers');
  }
}

/**
 * Billing's invariants (issue 19): each tenure's charged periods are 1 … next_period − 1, each once,
 * each with one rental transaction of its amount (and its GST); none charged after the tenure
 * ended; a suspended tenure owes a period begun when it was suspended, and its number shows it.
 */
export async function assertRentalInvariants(db: Db): Promise<void> {
  const tenures = await db.selectFrom('rental').selectAll().execute();
  const charges = await db
    .selectFrom('rental_charge')
    .leftJoin('ledger_transaction', 'ledger_transaction.id', 'rental_charge.transaction_id')
    .select([
      'rental_charge.order_id',
      'rental_charge.period',
      'rental_charge.amount_cents',
      'rental_charge.charged_at',
      'ledger_transaction.type',
      'ledger_transaction.order_id as transaction_order',
      'ledger_transaction.amount_cents as transaction_cents',
      'ledger_transaction.gst_cents',
    ])
    .execute();
  const rentals = await db.selectFrom('ledger_transaction').select(['id']).where('type', '=', 'rental').execute();
  assert.equal(rentals.length, charges.length, 'INV-RENTAL-LINK: every rental transaction is one period charged, and each period charged has one');
  const byOrder = new Map<string, typeof charges>();
  for (const charge of charges) {
    assert.equal(charge.type, 'rental', `INV-RENTAL-LINK: ${charge.order_id} period ${charge.period} is a rental transaction`);
    assert.equal(charge.transaction_order, charge.order_id);
    assert.equal(Number(charge.transaction_cents), -Number(charge.amount_cents), `INV-RENTAL-LINK: amount of ${charge.order_id} period ${charge.period}`);
    assert.equal(Number(charge.gst_cents), gstIncluded(-Number(charge.amount_cents)), 'INV-GST: a rental records its GST');
    byOrder.set(charge.order_id, [...(byOrder.get(charge.order_id) ?? []), charge]);
  }
  const numbers = new Map(
    (await db.selectFrom('phone_number').select(['did_number', 'suspended', 'order_id', 'status']).where('status', '=', 'active').execute()).map((row) => [
      row.did_number,
      row,
    ]),
  );
  for (const tenure of tenures) {
    const periods = (byOrder.get(tenure.order_id) ?? []).map((charge) => Number(charge.period)).sort((a, b) => a - b);
    assert.deepEqual(
      periods,
      Array.from({ length: Number(tenure.next_period) - 1 }, (_, i) => i + 1),
      `INV-RENTAL-ONCE: ${tenure.did_number} (${tenure.order_id}) charged each period before its next once`,
    );
    if (tenure.status === 'ended') {
      for (const charge of byOrder.get(tenure.order_id) ?? []) {
        assert.ok(charge.charged_at <= tenure.ended_at!, `INV-RENTAL-ENDED: ${tenure.did_number} charged after its release`);
      }
      continue;
    }
    const number = numbers.get(tenure.did_number);
    assert.equal(number?.order_id, tenure.order_id, `a running tenure's number (${tenure.did_number}) is active under its order`);
    assert.equal(Number(number!.suspended), tenure.status === 'suspended' ? 1 : 0, `INV-SUSPENDED: ${tenure.did_number} shows its tenure's state`);
    if (tenure.status === 'suspended') {
      const owedFrom = periodStart(tenure.purchased_on, Number(tenure.next_period));
      assert.ok(
        owedFrom <= calendarDateOf(new Date(tenure.suspended_since!), DEFAULT_BILLING_TIME_ZONE),
        `INV-SUSPENDED: ${tenure.did_number} is suspended with a period unpaid`,
      );
    }
  }
  const suspendedNumbers = [...numbers.values()].filter((n) => Number(n.suspended) === 1).map((n) => n.did_number);
  const suspendedTenures = new Set(tenures.filter((t) => t.status === 'suspended').map((t) => t.did_number));
  assert.deepEqual(suspendedNumbers.filter((did) => !suspendedTenures.has(did)), [], 'INV-SUSPENDED: a suspended number has a suspended tenure');
}

/** Everything a rejected request must leave unchanged. */
export async function snapshot(db: Db): Promise<unknown> {
  return {
    orders: await db.selectFrom('purchase_order').selectAll().orderBy('id').execute(),
    holds: await db.selectFrom('funds_hold').selectAll().orderBy('id').execute(),
    transactions: await db.selectFrom('ledger_transaction').selectAll().orderBy('id').execute(),
    accounts: await db.selectFrom('account').selectAll().orderBy('id').execute(),
    numbers: await db.selectFrom('phone_number').selectAll().where('status', '!=', 'available').orderBy('did_number').execute(),
    available: (await db.selectFrom('phone_number').select(sql<number>`count(*)`.as('n')).where('status', '=', 'available').executeTakeFirstOrThrow()).n,
    addresses: await db.selectFrom('address').select('id').orderBy('id').execute(),
    persons: await db.selectFrom('person').select('id').orderBy('id').execute(),
    events: await db.selectFrom('number_event').select('id').orderBy('id').execute(),
  };
}

/** What INV-UPSTREAM-AGREE reads of a reconciliation report: its differences. */
export interface ReconciledDifferences {
  differences: ReadonlyArray<{ kind: string; did_number?: string }>;
}

/**
 * INV-UPSTREAM-AGREE, once recovery has settled everything: every number active here is owned
 * upstream, and every number owned upstream is sold, in quarantine, or listed by reconciliation
 * (`reconciled`, a report made after the state settled). `ownedUpstream` is the carrier's own
 * view: for a reseller, what its upstream account holds, asked of the upstream directly. And the
 * report says only what is so: each number it lists as owned but not sold, or sold but not owned,
 * really is.
 */
export async function assertUpstreamAgrees(db: Db, ownedUpstream: readonly string[], reconciled: ReconciledDifferences): Promise<void> {
  const rows = await db.selectFrom('phone_number').select(['did_number', 'status']).where('status', 'in', ['active', 'quarantine']).orderBy('did_number').execute();
  const active = new Set(rows.filter((row) => row.status === 'active').map((row) => row.did_number));
  const quarantined = new Set(rows.filter((row) => row.status === 'quarantine').map((row) => row.did_number));
  const owned = new Set(ownedUpstream);
  const listed = (kind: string) => reconciled.differences.filter((d) => d.kind === kind).map((d) => d.did_number!);
  const ownedNotSold = new Set(listed('owned_not_sold'));

  assert.deepEqual([...active].filter((did) => !owned.has(did)), [], 'INV-UPSTREAM-AGREE: active here and not owned upstream');
  assert.deepEqual(
    [...owned].filter((did) => !active.has(did) && !quarantined.has(did) && !ownedNotSold.has(did)).sort(),
    [],
    'INV-UPSTREAM-AGREE: owned upstream and neither sold, in quarantine nor listed by reconciliation',
  );
  for (const did of ownedNotSold) assert.ok(owned.has(did) && !active.has(did), `reconciliation lists ${did} as owned and not sold`);
  for (const did of listed('sold_not_owned')) assert.ok(active.has(did) && !owned.has(did), `reconciliation lists ${did} as sold and not owned`);
}
