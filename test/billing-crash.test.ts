import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { periodStart } from '../server/src/domain/rental-period.js';
import { createTestContext, processEnv, purchaseBody, TEST_ADMIN_KEY, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';

const NUMBERS = ['61291234561', '61291234562', '61291234563'];
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

/** POST /billing/runs: the run as started (202), or the connection lost when the process died first. */
async function startRun(server: ServerProcess, asOf: string, key?: string): Promise<{ status: number; body: any } | 'connection lost'> {
  try {
    const response = await fetch(`${server.base}/admin/v1/billing/runs`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify({ as_of: asOf }),
    });
    return { status: response.status, body: await response.json() };
  } catch {
    return 'connection lost';
  }
}

async function getRun(server: ServerProcess, id: string): Promise<any> {
  const response = await fetch(`${server.base}/admin/v1/billing/runs/${id}`, { headers: ADMIN });
  assert.equal(response.status, 200);
  return response.json();
}

/** Starts a run on a healthy server and follows it to its end. */
async function completedRun(server: ServerProcess, asOf: string, key?: string): Promise<any> {
  const started = await startRun(server, asOf, key);
  if (started === 'connection lost') assert.fail('the healthy server answers');
  assert.equal(started.status, 202, JSON.stringify(started.body));
  for (;;) {
    const run = await getRun(server, started.body.id);
    if (run.status !== 'running') {
      assert.equal(run.status, 'completed', JSON.stringify(run));
      return run;
    }
    await sleep(20);
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

async function runs(ctx: TestContextApi): Promise<Array<{ id: string; status: string }>> {
  return ctx.db.selectFrom('billing_run').select(['id', 'status']).orderBy('started_at').orderBy('id').execute();
}

/** Three $10 numbers bought by one account with $100, and how to reach a server process on its database. */
async function threeTenures(ctx: TestContextApi): Promise<{ buyer: TestAccount; asOf: (period: number) => string; env: (crash?: string) => Record<string, string> }> {
  await ctx.seedNumbers(NUMBERS.map((number) => ({ number, setup: 0, monthly: 10_00 })));
  const buyer = await ctx.createAccount({ balance: 100_00 });
  for (const did of NUMBERS) {
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, did) })).status, 200);
  }
  const tenure = await ctx.db.selectFrom('rental').select('purchased_on').executeTakeFirstOrThrow();
  const env = (crash?: string) => processEnv(ctx, crash);
  return { buyer, asOf: (period: number) => `${periodStart(tenure.purchased_on, period)}T02:00:00.000Z`, env };
}

describeEachDatabase('a billing run killed as kill -9 would', (dialect) => {
  it('loses the batch it was writing and keeps the ones it committed, shows as interrupted, and the next run charges each period once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const { buyer, asOf, env } = await threeTenures(ctx);
    const balance = async () => Number((await ctx.db.selectFrom('account').select('balance_cents').where('id', '=', buyer.accountId).executeTakeFirstOrThrow()).balance_cents);

    // Killed with a batch's charges written and not committed: none of them happened. The POST has
    // answered 202 by then, or the process died before its answer left.
    const writing = await startServer([], env('before_billing_commit'));
    const first = await startRun(writing, asOf(1));
    if (first !== 'connection lost') assert.deepEqual([first.status, first.body.status], [202, 'running']);
    assert.equal(await writing.exited, 'SIGKILL');
    assert.deepEqual([await charged(ctx), await balance()], [0, 70_00]);
    assert.deepEqual((await runs(ctx)).map((r) => r.status), ['running'], 'recorded before the crash, left running');
    await assertInvariants(ctx.db, null);
    await leaseRunsOut(ctx);

    // Killed once its batch committed: the batch stands, and a rerun charges nothing again.
    const committed = await startServer([], env('after_billing_batch'));
    const second = await startRun(committed, asOf(1));
    if (second !== 'connection lost') assert.equal(second.status, 202);
    assert.equal(await committed.exited, 'SIGKILL');
    assert.deepEqual([await charged(ctx), await balance()], [3, 40_00]);
    const [killedWriting, killedCommitted] = await runs(ctx);
    assert.deepEqual([killedWriting?.status, killedCommitted?.status], ['interrupted', 'running'], 'the second run found the first one abandoned');

    const healthy = await startServer([], env());
    t.after(() => healthy.stop());
    assert.equal((await getRun(healthy, killedCommitted!.id)).status, 'running', 'its lease has not run out: it may still be running');
    await leaseRunsOut(ctx);
    const shown = await getRun(healthy, killedCommitted!.id);
    assert.equal(shown.status, 'interrupted', 'its lease ran out: it is shown as interrupted');
    assert.match(shown.error, /^interrupted: /);
    assert.ok(shown.finished_at);

    const rerun = await completedRun(healthy, asOf(1));
    assert.equal(rerun.renewed, 0, 'the committed batch is not charged again');
    const next = await completedRun(healthy, asOf(2));
    assert.deepEqual([next.renewed, next.charged, next.tenures_total, next.tenures_done], [3, 30, 3, 3]);
    assert.deepEqual([await charged(ctx), await balance()], [6, 10_00]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('answers a retry of the POST with its Idempotency-Key with the same run after the process died past the commit: no second run, each period charged once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const { buyer, asOf, env } = await threeTenures(ctx);

    const doomed = await startServer([], env('before_idempotent_store'));
    assert.equal(await startRun(doomed, asOf(1), 'bill-1'), 'connection lost', 'the client never got its answer');
    assert.equal(await doomed.exited, 'SIGKILL');
    const [recorded, ...others] = await runs(ctx);
    assert.ok(recorded, 'the run was recorded before the crash');
    assert.deepEqual(others, []);

    const restarted = await startServer([], env());
    t.after(() => restarted.stop());
    const retry = await startRun(restarted, asOf(1), 'bill-1');
    if (retry === 'connection lost') assert.fail('the restarted server answers');
    assert.deepEqual([retry.status, retry.body.id], [202, recorded.id], 'the same run, not a second one');
    await leaseRunsOut(ctx);
    assert.equal((await getRun(restarted, recorded.id)).status, 'interrupted');
    const again = await startRun(restarted, asOf(1), 'bill-1');
    if (again === 'connection lost') assert.fail('the restarted server answers');
    assert.deepEqual([again.status, again.body.id], [202, recorded.id], 'still the same run once it shows as interrupted');
    assert.equal((await runs(ctx)).length, 1, 'the retries started no run');

    // What the killed run had charged before it died stands; the next run charges the rest, once.
    const next = await completedRun(restarted, asOf(1), 'bill-2');
    assert.notEqual(next.id, recorded.id);
    assert.equal(await charged(ctx), 3);
    const account = await ctx.db.selectFrom('account').select('balance_cents').where('id', '=', buyer.accountId).executeTakeFirstOrThrow();
    assert.equal(Number(account.balance_cents), 40_00, '$100 less the purchases and one renewal of each');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
