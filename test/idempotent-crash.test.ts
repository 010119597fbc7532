import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CrashPoint } from '../server/src/domain/crash-points.js';
import { createTestContext, purchaseBody, TEST_ADMIN_KEY, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';
import { startServer } from './helpers/server-process.js';

/**
 * The gap after a commit: a process that dies once a write under an Idempotency-Key has committed,
 * but before the key's answer is stored. A retry with the key must get the settled outcome of what
 * the first request did, however long after, and never run the write a second time.
 */
describeEachDatabase('idempotent writes killed after their commit', (dialect) => {
  function serverEnv(ctx: TestContextApi, extra: Record<string, string> = {}) {
    return {
      BILBY_DATABASE_URL: ctx.urls.database,
      BILBY_CARRIER_DATABASE_URL: ctx.urls.carrier,
      BILBY_RATE_LIMIT_PER_MINUTE: '0',
      BILBY_RECOVERY_GRACE_MS: '0',
      BILBY_ADMIN_KEY: TEST_ADMIN_KEY,
      ...extra,
    };
  }

  async function post(base: string, path: string, headers: Record<string, string>, body: unknown) {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text(), replayed: res.headers.get('idempotent-replayed') };
  }

  async function killedRequest(ctx: TestContextApi, point: CrashPoint, path: string, headers: Record<string, string>, body: unknown) {
    const doomed = await startServer([], serverEnv(ctx, { BILBY_CRASH_POINT: point }));
    const answer = await post(doomed.base, path, headers, body).then(
      (res) => res.status,
      () => 'connection lost',
    );
    assert.equal(answer, 'connection lost', 'the client never got an answer');
    assert.equal(await doomed.exited, 'SIGKILL');
  }

  /** As if the claim's lease had run out: the case where a retry may take a dead request's key over. */
  async function ageClaims(ctx: TestContextApi) {
    await ctx.db.updateTable('idempotency_record').set({ updated_at: '2000-01-01T00:00:00.000Z' }).execute();
  }

  for (const point of ['after_final_commit', 'before_idempotent_store'] as const) {
    for (const lease of ['within', 'after'] as const) {
      it(`a purchase killed ${point.replaceAll('_', ' ')} answers 200 for its order to a retry ${lease} the key's lease`, async (t) => {
        const ctx = await createTestContext(t, dialect);
        const buyer = await ctx.createAccount({ balance: 50_00 });
        await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }, '0291234568']);
        const headers = { 'x-crazytel-api-key': buyer.key, 'idempotency-key': 'buy-1' };
        const body = purchaseBody(buyer, '0291234567');
        await killedRequest(ctx, point, '/api/v1/phone-numbers/purchase', headers, body);
        const [order] = await ctx.db.selectFrom('purchase_order').selectAll().execute();
        assert.equal(order?.status, 'completed', 'the purchase committed before the crash');

        const restarted = await startServer([], serverEnv(ctx));
        t.after(() => restarted.stop());
        if (lease === 'after') await ageClaims(ctx);
        const retry = await post(restarted.base, '/api/v1/phone-numbers/purchase', headers, body);
        assert.equal(retry.status, 200, retry.text);
        const answer = JSON.parse(retry.text);
        assert.equal(answer.order_id, order!.id);
        assert.equal(answer.status, 'completed');
        assert.equal(answer.charged, 15);
        assert.equal(answer.balance, 35);
        const again = await post(restarted.base, '/api/v1/phone-numbers/purchase', headers, body);
        assert.deepEqual([again.status, again.text, again.replayed], [200, retry.text, 'true'], 'replays are byte-identical');

        assert.equal((await ctx.db.selectFrom('purchase_order').select('id').execute()).length, 1, 'one order for the key');
        const balance = await ctx.call('GET', '/api/v1/balance', { key: buyer.key });
        assert.deepEqual([balance.body.balance, balance.body.available_balance], [35, 35]);
        await assertInvariants(ctx.db, ctx.carrier, { settled: true });
      });
    }
  }

  it('a credit killed before its answer was stored answers 201 with its transaction, credited once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const account = await ctx.createAccount({ balance: 10_00 });
    const path = `/admin/v1/accounts/${account.accountId}/credits`;
    const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'idempotency-key': 'payment-77' };
    const body = { amount: 25, reason: 'Bank transfer 77' };
    await killedRequest(ctx, 'before_idempotent_store', path, headers, body);

    const restarted = await startServer([], serverEnv(ctx));
    t.after(() => restarted.stop());
    const soon = await post(restarted.base, path, headers, body);
    assert.equal(soon.status, 201, soon.text);
    await ageClaims(ctx);
    const late = await post(restarted.base, path, headers, body);
    assert.deepEqual([late.status, late.text], [201, soon.text]);
    const credits = await ctx.db.selectFrom('ledger_transaction').selectAll().where('account_id', '=', account.accountId).where('description', '=', 'Bank transfer 77').execute();
    assert.equal(credits.length, 1, 'credited once');
    assert.equal(JSON.parse(soon.text).transaction_id, credits[0]!.id);
    const balance = await ctx.call('GET', '/api/v1/balance', { key: account.key });
    assert.equal(balance.body.balance, 35);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('writes other than purchases and credits, killed before their answer was stored, are told what they did, never run twice', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers(['0291234567']);
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: owner.key, body: purchaseBody(owner, '0291234567') })).status, 200);
    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const customer = { 'x-crazytel-api-key': owner.key };
    const writes = [
      { name: 'an account with an opening credit', path: '/admin/v1/accounts', headers: admin, body: { name: 'Crash Pty Ltd', opening_credit: 100 } },
      { name: 'an address', path: '/api/v1/account/address', headers: customer, body: { city: 'Perth', state: 'WA', postcode: '6000' } },
      { name: 'a release', path: '/api/v1/phone-numbers', method: 'DELETE', headers: customer, body: { did_number: '0291234567' } },
    ];
    for (const [i, write] of writes.entries()) {
      const headers = { ...write.headers, 'idempotency-key': `other-${i}` };
      const doomed = await startServer([], serverEnv(ctx, { BILBY_CRASH_POINT: 'before_idempotent_store' }));
      const lost = await fetch(`${doomed.base}${write.path}`, {
        method: write.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(write.body),
      }).then(
        () => 'answered',
        () => 'connection lost',
      );
      assert.equal(lost, 'connection lost', write.name);
      await doomed.exited;
      await ageClaims(ctx);
      const restarted = await startServer([], serverEnv(ctx));
      const retry = await fetch(`${restarted.base}${write.path}`, {
        method: write.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(write.body),
      });
      const answer = (await retry.json()) as Record<string, unknown>;
      await restarted.stop();
      if (write.path === '/admin/v1/accounts') {
        assert.deepEqual([retry.status, answer.code], [409, 'already_exists'], `${write.name}: ${JSON.stringify(answer)}`);
        const accounts = await ctx.db.selectFrom('account').select(['id', 'balance_cents']).where('name', '=', 'Crash Pty Ltd').execute();
        assert.equal(accounts.length, 1, 'one account opened');
        assert.equal(Number(accounts[0]!.balance_cents), 100_00, 'one opening credit');
        assert.match(String(answer.detail), new RegExp(accounts[0]!.id));
      } else if (write.path === '/api/v1/account/address') {
        assert.equal(retry.status, 201, `${write.name}: ${JSON.stringify(answer)}`);
        const perth = await ctx.db.selectFrom('address').select('id').where('city', '=', 'Perth').execute();
        assert.deepEqual(perth.map((a) => a.id), [answer.id], 'one address, the one answered');
      } else {
        assert.deepEqual([retry.status, answer.did_number], [200, '61291234567'], `${write.name}: ${JSON.stringify(answer)}`);
      }
    }
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('a purchase killed after its reservation answers from its order: pending, then run again once it failed', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }]);
    const headers = { 'x-crazytel-api-key': buyer.key, 'idempotency-key': 'buy-2' };
    const body = purchaseBody(buyer, '0291234567');
    await killedRequest(ctx, 'after_reserve', '/api/v1/phone-numbers/purchase', headers, body);
    const [first] = await ctx.db.selectFrom('purchase_order').selectAll().execute();

    // Recovery waits for an hour-old order here, so the order stays pending.
    const patient = await startServer([], serverEnv(ctx, { BILBY_RECOVERY_GRACE_MS: '3600000' }));
    const busy = await post(patient.base, '/api/v1/phone-numbers/purchase', headers, body);
    assert.equal(busy.status, 409, 'within the lease the first request may still be running');
    await ageClaims(ctx);
    const pending = await post(patient.base, '/api/v1/phone-numbers/purchase', headers, body);
    assert.equal(pending.status, 500, pending.text);
    assert.deepEqual([JSON.parse(pending.text).code, JSON.parse(pending.text).order_id], ['upstream_pending', first!.id]);
    assert.equal((await ctx.db.selectFrom('purchase_order').select('id').execute()).length, 1, 'nothing bought again');
    await patient.stop();

    // Recovery finds the carrier never provisioned it: the order fails and a retry buys anew.
    const recovering = await startServer([], serverEnv(ctx));
    t.after(() => recovering.stop());
    const retry = await post(recovering.base, '/api/v1/phone-numbers/purchase', headers, body);
    assert.equal(retry.status, 200, retry.text);
    assert.notEqual(JSON.parse(retry.text).order_id, first!.id);
    const orders = await ctx.db.selectFrom('purchase_order').select(['id', 'status']).orderBy('created_at').execute();
    assert.deepEqual(orders.map((o) => o.status).sort(), ['completed', 'failed']);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
