import assert from 'node:assert/strict';
import { it } from 'node:test';
import { purgeExpiredIdempotencyKeys } from '../server/src/services/idempotency-keys.js';
import { recoverOrders } from '../server/src/services/recover-orders.js';
import { createTestContext, purchaseBody } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

const URL = '/api/v1/phone-numbers/purchase';

describeEachDatabase('idempotency keys', (dialect) => {
  it('replays a finished purchase byte for byte and never charges twice', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }]);
    const send = () =>
      ctx.app.inject({
        method: 'POST',
        url: URL,
        headers: { 'x-crazytel-api-key': buyer.key, 'idempotency-key': 'order-42' },
        payload: purchaseBody(buyer, '0291234567'),
      });
    const first = await send();
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    for (let i = 0; i < 3; i++) {
      const again = await send();
      assert.equal(again.statusCode, 200);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body, first.body, 'byte-identical replay');
    }
    assert.equal(ctx.carrier.provisionCalls, 1);
    assert.equal((await ctx.call('GET', '/api/v1/balance', { key: buyer.key })).body.balance, 35);
    assert.equal((await ctx.call('GET', '/api/v1/phone-numbers/orders', { key: buyer.key })).body.results.length, 1);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('ignores the body api_key and key order in the fingerprint', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount();
    const body = { city: 'Sydney', state: 'NSW', postcode: '2000' };
    const first = await ctx.call('POST', '/api/v1/account/address', { key: buyer.key, body, headers: { 'idempotency-key': 'addr-1' } });
    assert.equal(first.status, 201);
    const reordered = await ctx.call('POST', '/api/v1/account/address/', {
      body: { postcode: '2000', api_key: buyer.key, state: 'NSW', city: 'Sydney' },
      headers: { 'idempotency-key': 'addr-1' },
    });
    assert.equal(reordered.status, 201);
    assert.equal(reordered.headers['idempotent-replayed'], 'true');
    assert.equal(reordered.body.id, first.body.id);
    assert.equal((await ctx.call('GET', '/api/v1/phone-numbers/addresses', { key: buyer.key })).body.results.length, 2);
  });

  it('answers 422 for the same key with another body, 400 for a bad key, and scopes keys to the account', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    const other = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers(['0291234567', '0291234568']);
    const headers = { 'idempotency-key': 'k-1' };
    assert.equal((await ctx.call('POST', URL, { key: buyer.key, headers, body: purchaseBody(buyer, '0291234567') })).status, 200);
    const reused = await ctx.call('POST', URL, { key: buyer.key, headers, body: purchaseBody(buyer, '0291234568') });
    assert.deepEqual([reused.status, reused.body.code], [422, 'idempotency_key_reused']);
    const theirs = await ctx.call('POST', URL, { key: other.key, headers, body: purchaseBody(other, '0291234568') });
    assert.equal(theirs.status, 200, 'another account’s identical key is independent');
    assert.equal(theirs.headers['idempotent-replayed'], undefined);
    for (const key of ['x'.repeat(256), '']) {
      const bad = await ctx.call('POST', URL, { key: buyer.key, headers: { 'idempotency-key': key }, body: purchaseBody(buyer, '0291234568') });
      assert.deepEqual([bad.status, bad.body.code, bad.body.errors[0].field], [400, 'invalid_request', 'Idempotency-Key']);
    }
    assert.equal(ctx.carrier.provisionCalls, 2);
  });

  it('stores 4xx answers, but lets a retry after a clean carrier failure run again', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 5_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }, { number: '0291234568', setup: 0, monthly: 1_00 }]);
    const poor = await ctx.call('POST', URL, { key: buyer.key, headers: { 'idempotency-key': 'poor' }, body: purchaseBody(buyer, '0291234567') });
    assert.equal(poor.body.code, 'insufficient_funds');
    const replayed = await ctx.call('POST', URL, { key: buyer.key, headers: { 'idempotency-key': 'poor' }, body: purchaseBody(buyer, '0291234567') });
    assert.deepEqual([replayed.status, replayed.headers['idempotent-replayed'], replayed.body.code], [400, 'true', 'insufficient_funds']);

    ctx.carrier.inject({ kind: 'fail' });
    const failed = await ctx.call('POST', URL, { key: buyer.key, headers: { 'idempotency-key': 'retry-me' }, body: purchaseBody(buyer, '0291234568') });
    assert.equal(failed.body.code, 'upstream_error');
    const retried = await ctx.call('POST', URL, { key: buyer.key, headers: { 'idempotency-key': 'retry-me' }, body: purchaseBody(buyer, '0291234568') });
    assert.equal(retried.status, 200);
    assert.equal(retried.headers['idempotent-replayed'], undefined, 'it ran again');
    assert.equal((await ctx.call('GET', '/api/v1/balance', { key: buyer.key })).body.balance, 4);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('answers 409 while the first request runs and the settled outcome once an upstream_pending order completes', async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 300 });
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }, { number: '0291234568', setup: 5_00, monthly: 10_00 }]);
    const headers = { 'idempotency-key': 'slow' };
    ctx.carrier.inject({ kind: 'hang', ms: 150 });
    const slow = ctx.call('POST', URL, { key: buyer.key, headers, body: purchaseBody(buyer, '0291234568') });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const concurrent = await ctx.call('POST', URL, { key: buyer.key, headers, body: purchaseBody(buyer, '0291234568') });
    assert.deepEqual([concurrent.status, concurrent.body.code], [409, 'request_in_progress']);
    assert.equal((await slow).status, 200);

    // The carrier provisions but its answer is lost: the order stays pending until recovery asks.
    ctx.carrier.inject({ kind: 'error_after_provisioning' });
    const pendingHeaders = { 'idempotency-key': 'pending' };
    const first = await ctx.call('POST', URL, { key: buyer.key, headers: pendingHeaders, body: purchaseBody(buyer, '0291234567') });
    assert.equal(first.body.code, 'upstream_pending');
    const stillPending = await ctx.call('POST', URL, { key: buyer.key, headers: pendingHeaders, body: purchaseBody(buyer, '0291234567') });
    assert.deepEqual([stillPending.status, stillPending.body.code, stillPending.body.order_id], [500, 'upstream_pending', first.body.order_id]);

    assert.deepEqual(await recoverOrders(ctx.deps), { completed: 1, failed: 0, unresolved: 0 });
    const settled = await ctx.call('POST', URL, { key: buyer.key, headers: pendingHeaders, body: purchaseBody(buyer, '0291234567') });
    assert.equal(settled.status, 200);
    assert.equal(settled.body.order_id, first.body.order_id);
    assert.equal(settled.body.balance, 20);
    const again = await ctx.app.inject({
      method: 'POST',
      url: URL,
      headers: { 'x-crazytel-api-key': buyer.key, ...pendingHeaders },
      payload: purchaseBody(buyer, '0291234567'),
    });
    assert.equal(again.body, JSON.stringify(settled.body));
    assert.equal(ctx.carrier.provisionCalls, 2);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('forgets keys after 24 hours', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount();
    const body = { city: 'Sydney', state: 'NSW', postcode: '2000' };
    await ctx.call('POST', '/api/v1/account/address', { key: buyer.key, body, headers: { 'idempotency-key': 'old' } });
    ctx.advanceClock(23 * 3_600_000);
    assert.equal(await purgeExpiredIdempotencyKeys(ctx.deps), 0);
    ctx.advanceClock(3_600_000 + 1000);
    assert.equal(await purgeExpiredIdempotencyKeys(ctx.deps), 1);
    const fresh = await ctx.call('POST', '/api/v1/account/address', { key: buyer.key, body, headers: { 'idempotency-key': 'old' } });
    assert.equal(fresh.headers['idempotent-replayed'], undefined);
  });
});
