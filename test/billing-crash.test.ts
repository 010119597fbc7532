import assert from 'node:assert/strict';
import { it } from 'node:test';
import { periodStart } from '../server/src/domain/rental-period.js';
import { createTestContext, purchaseBody, TEST_ADMIN_KEY, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';

const NUMBERS = ['61291234561', '61291234562', '61291234563'];

async function runBilling(server: ServerProcess, asOf: string): Promise<{ status: number; body: any } | 'connection lost'> {
  try {
    const response = await fetch(`${server.base}/admin/v1/billing/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ as_of: asOf }),
    });
    return { status: response.status, body: await response.json() };
  } catch {
    return 'connection lost';
  }
}

/** The minute a dead holder's lease takes to run out, passed: the next run may start. */
async function leaseRunsOut(ctx: TestContextApi): Promise<void> {
  const lease = await ctx.db.selectFrom('task_lease').select('expires_at_ms').where('name', '=', 'billing').executeTakeFirst();
  assert.ok(lease, 'the killed run held the billing lease');
  await ctx.db.updateTable('task_lease').set({ expires_at_ms: 0 }).where('name', '=', 'billing').execute();
}

async function charged(ctx: TestContextApi): Promise<number> {
  return (await ctx.db.selectFrom('rental_charge').select('order_id').execute()).length;
}

describeEachDatabase('a billing run killed as kill -9 would', (dialect) => {
  it('loses the batch it was writing and keeps the ones it committed: the next run charges each period once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers(NUMBERS.map((number) => ({ number, setup: 0, monthly: 10_00 })));
    const buyer = await ctx.createAccount({ balance: 100_00 });
    for (const did of NUMBERS) {
      assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, did) })).status, 200);
    }
    const tenure = await ctx.db.selectFrom('rental').select('purchased_on').executeTakeFirstOrThrow();
    const env = (crash?: string): Record<string, string> => ({
      BILBY_DATABASE_URL: ctx.urls.database,
      BILBY_CARRIER_DATABASE_URL: ctx.urls.carrier,
      BILBY_ADMIN_KEY: TEST_ADMIN_KEY,
      BILBY_RATE_LIMIT_PER_MINUTE: '0',
      BILBY_BILLING_INTERVAL: 'off',
      ...(crash ? { BILBY_CRASH_POINT: crash } : {}),
    });
    const asOf = (period: number) => `${periodStart(tenure.purchased_on, period)}T02:00:00.000Z`;
    const balance = async () => Number((await ctx.db.selectFrom('account').select('balance_cents').where('id', '=', buyer.accountId).executeTakeFirstOrThrow()).balance_cents);

    // Killed with a batch's charges written and not committed: none of them happened.
    const writing = await startServer([], env('before_billing_commit'));
    assert.equal(await runBilling(writing, asOf(1)), 'connection lost');
    assert.equal(await writing.exited, 'SIGKILL');
    assert.deepEqual([await charged(ctx), await balance()], [0, 70_00]);
    await assertInvariants(ctx.db, null);
    await leaseRunsOut(ctx);

    // Killed once its batch committed: the batch stands, and a rerun charges nothing again.
    const committed = await startServer([], env('after_billing_batch'));
    assert.equal(await runBilling(committed, asOf(1)), 'connection lost');
    assert.equal(await committed.exited, 'SIGKILL');
    assert.deepEqual([await charged(ctx), await balance()], [3, 40_00]);
    await leaseRunsOut(ctx);

    const healthy = await startServer([], env());
    t.after(() => healthy.stop());
    const rerun = await runBilling(healthy, asOf(1));
    if (rerun === 'connection lost') assert.fail('the healthy server answers');
    assert.deepEqual([rerun.status, rerun.body.renewed], [200, 0], 'the committed batch is not charged again');
    const next = await runBilling(healthy, asOf(2));
    if (next === 'connection lost') assert.fail('the healthy server answers');
    assert.deepEqual([next.body.renewed, next.body.charged], [3, 30]);
    assert.deepEqual([await charged(ctx), await balance()], [6, 10_00]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
