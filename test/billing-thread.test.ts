import assert from 'node:assert/strict';
import { it } from 'node:test';
import { periodStart } from '../server/src/domain/rental-period.js';
import { runBilling, type BillingReport } from '../server/src/services/run-billing.js';
import { createTestContext, processEnv, purchaseBody, TEST_ADMIN_KEY, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeOnDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';
import { startServer } from './helpers/server-process.js';

/** More than two batches (1,000 tenures each): the first is billed on the event loop, the rest on the billing thread. */
const TENURES = 2_150;
const MONTHLY = 3_00;

/** TENURES numbers bought by three accounts, the third of which can pay for none of its renewals. */
async function manyTenures(ctx: TestContextApi): Promise<{ payers: TestAccount[]; broke: TestAccount; dids: string[]; renewal: (period: number) => string }> {
  const dids = Array.from({ length: TENURES }, (_, i) => `6129${String(2_000_000 + i).padStart(7, '0')}`);
  await ctx.seedNumbers(dids.map((number) => ({ number, setup: 0, monthly: MONTHLY })));
  const payers = [await ctx.createAccount({ balance: 1_000 * MONTHLY * 3 }), await ctx.createAccount({ balance: 1_000 * MONTHLY * 3 })];
  const broke = await ctx.createAccount({ balance: 150 * MONTHLY });
  const owners = [...Array(1_000).fill(payers[0]), ...Array(1_000).fill(payers[1]), ...Array(150).fill(broke)] as TestAccount[];
  // Bought fifty at a time: together they share commits.
  for (let i = 0; i < dids.length; i += 50) {
    const answers = await Promise.all(
      dids.slice(i, i + 50).map((did, j) => ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: owners[i + j]!.key, body: purchaseBody(owners[i + j]!, did) })),
    );
    for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
  }
  const tenure = await ctx.db.selectFrom('rental').select('purchased_on').executeTakeFirstOrThrow();
  return { payers, broke, dids, renewal: (period) => `${periodStart(tenure.purchased_on, period)}T02:00:00.000Z` };
}

async function charged(ctx: TestContextApi): Promise<number> {
  return (await ctx.db.selectFrom('rental_charge').select('order_id').execute()).length;
}

async function balance(ctx: TestContextApi, account: TestAccount): Promise<number> {
  return Number((await ctx.db.selectFrom('account').select('balance_cents').where('id', '=', account.accountId).executeTakeFirstOrThrow()).balance_cents);
}

describeOnDatabase('a billing run of more than a batch on a SQLite file', 'sqlite', (dialect) => {
  it('bills the batches past the first on its thread as the event loop would: each period once, the unpaid suspended, purchases made meanwhile kept', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const { payers, broke, dids, renewal } = await manyTenures(ctx);
    assert.ok(ctx.database.threadWrites, 'a SQLite file offers its writer to a thread');
    const before = await Promise.all(payers.map((payer) => balance(ctx, payer)));

    // Purchases keep arriving while the thread writes: they wait their turn on the server's
    // connection, between the thread's batches, and none is lost or refused for a lock.
    await ctx.seedNumbers(['61299990001', '61299990002', '61299990003'].map((number) => ({ number, setup: 0, monthly: MONTHLY })));
    const moveTo = renewal(1);
    ctx.advanceClock(new Date(moveTo).getTime() - ctx.deps.clock().getTime());
    const run = runBilling(ctx.deps, { asOf: new Date(moveTo) });
    const during = await Promise.all(
      ['61299990001', '61299990002', '61299990003'].map((did) => ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: payers[0]!.key, body: purchaseBody(payers[0]!, did) })),
    );
    const report: BillingReport = await run;
    for (const answer of during) assert.equal(answer.status, 200, JSON.stringify(answer.body));

    assert.deepEqual([report.renewed, report.chargedCents, report.suspended, report.stillSuspended], [2_000, 2_000 * MONTHLY, 150, 150]);
    assert.equal(await charged(ctx), 2_000);
    assert.equal(await balance(ctx, payers[1]!), before[1]! - 1_000 * MONTHLY);
    assert.equal(await balance(ctx, payers[0]!), before[0]! - 1_000 * MONTHLY - 3 * MONTHLY, 'its renewals and the three purchases made during the run');
    const suspended = await ctx.db.selectFrom('rental').select('did_number').where('status', '=', 'suspended').where('account_id', '=', broke.accountId).execute();
    assert.equal(suspended.length, 150, 'the account that cannot pay has every tenure suspended');
    assert.equal(
      (await ctx.db.selectFrom('phone_number').select('did_number').where('suspended', '=', 1).execute()).length,
      150,
      "the numbers' flags follow their tenures",
    );
    const history = await ctx.call('GET', `/api/v1/phone-numbers/${dids[TENURES - 1]}/history`, { key: broke.key });
    assert.equal(history.status, 200);
    assert.ok(
      history.body.results.some((event: { kind: string }) => event.kind === 'suspended'),
      `the history of a number suspended on the thread says so: ${JSON.stringify(history.body.results.map((event: { kind: string }) => event.kind))}`,
    );

    const again = await runBilling(ctx.deps, { asOf: new Date(moveTo) });
    assert.deepEqual([again.renewed, again.suspended, again.stillSuspended], [0, 0, 150], 'a rerun charges nothing again');
    await assertInvariants(ctx.db, ctx.carrier);
  });

  it("killed as kill -9 would on its thread, before its batch commits: a run counted larger than a batch starts there, its batch is lost, and the next run charges each period once", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const { payers, renewal } = await manyTenures(ctx);
    const env = (crash?: string) => processEnv(ctx, crash);
    const post = (base: string) =>
      fetch(`${base}/admin/v1/billing/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ as_of: renewal(1) }),
      }).then((response) => response.status, () => 'connection lost');
    const paying = async () => (await balance(ctx, payers[0]!)) + (await balance(ctx, payers[1]!));
    const before = await paying();

    const doomed = await startServer([], env('before_billing_thread_commit'));
    const answered = await post(doomed.base);
    assert.ok(answered === 202 || answered === 'connection lost', String(answered));
    assert.equal(await doomed.exited, 'SIGKILL', 'the thread reached its commit and killed the process');
    assert.equal(await charged(ctx), 0, "the run counted more than a batch due and began on its thread, whose batch left nothing");
    assert.equal(await paying(), before);
    await assertInvariants(ctx.db, null);

    await ctx.db.updateTable('task_lease').set({ expires_at_ms: 0 }).where('name', '=', 'billing').execute();
    const healthy = await startServer([], env());
    t.after(() => healthy.stop());
    assert.equal(await post(healthy.base), 202);
    for (;;) {
      const run = await ctx.db.selectFrom('billing_run').select(['status', 'error']).orderBy('started_at', 'desc').executeTakeFirstOrThrow();
      if (run.status === 'completed') break;
      assert.ok(run.status === 'running', JSON.stringify(run));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(await charged(ctx), 2_000, 'the rest charged once; the broke account suspended');
    assert.equal(await paying(), before - 2_000 * MONTHLY);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
