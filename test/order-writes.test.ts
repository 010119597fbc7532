import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newId } from '../server/src/domain/ids.js';
import { completePendingOrder, type OrderCompletion } from '../server/src/store/purchase/order-completion.js';
import { listNumberEvents } from '../server/src/store/number-event-store.js';
import { reservePendingOrder } from '../server/src/store/purchase/order-reservation.js';
import type { PurchaseOrderRow } from '../server/src/store/tables.js';
import { createTestContext, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';
import { placeHold } from './helpers/orders.js';

/** Everything completion writes, for one order: to compare before and after. */
async function snapshot(ctx: TestContextApi, orderId: string) {
  const order = await ctx.db.selectFrom('purchase_order').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
  return {
    order,
    hold: await ctx.db.selectFrom('funds_hold').select(['status', 'settled_at']).where('order_id', '=', orderId).executeTakeFirst(),
    account: await ctx.db.selectFrom('account').select(['balance_cents', 'held_cents']).where('id', '=', order.account_id).executeTakeFirstOrThrow(),
    number: await ctx.db.selectFrom('phone_number').selectAll().where('did_number', '=', order.did_number).executeTakeFirstOrThrow(),
    ledger: await ctx.db.selectFrom('ledger_transaction').selectAll().where('order_id', '=', orderId).execute(),
    entries: await ctx.db.selectFrom('ledger_entry').selectAll().where('transaction_id', 'like', 'txn_%').orderBy('ledger_account').execute(),
    verified: await ctx.db.selectFrom('verified_cli').selectAll().where('account_id', '=', order.account_id).execute(),
    tenure: await ctx.db.selectFrom('rental').selectAll().where('order_id', '=', orderId).execute(),
    events: (await listNumberEvents(ctx.db, { didNumber: order.did_number }, {})).rows,
    stored: await ctx.db.selectFrom('number_event').selectAll().where('did_number', '=', order.did_number).execute(),
  };
}

function completion(orderId: string, at: string): OrderCompletion {
  return {
    orderId, carrierReference: 'carrier-ref-1', transactionId: newId('txn'), primaryTimeoutS: 30, blockPrefs: '{"block_invalid":false}', at,
    purchasedOn: '2026-11-29', firstRenewalOn: '2026-12-29', eventId: newId('evt'), source: { actor: 'api_key:key_buyer', requestId: 'req_buyer' },
  };
}

function pendingOrder(accountId: string, addressId: string, personId: string, didNumber: string, cents: number): PurchaseOrderRow {
  const at = '2026-11-29T04:00:00.000Z';
  return {
    id: newId('ord'), account_id: accountId, did_number: didNumber, status: 'pending', amount_cents: cents, setup_cost_cents: 0,
    monthly_cost_cents: cents, address_id: addressId, person_id: personId, primary_route: 'device', primary_destination: '1000000',
    description: 'my line', failure_code: null, carrier_reference: null, upstream_setup_cost_cents: 1_00, upstream_monthly_cost_cents: 5_00,
    created_at: at, updated_at: at, completed_at: null, actor: 'api_key:key_buyer', request_id: 'req_buyer',
  };
}

describeEachDatabase('order reservation', (dialect) => {
  it('reserves the number, holds the amount and records the pending order and its hold', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers(['61291230001']);
    const order = pendingOrder(buyer.accountId, buyer.addressId, buyer.personId, '61291230001', 40_00);
    const holdId = newId('hld');
    assert.equal(await ctx.database.writeTransaction((trx) => reservePendingOrder(trx, order, holdId)), 'reserved');
    const stored = await ctx.db.selectFrom('purchase_order').selectAll().where('id', '=', order.id).executeTakeFirstOrThrow();
    assert.deepEqual(
      {
        ...stored,
        amount_cents: Number(stored.amount_cents),
        setup_cost_cents: Number(stored.setup_cost_cents),
        monthly_cost_cents: Number(stored.monthly_cost_cents),
        upstream_setup_cost_cents: Number(stored.upstream_setup_cost_cents),
        upstream_monthly_cost_cents: Number(stored.upstream_monthly_cost_cents),
      },
      order,
    );
    const hold = await ctx.db.selectFrom('funds_hold').selectAll().where('order_id', '=', order.id).executeTakeFirstOrThrow();
    assert.deepEqual({ ...hold, amount_cents: Number(hold.amount_cents) }, {
      id: holdId, account_id: buyer.accountId, order_id: order.id, amount_cents: 40_00, status: 'pending', created_at: order.created_at, settled_at: null,
    });
    const number = await ctx.db.selectFrom('phone_number').select(['status', 'account_id', 'order_id', 'updated_at']).where('did_number', '=', '61291230001').executeTakeFirstOrThrow();
    assert.deepEqual(number, { status: 'reserved', account_id: buyer.accountId, order_id: order.id, updated_at: order.created_at });
    const account = await ctx.db.selectFrom('account').select(['balance_cents', 'held_cents']).where('id', '=', buyer.accountId).executeTakeFirstOrThrow();
    assert.deepEqual([Number(account.balance_cents), Number(account.held_cents)], [100_00, 40_00]);
    await assertInvariants(ctx.db, null);
  });

  it('writes nothing for a number no longer available, and says when the balance no longer covers it', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers(['61291230002', '61291230003']);
    const first = pendingOrder(buyer.accountId, buyer.addressId, buyer.personId, '61291230002', 70_00);
    assert.equal(await ctx.database.writeTransaction((trx) => reservePendingOrder(trx, first, newId('hld'))), 'reserved');
    const counts = async () => ({
      orders: (await ctx.db.selectFrom('purchase_order').select('id').execute()).length,
      holds: (await ctx.db.selectFrom('funds_hold').select('id').execute()).length,
      held: Number((await ctx.db.selectFrom('account').select('held_cents').where('id', '=', buyer.accountId).executeTakeFirstOrThrow()).held_cents),
      reserved: (await ctx.db.selectFrom('phone_number').select('did_number').where('status', '=', 'reserved').execute()).map((row) => row.did_number),
    });
    const before = await counts();

    const taken = pendingOrder(buyer.accountId, buyer.addressId, buyer.personId, '61291230002', 1_00);
    assert.equal(await ctx.database.writeTransaction((trx) => reservePendingOrder(trx, taken, newId('hld'))), 'unavailable');
    assert.deepEqual(await counts(), before, 'a number already reserved is not reserved again, and nothing is held');

    const tooDear = pendingOrder(buyer.accountId, buyer.addressId, buyer.personId, '61291230003', 40_00);
    const rolledBack = ctx.database.writeTransaction(async (trx) => {
      const reservation = await reservePendingOrder(trx, tooDear, newId('hld'));
      const recorded = await trx.selectFrom('funds_hold').select('id').where('order_id', '=', tooDear.id).execute();
      assert.deepEqual(recorded, [], 'no hold is recorded for an amount the balance does not cover');
      throw new Error(reservation);
    });
    await assert.rejects(rolledBack, /^Error: insufficient_funds$/);
    assert.deepEqual(await counts(), before);
    await assertInvariants(ctx.db, null);
  });
});

describeEachDatabase('order completion', (dialect) => {
  it('writes the purchase event of an order placed before orders named who placed them, once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    const orderId = (await placeHold(ctx, buyer.accountId, buyer.addressId, buyer.personId, 5_00))!;
    await ctx.db.updateTable('purchase_order').set({ actor: null, request_id: null }).where('id', '=', orderId).execute();
    assert.ok(await completePendingOrder(ctx.database, completion(orderId, '2026-11-29T04:00:00.000Z')));
    const after = await snapshot(ctx, orderId);
    assert.deepEqual(after.stored.map((row) => [row.kind, row.actor, row.request_id]), [['purchased', 'api_key:key_buyer', 'req_buyer']], 'the completion wrote it, as its source');
    assert.deepEqual(after.events.map((event) => event.kind), ['purchased'], 'and the history shows it once');
    await assertInvariants(ctx.db, null);
  });

  it('posts the hold, activates the number and adds the caller ID in one go, once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    const orderId = (await placeHold(ctx, buyer.accountId, buyer.addressId, buyer.personId, 12_34))!;
    const at = '2026-11-29T04:00:00.000Z';
    const done = await completePendingOrder(ctx.database, completion(orderId, at));
    assert.ok(done);
    assert.equal(done.balanceAfterCents, 100_00 - 12_34);
    const after = await snapshot(ctx, orderId);
    assert.deepEqual(done.order, after.order, 'the order returned is the order stored');
    assert.equal(after.order.status, 'completed');
    assert.equal(after.order.carrier_reference, 'carrier-ref-1');
    assert.equal(after.order.completed_at, at);
    assert.deepEqual(after.hold, { status: 'posted', settled_at: at });
    assert.deepEqual([Number(after.account.balance_cents), Number(after.account.held_cents)], [100_00 - 12_34, 0]);
    assert.equal(after.number.status, 'active');
    assert.equal(after.number.account_id, buyer.accountId);
    assert.equal(after.number.address_id, buyer.addressId);
    assert.equal(after.number.person_id, buyer.personId);
    assert.equal(after.number.primary_route, 'device');
    assert.equal(after.number.primary_destination, '1000000');
    assert.equal(after.number.primary_timeout, 30);
    assert.equal(after.number.block_prefs, '{"block_invalid":false}');
    assert.equal(after.number.purchased_at, at);
    assert.equal(after.ledger.length, 1);
    assert.equal(after.ledger[0]!.type, 'purchase');
    assert.equal(Number(after.ledger[0]!.amount_cents), -12_34);
    assert.equal(Number(after.ledger[0]!.balance_after_cents), 100_00 - 12_34);
    assert.equal(after.ledger[0]!.description, `Purchase of ${after.order.did_number}`);
    const purchaseEntries = after.entries.filter((entry) => entry.transaction_id === after.ledger[0]!.id);
    assert.deepEqual(
      purchaseEntries.map((entry) => [entry.ledger_account, Number(entry.amount_cents)]),
      [[buyer.accountId, -12_34], ['system:revenue', 12_34]],
    );
    assert.deepEqual(after.verified.map((row) => row.number), [after.order.did_number]);
    // 12.34 includes 1.12 of GST (12.34 / 11 = 1.1218…).
    assert.equal(Number(after.ledger[0]!.gst_cents), -1_12);
    assert.deepEqual(
      after.tenure.map((row) => [row.did_number, row.account_id, row.purchased_on, Number(row.next_period), row.next_due_on, row.status]),
      [[after.order.did_number, buyer.accountId, '2026-11-29', 1, '2026-12-29', 'active']],
      'the tenure begins with its first month paid',
    );
    assert.deepEqual(
      after.events.map((row) => ({ ...row, id: row.id.slice(0, 4) })),
      [
        {
          id: 'evt_', did_number: after.order.did_number, account_id: buyer.accountId, kind: 'purchased', actor: 'api_key:key_buyer',
          request_id: 'req_buyer', created_at: at,
          details: {
            order_id: orderId, amount_cents: 12_34,
            configuration: { primary_route: 'device', primary_destination: '1000000', address_id: buyer.addressId, person_id: buyer.personId, description: after.order.description },
          },
        },
      ],
      "the number's history shows the purchase, by whom and in which request",
    );
    assert.deepEqual(after.stored, [], 'read from the order: the purchase writes no event row');

    const again = await completePendingOrder(ctx.database, completion(orderId, '2026-11-29T05:00:00.000Z'));
    assert.equal(again, undefined, 'a settled order is not completed twice');
    assert.deepEqual(await snapshot(ctx, orderId), after, 'and nothing changed');
    await assertInvariants(ctx.db, null);
  });

  it('writes nothing when the hold is no longer pending or the number no longer reserved', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    const tamperings = [
      async (orderId: string) => {
        await ctx.db.updateTable('funds_hold').set({ status: 'voided' }).where('order_id', '=', orderId).execute();
        await ctx.db.updateTable('account').set({ held_cents: 0 }).where('id', '=', buyer.accountId).execute();
        return /has no pending hold/;
      },
      async (orderId: string) => {
        await ctx.db.updateTable('phone_number').set({ order_id: null }).where('order_id', '=', orderId).execute();
        return /is not reserved for order/;
      },
    ];
    for (const tamper of tamperings) {
      const orderId = (await placeHold(ctx, buyer.accountId, buyer.addressId, buyer.personId, 5_00))!;
      const expected = await tamper(orderId);
      const before = await snapshot(ctx, orderId);
      await assert.rejects(completePendingOrder(ctx.database, completion(orderId, new Date().toISOString())), expected);
      assert.deepEqual(await snapshot(ctx, orderId), before, 'the failed completion rolled back every write');
      assert.equal(before.order.status, 'pending');
    }
  });

  it('refuses an order that does not exist', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await assert.rejects(completePendingOrder(ctx.database, completion('ord_missing', new Date().toISOString())), /does not exist/);
  });
});
