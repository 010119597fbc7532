import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDatabase } from './helpers/databases.js';
import { SimulatedCarrierStore } from '../server/src/carriers/simulated/simulated-carrier-store.js';
import { recoverOrders } from '../server/src/services/recover-orders.js';
import { createTestContext, purchaseBody } from './helpers/context.js';
import { assertInvariants, snapshot } from './helpers/invariants.js';

const URL = '/api/v1/phone-numbers/purchase';

describeEachDatabase('purchase', (dialect) => {
  it('sells a number through the seed process and charges setup plus the first month exactly once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0400000000', setup: 8_00, monthly: 7_50 }, '0412345678']);

    const available = await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/', { key: buyer.key });
    assert.equal(available.status, 200);
    assert.ok(available.body.results.some((n: { did_number: string }) => n.did_number === '61400000000'));
    const addresses = await ctx.call('GET', '/api/v1/phone-numbers/addresses/', { key: buyer.key });
    const owners = await ctx.call('GET', '/api/v1/phone-numbers/owners/', { key: buyer.key });
    const destinations = await ctx.call('GET', '/api/v1/phone-numbers/destinations/', { key: buyer.key });
    assert.ok(destinations.body.results.some((d: { route: string; destination: string }) => d.route === 'device' && d.destination === '1000000'));

    const res = await ctx.call('POST', URL, {
      key: buyer.key,
      body: {
        did_number: '61400000000',
        address_id: addresses.body.results[0].id,
        person_id: owners.body.results[0].id,
        primary_route: 'device',
        primary_destination: '1000000',
        description: 'Main office line',
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.message, 'DID number successfully purchased');
    assert.match(res.body.order_id, /^ord_/);
    assert.equal(res.body.did_number, '61400000000');
    assert.equal(res.body.charged, 15.5);
    assert.equal(res.body.balance, 34.5);
    assert.equal(res.body.status, 'completed');

    const owned = await ctx.call('GET', '/api/v1/phone-numbers', { key: buyer.key });
    assert.deepEqual(owned.body.results.map((n: { did_number: string }) => n.did_number), ['61400000000']);
    assert.equal(owned.body.results[0].status, 'active');
    assert.equal(owned.body.results[0].primary_destination, '1000000');
    assert.equal(owned.body.results[0].order_id, res.body.order_id);
    const cli = await ctx.call('GET', '/api/v1/account/verified-cli/', { key: buyer.key });
    assert.deepEqual(cli.body.results, ['61400000000']);
    const after = await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/', { key: buyer.key });
    assert.ok(!after.body.results.some((n: { did_number: string }) => n.did_number === '61400000000'));
    const balance = await ctx.call('GET', '/api/v1/balance/', { key: buyer.key });
    assert.deepEqual({ balance: balance.body.balance, available: balance.body.available_balance }, { balance: 34.5, available: 34.5 });
    const order = await ctx.call('GET', `/api/v1/phone-numbers/orders/${res.body.order_id}`, { key: buyer.key });
    assert.equal(order.body.status, 'completed');
    assert.equal(order.body.amount, 15.5);
    const txns = await ctx.call('GET', '/api/v1/account/transactions/', { key: buyer.key });
    assert.deepEqual(
      txns.body.results.map((x: { type: string; amount: number; balance_after: number }) => [x.type, x.amount, x.balance_after]),
      [['purchase', -15.5, 34.5], ['credit', 50, 50]],
    );
    assert.equal(ctx.carrier.provisionCalls, 1);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it("provisions at the carrier with the buyer's account, IPND address and person and the number's routing", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers(['0291234567']);
    const res = await ctx.call('POST', URL, { key: buyer.key, body: purchaseBody(buyer, '0291234567', { primary_route: 'server', primary_destination: 'pbx.example.com' }) });
    assert.equal(res.status, 200);
    const order = await ctx.db.selectFrom('purchase_order').selectAll().executeTakeFirstOrThrow();
    const state = await ctx.carrier.lookup({ orderId: order.id, didNumber: '61291234567' });
    assert.deepEqual(state, { status: 'provisioned', reference: order.carrier_reference, routing: { route: 'server', destination: 'pbx.example.com' } });
    // The carrier's own books, read as another program would.
    const books = await SimulatedCarrierStore.open(ctx.urls.carrier.replace(/^file:/, ''));
    t.after(() => books.close());
    const row = await books.find('61291234567');
    assert.deepEqual(
      [row?.order_id, row?.account_id, row?.address_id, row?.person_id, row?.route, row?.destination],
      [order.id, buyer.accountId, buyer.addressId, buyer.personId, 'server', 'pbx.example.com'],
    );
  });

  it('accepts the number in national, spaced and +61 forms', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers(['0291234567', '0412345678', '1300123456']);
    for (const form of ['(02) 9123 4567', '+61 412 345 678', '1300-123-456']) {
      const res = await ctx.call('POST', URL, { key: buyer.key, body: purchaseBody(buyer, form) });
      assert.equal(res.status, 200, `${form}: ${JSON.stringify(res.body)}`);
    }
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('answers each failing check with its status and code, in the contract order, leaving nothing behind', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 10_00 });
    const other = await ctx.createAccount();
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }, { number: '0291234568', setup: 0, monthly: 5_00 }]);
    const good = purchaseBody(buyer, '0291234568');
    const cases: Array<[string, Record<string, unknown> | null, string | null, number, string]> = [
      ['no key', good, null, 401, 'unauthenticated'],
      ['wrong key', good, 'not-a-key-at-all-000000', 401, 'unauthenticated'],
      ['missing field', { ...good, address_id: undefined }, buyer.key, 400, 'invalid_request'],
      ['wrong type', { ...good, did_number: 61291234568 }, buyer.key, 400, 'invalid_request'],
      ['invalid number (and bad address)', { ...good, did_number: '12345', address_id: 'nope' }, buyer.key, 400, 'invalid_number'],
      ['malformed address', { ...good, address_id: 'nope' }, buyer.key, 400, 'invalid_address'],
      ["another account's address", { ...good, address_id: other.addressId }, buyer.key, 400, 'invalid_address'],
      ['unknown person (and bad route)', { ...good, person_id: other.personId, primary_route: 'teleport' }, buyer.key, 400, 'invalid_person'],
      ['unknown route type', { ...good, primary_route: 'teleport' }, buyer.key, 400, 'invalid_route'],
      ['missing destination', { ...good, primary_destination: null }, buyer.key, 400, 'invalid_route'],
      ['foreign destination', { ...good, primary_destination: '7777777' }, buyer.key, 400, 'invalid_route'],
      ['number not in inventory (and too dear)', { ...good, did_number: '0299999999' }, buyer.key, 404, 'number_unavailable'],
      ['insufficient funds', { ...good, did_number: '0291234567' }, buyer.key, 400, 'insufficient_funds'],
    ];
    const before = await snapshot(ctx.db);
    for (const [name, body, key, status, code] of cases) {
      const res = await ctx.call('POST', URL, { key, body });
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, name);
      assert.equal(typeof res.body.detail, 'string', name);
      assert.match(res.body.request_id, /^req_/, name);
    }
    assert.deepEqual(await snapshot(ctx.db), before, 'rejected purchases changed nothing');
    assert.equal(ctx.carrier.provisionCalls, 0);
  });

  it('answers number_unavailable for a sold number with up to five alternatives of the same area code first', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const first = await ctx.createAccount();
    const second = await ctx.createAccount();
    await ctx.seedNumbers(['0291234567', '0291234568', '0291234569', '0391234567', '0412345678', '0298765432', '0291111111', '0292222222']);
    assert.equal((await ctx.call('POST', URL, { key: first.key, body: purchaseBody(first, '0291234567') })).status, 200);
    const res = await ctx.call('POST', URL, { key: second.key, body: purchaseBody(second, '0291234567') });
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'number_unavailable');
    assert.equal(res.body.alternatives.length, 5);
    assert.ok(res.body.alternatives.every((a: { area_code: string; number_type: string }) => a.area_code === '02' && a.number_type === 'geographic'));
    assert.ok(!res.body.alternatives.some((a: { did_number: string }) => a.did_number === '61291234567'));
    const balance = await ctx.call('GET', '/api/v1/balance/', { key: second.key });
    assert.equal(balance.body.balance, 100);
  });

  it('quotes with dry_run and charges nothing', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 20_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 2_50, monthly: 4_00 }]);
    const before = await snapshot(ctx.db);
    const res = await ctx.call('POST', `${URL}?dry_run=true`, { key: buyer.key, body: purchaseBody(buyer, '0291234567') });
    assert.equal(res.status, 200);
    assert.deepEqual(
      { charged: res.body.charged, balance: res.body.balance, after: res.body.balance_after },
      { charged: 6.5, balance: 20, after: 13.5 },
    );
    assert.deepEqual(await snapshot(ctx.db), before);
  });

  it('reads dry_run=1 as true and dry_run=0 as false, and refuses any other value', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 2_50, monthly: 4_00 }, { number: '0291234568', setup: 1_00, monthly: 2_00 }]);
    const before = await snapshot(ctx.db);
    for (const dryRun of ['1', 'true']) {
      const quote = await ctx.call('POST', `${URL}?dry_run=${dryRun}`, { key: buyer.key, body: purchaseBody(buyer, '0291234567') });
      assert.equal(quote.status, 200, `dry_run=${dryRun}`);
      assert.deepEqual([quote.body.message, quote.body.balance_after], ['DID number can be purchased', 43.5], `dry_run=${dryRun}`);
    }
    const refused = await ctx.call('POST', `${URL}?dry_run=yes`, { key: buyer.key, body: purchaseBody(buyer, '0291234567') });
    assert.deepEqual([refused.status, refused.body.code, refused.body.errors?.[0]?.field], [400, 'invalid_request', 'dry_run']);
    assert.deepEqual(await snapshot(ctx.db), before, 'neither dry run nor the refusal changed anything');

    const bought = await ctx.call('POST', `${URL}?dry_run=0`, { key: buyer.key, body: purchaseBody(buyer, '0291234567') });
    assert.deepEqual([bought.status, bought.body.status, bought.body.charged], [200, 'completed', 6.5]);
    const alsoBought = await ctx.call('POST', `${URL}?dry_run=false`, { key: buyer.key, body: purchaseBody(buyer, '0291234568') });
    assert.deepEqual([alsoBought.status, alsoBought.body.status, alsoBought.body.balance], [200, 'completed', 40.5]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('ignores price, account_id and status fields and names them in Bilby-Ignored-Fields', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    const victim = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }]);
    const res = await ctx.call('POST', URL, {
      key: buyer.key,
      body: purchaseBody(buyer, '0291234567', { price: 0, account_id: victim.accountId, status: 'completed', charged: 0 }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['bilby-ignored-fields'], 'price, account_id, status, charged');
    assert.equal(res.body.charged, 15);
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: buyer.key })).body.balance, 35);
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: victim.key })).body.balance, 50);
  });

  it('voids the hold and restocks the number when the carrier refuses', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers(['0291234567']);
    ctx.carrier.inject({ kind: 'fail' });
    const res = await ctx.call('POST', URL, { key: buyer.key, body: purchaseBody(buyer, '0291234567') });
    assert.equal(res.status, 500);
    assert.equal(res.body.code, 'upstream_error');
    assert.equal(res.body.retryable, true);
    const order = await ctx.call('GET', `/api/v1/phone-numbers/orders/${res.body.order_id}`, { key: buyer.key });
    assert.equal(order.body.status, 'failed');
    assert.equal(order.body.failure_code, 'upstream_error');
    const balance = await ctx.call('GET', '/api/v1/balance/', { key: buyer.key });
    assert.deepEqual([balance.body.balance, balance.body.available_balance], [50, 50]);
    assert.equal((await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/61291234567', { key: buyer.key })).status, 200);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });

    const retry = await ctx.call('POST', URL, { key: buyer.key, body: purchaseBody(buyer, '0291234567') });
    assert.equal(retry.status, 200);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('answers upstream_pending on a carrier timeout, holds the funds, and settles when the carrier answers late', async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 50 });
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }]);
    ctx.carrier.inject({ kind: 'hang', ms: 300 });
    const res = await ctx.call('POST', URL, { key: buyer.key, body: purchaseBody(buyer, '0291234567') });
    assert.equal(res.status, 500);
    assert.equal(res.body.code, 'upstream_pending');
    assert.match(res.body.order_id, /^ord_/);
    const pending = await ctx.call('GET', `/api/v1/phone-numbers/orders/${res.body.order_id}`, { key: buyer.key });
    assert.equal(pending.body.status, 'pending');
    const held = await ctx.call('GET', '/api/v1/balance/', { key: buyer.key });
    assert.deepEqual([held.body.balance, held.body.available_balance], [50, 35]);
    const other = await ctx.createAccount();
    const blocked = await ctx.call('POST', URL, { key: other.key, body: purchaseBody(other, '0291234567') });
    assert.equal(blocked.status, 404, 'a number in an in-flight purchase is unavailable to others');
    await assertInvariants(ctx.db, ctx.carrier);

    await ctx.deps.tasks.drain();
    const done = await ctx.call('GET', `/api/v1/phone-numbers/orders/${res.body.order_id}`, { key: buyer.key });
    assert.equal(done.body.status, 'completed');
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: buyer.key })).body.balance, 35);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('leaves an order pending when the carrier provisions but the answer is lost, and recovery completes it', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }]);
    ctx.carrier.inject({ kind: 'error_after_provisioning' });
    const res = await ctx.call('POST', URL, { key: buyer.key, body: purchaseBody(buyer, '0291234567') });
    assert.equal(res.status, 500);
    assert.equal(res.body.code, 'upstream_pending');
    const report = await recoverOrders(ctx.deps);
    assert.deepEqual(report, { completed: 1, failed: 0, unresolved: 0 });
    const order = await ctx.call('GET', `/api/v1/phone-numbers/orders/${res.body.order_id}`, { key: buyer.key });
    assert.equal(order.body.status, 'completed');
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: buyer.key })).body.balance, 35);
    assert.deepEqual(await recoverOrders(ctx.deps), { completed: 0, failed: 0, unresolved: 0 }, 'recovery is idempotent');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('recovery fails and refunds a pending order the carrier never provisioned', async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 20, recoveryGraceMs: 0 });
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers(['0291234567']);
    // The carrier hangs past the timeout; recovery runs before it answers, as after a crash.
    ctx.carrier.inject({ kind: 'hang', ms: 200 });
    const res = await ctx.call('POST', URL, { key: buyer.key, body: purchaseBody(buyer, '0291234567') });
    assert.equal(res.body.code, 'upstream_pending');
    assert.deepEqual(await recoverOrders(ctx.deps), { completed: 0, failed: 1, unresolved: 0 });
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: buyer.key })).body.available_balance, 100 - 50);
    // The carrier's late success is compensated by releasing the number upstream.
    await ctx.deps.tasks.drain();
    const order = await ctx.call('GET', `/api/v1/phone-numbers/orders/${res.body.order_id}`, { key: buyer.key });
    assert.equal(order.body.status, 'failed');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('sells a number to exactly one of many concurrent buyers', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers(['0291234567']);
    const buyers = await Promise.all(Array.from({ length: 16 }, () => ctx.createAccount({ balance: 50_00 })));
    const results = await Promise.all(
      buyers.map((b) => ctx.call('POST', URL, { key: b.key, body: purchaseBody(b, '0291234567') })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, ...Array(15).fill(404)]);
    const winners = buyers.filter((_, i) => results[i]!.status === 200);
    for (const b of buyers) {
      const balance = (await ctx.call('GET', '/api/v1/balance/', { key: b.key })).body.balance;
      assert.equal(balance, winners.includes(b) ? 35 : 50);
    }
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('lets an account funded for exactly five purchases make exactly five of twenty concurrent ones', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const numbers = Array.from({ length: 20 }, (_, i) => ({ number: `029123${String(4500 + i)}`, setup: 4_00, monthly: 6_00 }));
    await ctx.seedNumbers(numbers);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    const results = await Promise.all(
      numbers.map((n) => ctx.call('POST', URL, { key: buyer.key, body: purchaseBody(buyer, n.number) })),
    );
    const codes = results.map((r) => (r.status === 200 ? 'ok' : r.body.code));
    assert.equal(codes.filter((c) => c === 'ok').length, 5);
    assert.equal(codes.filter((c) => c === 'insufficient_funds').length, 15);
    const balance = await ctx.call('GET', '/api/v1/balance/', { key: buyer.key });
    assert.deepEqual([balance.body.balance, balance.body.available_balance], [0, 0]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
