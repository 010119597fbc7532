import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Database } from '../server/src/store/database.js';
import { recoverOrders } from '../server/src/services/recover-orders.js';
import { createTestContext, purchaseBody } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

const PURCHASE = '/api/v1/phone-numbers/purchase';

/** Retries with one key that race each other: the record belongs to one request at a time. */
describeEachDatabase('retries of one key racing each other', (dialect) => {
  it('after a failed purchase, two retries at once on two processes end with one answer for the key, and it is the order', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const peer = await ctx.createPeerApp();
    t.after(async () => {
      await peer.app.close();
      await peer.database.close();
    });
    for (let round = 0; round < 30; round++) {
      const buyer = await ctx.createAccount({ balance: 500_00 });
      const did = `0291${String(100000 + round).padStart(6, '0')}`;
      await ctx.seedNumbers([{ number: did, setup: 5_00, monthly: 10_00 }]);
      const send = (app: typeof ctx.app) =>
        app.inject({
          method: 'POST',
          url: PURCHASE,
          headers: { 'x-crazytel-api-key': buyer.key, 'idempotency-key': `retry-${round}` },
          payload: purchaseBody(buyer, did),
        });
      ctx.carrier.inject({ kind: 'fail' });
      assert.equal((await send(ctx.app)).statusCode, 500, 'the first attempt fails at the carrier');
      const retries = await Promise.all([send(ctx.app), send(peer.app)]);
      await ctx.deps.tasks.drain();
      const definite = new Set(retries.filter((r) => r.statusCode !== 409).map((r) => r.statusCode));
      assert.ok(definite.size <= 1, `round ${round}: the retries answered ${retries.map((r) => `${r.statusCode} ${r.body}`).join(' and ')}`);

      const orders = await ctx.db.selectFrom('purchase_order').select(['id', 'status']).where('account_id', '=', buyer.accountId).execute();
      const completed = orders.filter((o) => o.status === 'completed');
      assert.ok(completed.length <= 1, `round ${round}: bought once at most`);
      const after = await send(ctx.app);
      if (completed.length === 1) {
        assert.equal(after.statusCode, 200, `round ${round}: the key answers the completed order (${after.body})`);
        assert.equal(after.json().order_id, completed[0]!.id);
      } else {
        assert.notEqual(after.statusCode, 409, `round ${round}: the key is not left in progress (${after.body})`);
      }
    }
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('tells apart requests that differ after a second ? in the query string', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers(['0291234567', '0291234568']);
    const headers = { 'x-crazytel-api-key': buyer.key, 'idempotency-key': 'q-1' };
    const payload = purchaseBody(buyer, '0291234567');
    const dry = await ctx.app.inject({ method: 'POST', url: `${PURCHASE}?x=?&dry_run=true`, headers, payload });
    assert.equal(dry.statusCode, 200);
    const real = await ctx.app.inject({ method: 'POST', url: `${PURCHASE}?x=?`, headers, payload });
    assert.deepEqual([real.statusCode, real.json().code], [422, 'idempotency_key_reused']);

    await ctx.call('POST', PURCHASE, { key: buyer.key, body: purchaseBody(buyer, '0291234568') });
    const release = { 'x-crazytel-api-key': buyer.key, 'idempotency-key': 'r-1' };
    const first = await ctx.app.inject({ method: 'DELETE', url: '/api/v1/phone-numbers?x=?&did_number=61291234567', headers: release });
    const other = await ctx.app.inject({ method: 'DELETE', url: '/api/v1/phone-numbers?x=?&did_number=61291234568', headers: release });
    assert.equal(first.statusCode, 404, 'the dry run bought nothing');
    assert.deepEqual([other.statusCode, other.json().code], [422, 'idempotency_key_reused']);
  });

  it("answers a retry in the contract's format when the purchase's final write failed", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }]);
    // A database that fails the completion's write once, after the carrier provisioned (a hiccup).
    const database = ctx.deps.database as { -readonly [K in keyof Database]: Database[K] };
    const method = dialect === 'postgres' ? 'writeStatement' : 'writeTransaction';
    const original = database[method].bind(database);
    let calls = 0;
    database[method] = ((fn: never, options: never) =>
      ++calls === (dialect === 'postgres' ? 1 : 2) ? Promise.reject(new Error('Connection terminated unexpectedly')) : original(fn, options)) as never;
    const send = () =>
      ctx.app.inject({
        method: 'POST',
        url: PURCHASE,
        headers: { 'x-crazytel-api-key': buyer.key, 'idempotency-key': 'k-err' },
        payload: purchaseBody(buyer, '0291234567'),
      });
    const first = await send();
    database[method] = original as never;
    assert.equal(first.statusCode, 500);
    const retry = await send();
    assert.equal(retry.statusCode, 500);
    assert.equal(typeof retry.json().code, 'string', `a contract error body: ${JSON.stringify(retry.body)}`);
    assert.equal((await recoverOrders(ctx.deps)).completed, 1);
    const settled = await send();
    assert.equal(settled.statusCode, 200, settled.body);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
