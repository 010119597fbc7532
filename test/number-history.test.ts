import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newUuid } from '../server/src/domain/ids.js';
import { newId } from '../server/src/domain/ids.js';
import { recoverOrders } from '../server/src/services/recover-orders.js';
import { recoverReleases } from '../server/src/services/release-number.js';
import { openRelease } from '../server/src/store/release-order-store.js';
import { SYSTEM_SOURCE, updateEvents } from '../server/src/domain/number-event.js';
import { insertAddress } from '../server/src/store/ipnd-store.js';
import { listNumberEvents, recordNumberEvents, type NewNumberEvent } from '../server/src/store/number-event-store.js';
import { createTestContext, purchaseBody, type TestAccount, type TestContextApi, IMMEDIATE_RESALE } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';

const NUMBER = '61291234567';
const HISTORY = `/api/v1/phone-numbers/${NUMBER}/history`;

async function keyIdOf(ctx: TestContextApi, account: TestAccount): Promise<string> {
  return (await ctx.db.selectFrom('api_key').select('id').where('account_id', '=', account.accountId).executeTakeFirstOrThrow()).id;
}

async function buy(ctx: TestContextApi, account: TestAccount): Promise<{ requestId: string; orderId: string }> {
  const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, NUMBER) });
  assert.equal(bought.status, 200, JSON.stringify(bought.body));
  return { requestId: String(bought.headers['x-request-id']), orderId: bought.body.order_id };
}

async function patch(ctx: TestContextApi, account: TestAccount, changes: Record<string, unknown>) {
  return ctx.call('PATCH', '/api/v1/phone-numbers', { key: account.key, body: { did_number: NUMBER, ...changes } });
}

/** The number's events as its history reads them (some are read from the orders and charges). */
async function eventCount(ctx: TestContextApi): Promise<number> {
  return (await listNumberEvents(ctx.db, { didNumber: NUMBER }, {})).rows.length;
}

it('groups an update into one event per kind of change, each naming only the fields whose value changed', () => {
  const before = {
    primary_route: 'device', primary_destination: '1000000', address_id: 'a1', description: 'Desk',
    block_prefs: { block_hidden: false, block_list: ['612'] },
  };
  assert.deepEqual(
    updateEvents(before, {
      primary_route: 'device', primary_destination: '1000001', backup_route: 'voicemail', description: 'Desk',
      block_prefs: { block_list: ['612'], block_hidden: false },
    }),
    [{ kind: 'routing_changed', details: { changes: { primary_destination: { before: '1000000', after: '1000001' }, backup_route: { before: null, after: 'voicemail' } } } }],
    'the same description and the same settings in another key order are no change',
  );
  assert.deepEqual(
    updateEvents(before, { address_id: 'a2', block_prefs: { block_hidden: true, block_list: ['612'] } }).map((e) => e.kind),
    ['ipnd_changed', 'settings_changed'],
  );
  assert.deepEqual(updateEvents(before, {}), []);
});

describeEachDatabase('number history', (dialect) => {
  it('shows each owner only their own tenure, before and after, with the key and the request; the operator sees all', async (t) => {
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    const first = await ctx.createAccount({ balance: 100_00 });
    const second = await ctx.createAccount({ balance: 100_00 });
    const stranger = await ctx.createAccount();
    await ctx.seedNumbers([{ number: NUMBER, setup: 5_00, monthly: 10_00 }]);
    const firstActor = `api_key:${await keyIdOf(ctx, first)}`;
    const secondActor = `api_key:${await keyIdOf(ctx, second)}`;

    const purchase = await buy(ctx, first);
    const routed = await patch(ctx, first, { primary_route: 'voicemail', primary_destination: '2000' });
    assert.equal(routed.status, 200, JSON.stringify(routed.body));
    const unchanged = await patch(ctx, first, { primary_route: 'voicemail', primary_destination: '2000', description: 'Main office line' });
    assert.equal(unchanged.status, 200);
    const newAddress = newUuid();
    await insertAddress(ctx.db, {
      id: newAddress, account_id: first.accountId, city: 'Sydney', state: 'NSW', postcode: '2000', country: 'Australia', street_name: 'Pitt Street',
      created_at: new Date().toISOString(),
    });
    const moved = await patch(ctx, first, { address_id: newAddress, description: 'Reception' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const repriced = await ctx.admin('PUT', `/numbers/${NUMBER}/price`, { body: { setup_cost: 5, monthly_cost: 12.5 } });
    assert.equal(repriced.status, 200, JSON.stringify(repriced.body));
    const released = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: first.key, body: { did_number: NUMBER } });
    assert.equal(released.status, 200, JSON.stringify(released.body));
    const unsoldPrice = await ctx.admin('PUT', `/numbers/${NUMBER}/price`, { body: { setup_cost: 5, monthly_cost: 10 } });
    assert.equal(unsoldPrice.status, 200, "an unsold number's price is nobody's history");
    const secondPurchase = await buy(ctx, second);

    const firstHistory = await ctx.call('GET', HISTORY, { key: first.key });
    assert.equal(firstHistory.status, 200);
    const request = (response: { headers: Record<string, unknown> }) => String(response.headers['x-request-id']);
    assert.deepEqual(
      firstHistory.body.results.map((e: Record<string, unknown>) => [e.kind, e.actor, e.request_id]),
      [
        ['released', firstActor, request(released)],
        ['price_changed', 'operator', request(repriced)],
        ['description_changed', firstActor, request(moved)],
        ['ipnd_changed', firstActor, request(moved)],
        ['routing_changed', firstActor, request(routed)],
        ['purchased', firstActor, purchase.requestId],
      ],
      "the first owner's own events, newest first; the update that changed nothing recorded nothing, and nothing of the second owner's",
    );
    const [release, price, description, ipnd, routing, bought] = firstHistory.body.results;
    assert.deepEqual(price.details, { changes: { monthly_cost: { before: 10, after: 12.5 } } }, 'in dollars, as everywhere');
    assert.deepEqual(routing.details, {
      changes: { primary_route: { before: 'device', after: 'voicemail' }, primary_destination: { before: '1000000', after: '2000' } },
    });
    assert.deepEqual(ipnd.details, { changes: { address_id: { before: first.addressId, after: newAddress } } });
    assert.deepEqual(description.details, { changes: { description: { before: 'Main office line', after: 'Reception' } } });
    assert.deepEqual(bought.details, {
      order_id: purchase.orderId,
      amount: 15,
      configuration: { primary_route: 'device', primary_destination: '1000000', address_id: first.addressId, person_id: first.personId, description: 'Main office line' },
    });
    assert.equal(release.details.quarantine_until, null);
    assert.match(release.details.release_id, /^rel_/);
    assert.equal(firstHistory.body.next_cursor, null);

    const secondHistory = await ctx.call('GET', HISTORY, { key: second.key });
    assert.deepEqual(
      secondHistory.body.results.map((e: Record<string, unknown>) => [e.kind, e.actor, e.request_id, (e.details as { order_id: string }).order_id]),
      [['purchased', secondActor, secondPurchase.requestId, secondPurchase.orderId]],
      'the new owner sees nothing of the previous one',
    );

    const strangers = await ctx.call('GET', HISTORY, { key: stranger.key });
    assert.deepEqual([strangers.status, strangers.body.code], [404, 'number_not_found']);
    const invalid = await ctx.call('GET', '/api/v1/phone-numbers/12/history', { key: first.key });
    assert.deepEqual([invalid.status, invalid.body.code], [400, 'invalid_number']);

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { limit: '2', ...(cursor ? { cursor } : {}) };
      const page = await ctx.call('GET', HISTORY, { key: first.key, query });
      assert.equal(page.status, 200);
      pages.push(...page.body.results.map((e: { event_id: string }) => e.event_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.deepEqual(pages, firstHistory.body.results.map((e: { event_id: string }) => e.event_id), 'paging walks the same events');

    const everything = await ctx.admin('GET', `/numbers/${NUMBER}/history`);
    assert.equal(everything.status, 200);
    assert.deepEqual(
      everything.body.results.map((e: Record<string, unknown>) => [e.kind, e.account_id]),
      [
        ['purchased', second.accountId],
        ['released', first.accountId],
        ['price_changed', first.accountId],
        ['description_changed', first.accountId],
        ['ipnd_changed', first.accountId],
        ['routing_changed', first.accountId],
        ['purchased', first.accountId],
      ],
      'the operator sees every owner',
    );
    const unknown = await ctx.admin('GET', '/numbers/61299990000/history');
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'number_not_found']);
  });

  it('records nothing for a change that is refused or not made', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const owner = await ctx.createAccount();
    const other = await ctx.createAccount();
    await ctx.seedNumbers([NUMBER]);
    await buy(ctx, owner);
    assert.equal(await eventCount(ctx), 1);

    const refused = await patch(ctx, owner, { primary_route: 'device', primary_destination: '9999999' });
    assert.equal(refused.status, 400, 'a destination the account does not have');
    const notYours = await patch(ctx, other, { description: 'Mine now' });
    assert.equal(notYours.status, 404);
    const foreignAddress = await patch(ctx, owner, { description: 'New', address_id: other.addressId });
    assert.equal(foreignAddress.status, 400, "another account's address: the whole update is refused");
    const releasedByOther = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: other.key, body: { did_number: NUMBER } });
    assert.equal(releasedByOther.status, 404);
    assert.equal(await eventCount(ctx), 1, 'no refused change left an event');
    const number = await ctx.db.selectFrom('phone_number').select(['description', 'address_id']).where('did_number', '=', NUMBER).executeTakeFirstOrThrow();
    assert.deepEqual(number, { description: 'Main office line', address_id: owner.addressId });
  });

  it('makes no change when its event cannot be written: both are one transaction', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const owner = await ctx.createAccount();
    await ctx.seedNumbers([NUMBER]);
    await buy(ctx, owner);
    await ctx.db.schema.alterTable('number_event').renameTo('number_event_away').execute();
    try {
      const failed = await patch(ctx, owner, { description: 'Never saved' });
      assert.equal(failed.status, 500);
    } finally {
      await ctx.db.schema.alterTable('number_event_away').renameTo('number_event').execute();
    }
    const number = await ctx.db.selectFrom('phone_number').select('description').where('did_number', '=', NUMBER).executeTakeFirstOrThrow();
    assert.equal(number.description, 'Main office line', 'the update rolled back with its event');
    assert.equal(await eventCount(ctx), 1);
  });

  it("shows a purchase recovery completed as its buyer's, in the request that placed it", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount();
    await ctx.seedNumbers([NUMBER]);
    ctx.carrier.inject({ kind: 'error_after_provisioning' });
    const pending = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, NUMBER) });
    assert.equal(pending.body.code, 'upstream_pending');
    assert.equal(await eventCount(ctx), 0, 'a pending purchase has no event yet');
    const before = await ctx.call('GET', HISTORY, { key: buyer.key });
    assert.deepEqual([before.status, before.body.code], [404, 'number_not_found'], 'nor is the number the buyer’s yet');

    assert.deepEqual(await recoverOrders(ctx.deps), { completed: 1, failed: 0, unresolved: 0 });
    const history = await ctx.call('GET', HISTORY, { key: buyer.key });
    assert.deepEqual(
      history.body.results.map((e: Record<string, unknown>) => [e.kind, e.actor, e.request_id, (e.details as { order_id: string }).order_id]),
      [['purchased', `api_key:${await keyIdOf(ctx, buyer)}`, pending.body.request_id, pending.body.order_id]],
    );
  });

  it("records a purchase the carrier confirmed late as the buyer's own request, and a release recovery finished as the system's", async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 50 });
    const buyer = await ctx.createAccount();
    await ctx.seedNumbers([NUMBER]);
    ctx.carrier.inject({ kind: 'hang', ms: 200 });
    const pending = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, NUMBER) });
    assert.equal(pending.body.code, 'upstream_pending');
    await ctx.deps.tasks.drain();
    // A release whose process died after its first step: recovery finishes it.
    await openRelease(ctx.db, { id: newId('rel'), accountId: buyer.accountId, didNumber: NUMBER, at: new Date().toISOString() });
    assert.deepEqual(await recoverReleases(ctx.deps), { completed: 1, unresolved: 0 });

    const history = await ctx.call('GET', HISTORY, { key: buyer.key });
    assert.deepEqual(
      history.body.results.map((e: Record<string, unknown>) => [e.kind, e.actor, e.request_id]),
      [
        ['released', 'system', null],
        ['purchased', `api_key:${await keyIdOf(ctx, buyer)}`, String(pending.headers['x-request-id'])],
      ],
      'the number is no longer the buyer’s, but its history in their hands still is',
    );
  });

  it('records a batch of events in the transaction it is given, all or none, each listed to its own owner', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const owners = [await ctx.createAccount(), await ctx.createAccount()];
    const at = '2026-12-29T00:00:00.000Z';
    const batch: NewNumberEvent[] = Array.from({ length: 2_500 }, (_, i) => ({
      kind: 'suspended',
      didNumber: `612912${String(Math.floor(i / 2)).padStart(5, '0')}`,
      accountId: owners[i % 2]!.accountId,
      source: SYSTEM_SOURCE,
      at,
      details: { order_id: `ord_${i}`, period: 1, amount_cents: 10_00 },
    }));
    const rolledBack = ctx.database.writeTransaction(async (trx) => {
      await recordNumberEvents(trx, batch);
      throw new Error('the run failed after recording');
    });
    await assert.rejects(rolledBack, /the run failed/);
    assert.equal((await ctx.db.selectFrom('number_event').select('id').execute()).length, 0, 'nothing of a rolled-back batch');

    await ctx.database.writeTransaction((trx) => recordNumberEvents(trx, batch));
    assert.equal((await ctx.db.selectFrom('number_event').select('id').execute()).length, 2_500);
    const first = await listNumberEvents(ctx.db, { didNumber: '61291200000', accountId: owners[0]!.accountId }, {});
    assert.deepEqual(
      first.rows.map((e) => [e.kind, e.account_id, e.actor, e.request_id, e.created_at, e.details]),
      [['suspended', owners[0]!.accountId, 'system', null, at, { order_id: 'ord_0', period: 1, amount_cents: 10_00 }]],
    );
    const both = await listNumberEvents(ctx.db, { didNumber: '61291200000' }, {});
    assert.deepEqual(both.rows.map((e) => e.details.order_id), ['ord_1', 'ord_0'], "the operator's view: every owner, newest first");
  });
});
