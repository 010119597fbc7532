import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { periodStart } from '../server/src/domain/rental-period.js';
import type { ServiceDeps } from '../server/src/services/deps.js';
import { BILLING_LEASE, latestBillingRuns } from '../server/src/services/billing-run-queries.js';
import { scheduleBilling, startBillingRun } from '../server/src/services/billing-runs.js';
import { runBilling } from '../server/src/services/run-billing.js';
import { holdLease } from '../server/src/services/task-lease.js';
import { postRentalCharges } from '../server/src/store/billing-store.js';
import { createTestContext, purchaseBody, TEST_ADMIN_KEY, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';
import { startServer } from './helpers/server-process.js';

const NUMBER = '61291234567';
const OTHER = '61291234568';

/** Midday in Sydney on a calendar date. */
function middayOn(date: string): Date {
  return new Date(`${date}T02:00:00.000Z`);
}

/** Moves the services' clock to `instant`. */
function moveTo(ctx: TestContextApi, instant: Date): void {
  ctx.advanceClock(instant.getTime() - ctx.deps.clock().getTime());
}

async function buy(ctx: TestContextApi, account: TestAccount, did: string): Promise<void> {
  const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, did) });
  assert.equal(bought.status, 200, JSON.stringify(bought.body));
}

async function tenureOf(ctx: TestContextApi, did: string) {
  return ctx.db.selectFrom('rental').selectAll().where('did_number', '=', did).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
}

async function balanceOf(ctx: TestContextApi, account: TestAccount): Promise<number> {
  const row = await ctx.db.selectFrom('account').select('balance_cents').where('id', '=', account.accountId).executeTakeFirstOrThrow();
  return Number(row.balance_cents);
}

async function shown(ctx: TestContextApi, account: TestAccount, did: string) {
  const number = await ctx.call('GET', `/api/v1/phone-numbers/${did}`, { key: account.key });
  assert.equal(number.status, 200, JSON.stringify(number.body));
  return number.body;
}

describeEachDatabase('the billing run', (dialect) => {
  it('charges each number its month on the anniversary, once, whoever runs it: reruns and a second process at once charge nothing twice', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }, { number: OTHER, setup: 0, monthly: 7_00 }]);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await buy(ctx, buyer, NUMBER);
    await buy(ctx, buyer, OTHER);
    const tenure = await tenureOf(ctx, NUMBER);
    const renewal = periodStart(tenure.purchased_on, 1);
    assert.equal(tenure.next_due_on, renewal);

    const early = await runBilling(ctx.deps, { asOf: new Date(middayOn(renewal).getTime() - 86_400_000) });
    assert.equal(early.renewed, 0, 'nothing is due the day before the anniversary');
    const onTheDay = await runBilling(ctx.deps, { asOf: middayOn(renewal) });
    assert.deepEqual([onTheDay.renewed, onTheDay.chargedCents, onTheDay.suspended], [2, 17_00, 0]);
    assert.equal(await balanceOf(ctx, buyer), 100_00 - 2 * 17_00);
    const rental = await ctx.db.selectFrom('ledger_transaction').selectAll().where('type', '=', 'rental').where('order_id', '=', tenure.order_id).execute();
    assert.deepEqual(
      rental.map((row) => [Number(row.amount_cents), Number(row.gst_cents), row.description]),
      [[-10_00, -91, `Rental of ${NUMBER}, ${renewal} to ${periodStart(tenure.purchased_on, 2)}`]],
    );
    assert.equal((await runBilling(ctx.deps, { asOf: middayOn(renewal) })).renewed, 0, 'a rerun charges nothing');
    // The database itself refuses a period charged twice, whatever a run believes.
    const twice = { orderId: tenure.order_id, didNumber: NUMBER, accountId: buyer.accountId, period: 1, start: renewal, end: renewal, amountCents: 0, balanceAfterCents: 0 };
    await assert.rejects(
      ctx.database.writeTransaction((trx) => postRentalCharges(trx, [{ ...twice, transactionId: 'txn_twice' }], new Map(), renewal)),
      /unique|primary|duplicate/i,
    );

    // Three months later, two processes run at once: each period is charged by one of them. A
    // process of its own: a run lets requests in between its statements, so a second connection
    // on the same thread would wait for SQLite's lock on the thread the holder needs.
    const peer = await startServer([], {
      BILBY_DATABASE_URL: ctx.urls.database,
      BILBY_CARRIER_DATABASE_URL: ctx.urls.carrier,
      BILBY_ADMIN_KEY: TEST_ADMIN_KEY,
      BILBY_RATE_LIMIT_PER_MINUTE: '0',
      BILBY_BILLING_INTERVAL: 'off',
    });
    t.after(() => peer.stop());
    const later = middayOn(periodStart(tenure.purchased_on, 4));
    const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
    const peerRun = (async () => {
      const started = await fetch(`${peer.base}/admin/v1/billing/runs`, { method: 'POST', headers, body: JSON.stringify({ as_of: later.toISOString() }) });
      assert.equal(started.status, 202);
      let run = (await started.json()) as { id: string; status: string; renewed: number };
      while (run.status === 'running') {
        await sleep(20);
        run = (await (await fetch(`${peer.base}/admin/v1/billing/runs/${run.id}`, { headers })).json()) as typeof run;
      }
      return run;
    })();
    const [ours, theirs] = await Promise.all([runBilling(ctx.deps, { asOf: later }), peerRun]);
    assert.equal(theirs.status, 'completed', JSON.stringify(theirs));
    assert.equal(ours.renewed + theirs.renewed, 2 * 3, 'periods 2, 3 and 4 of each number, once');
    assert.equal(await balanceOf(ctx, buyer), 100_00 - 2 * 17_00 - 3 * 17_00);
    assert.equal(Number((await tenureOf(ctx, NUMBER)).next_period), 5);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('suspends a number its balance cannot renew (still the owner’s, routing kept), retries each run, reactivates it once paid, and releases it after the suspension days', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const buyer = await ctx.createAccount({ balance: 15_00 });
    await buy(ctx, buyer, NUMBER);
    const tenure = await tenureOf(ctx, NUMBER);
    const renewal = middayOn(periodStart(tenure.purchased_on, 1));

    moveTo(ctx, renewal);
    const first = await runBilling(ctx.deps);
    assert.deepEqual([first.renewed, first.suspended, first.stillSuspended], [0, 1, 1]);
    assert.equal(await balanceOf(ctx, buyer), 5_00, 'nothing is charged that the balance cannot cover');
    const suspended = await shown(ctx, buyer, NUMBER);
    assert.equal(suspended.status, 'suspended');
    assert.equal(suspended.primary_destination, '1000000', 'its routing is kept');
    ctx.advanceClock(86_400_000);
    const again = await runBilling(ctx.deps);
    assert.deepEqual([again.renewed, again.suspended, again.stillSuspended], [0, 0, 1], 'each run retries it');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });

    // A top-up, then the next run settles the arrears.
    await ctx.db.updateTable('account').set({ balance_cents: 20_00 }).where('id', '=', buyer.accountId).execute();
    await ctx.db.insertInto('ledger_transaction').values({
      id: 'txn_topup', account_id: buyer.accountId, type: 'credit', amount_cents: 15_00, balance_after_cents: 20_00, order_id: null,
      description: 'Top-up', created_at: renewal.toISOString(), gst_cents: 0,
    }).execute();
    await ctx.db.insertInto('ledger_entry').values([
      { transaction_id: 'txn_topup', ledger_account: buyer.accountId, amount_cents: 15_00 },
      { transaction_id: 'txn_topup', ledger_account: 'system:funding', amount_cents: -15_00 },
    ]).execute();
    ctx.advanceClock(86_400_000);
    const paid = await runBilling(ctx.deps);
    assert.deepEqual([paid.renewed, paid.reactivated, paid.stillSuspended], [1, 1, 0]);
    assert.equal((await shown(ctx, buyer, NUMBER)).status, 'active');
    assert.equal(await balanceOf(ctx, buyer), 10_00);
    const history = await ctx.call('GET', `/api/v1/phone-numbers/${NUMBER}/history`, { key: buyer.key });
    assert.equal(history.status, 200, JSON.stringify(history.body));
    assert.deepEqual(
      history.body.results.map((event: { kind: string; actor: string }) => [event.kind, event.actor]),
      [['reactivated', 'system'], ['renewed', 'system'], ['suspended', 'system'], ['purchased', `api_key:${history.body.results.at(-1).actor.slice(8)}`]],
      'the history tells the suspension, the renewal that settled it and the reactivation, newest first',
    );
    const paged: string[] = [];
    for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages++) {
      const query: string = cursor ? `?limit=1&cursor=${encodeURIComponent(cursor)}` : '?limit=1';
      const page = await ctx.call('GET', `/api/v1/phone-numbers/${NUMBER}/history${query}`, { key: buyer.key });
      paged.push(...page.body.results.map((event: { kind: string }) => event.kind));
      cursor = page.body.next_cursor;
    }
    assert.deepEqual(paged, ['reactivated', 'renewed', 'suspended', 'purchased'], 'a page at a time, the renewal read from its charge takes its place once');

    // The next month goes unpaid for longer than the suspension allows: the number is released.
    const second = middayOn(periodStart(tenure.purchased_on, 2));
    await ctx.db.updateTable('account').set({ balance_cents: 0 }).where('id', '=', buyer.accountId).execute();
    await ctx.db.insertInto('ledger_transaction').values({
      id: 'txn_out', account_id: buyer.accountId, type: 'adjustment', amount_cents: -10_00, balance_after_cents: 0, order_id: null,
      description: 'Refund by cheque', created_at: second.toISOString(), gst_cents: 0,
    }).execute();
    await ctx.db.insertInto('ledger_entry').values([
      { transaction_id: 'txn_out', ledger_account: buyer.accountId, amount_cents: -10_00 },
      { transaction_id: 'txn_out', ledger_account: 'system:funding', amount_cents: 10_00 },
    ]).execute();
    moveTo(ctx, second);
    assert.equal((await runBilling(ctx.deps)).suspended, 1);
    const days = ctx.deps.settings.billing.suspendDays;
    moveTo(ctx, new Date(second.getTime() + (days - 1) * 86_400_000));
    const notYet = await runBilling(ctx.deps);
    assert.equal(notYet.released, 0);
    ctx.advanceClock(86_400_000);
    const overdue = await runBilling(ctx.deps);
    assert.equal(overdue.released, 1);
    const number = await ctx.db.selectFrom('phone_number').selectAll().where('did_number', '=', NUMBER).executeTakeFirstOrThrow();
    assert.deepEqual([number.status, number.account_id, Number(number.suspended)], ['quarantine', null, 0]);
    assert.equal((await tenureOf(ctx, NUMBER)).status, 'ended');
    moveTo(ctx, middayOn(periodStart(tenure.purchased_on, 5)));
    const afterRelease = await runBilling(ctx.deps);
    assert.equal(afterRelease.renewed, 0, 'a released number is charged for no later period');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('releases a number at the end of its paid period when its owner asks: kept and routed until then, never renewed, released that day', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }, { number: OTHER, setup: 0, monthly: 10_00 }]);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await buy(ctx, buyer, NUMBER);
    await buy(ctx, buyer, OTHER);
    const tenure = await tenureOf(ctx, NUMBER);
    const endOfPaid = periodStart(tenure.purchased_on, 1);

    const asked = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: buyer.key, body: { did_number: NUMBER, at_period_end: true } });
    assert.equal(asked.status, 200, JSON.stringify(asked.body));
    assert.deepEqual([asked.body.did_number, asked.body.release_on], [NUMBER, endOfPaid]);
    const kept = await shown(ctx, buyer, NUMBER);
    assert.deepEqual([kept.status, kept.primary_destination], ['active', '1000000'], 'still the owner’s and routed until the period ends');
    assert.ok((await ctx.carrier.listProvisioned()).includes(NUMBER));
    const refused = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: (await ctx.createAccount()).key, body: { did_number: NUMBER, at_period_end: true } });
    assert.equal(refused.status, 404, 'another account cannot schedule it');

    moveTo(ctx, new Date(middayOn(endOfPaid).getTime() - 86_400_000));
    assert.equal((await runBilling(ctx.deps)).releasedAtPeriodEnd, 0, 'kept until its last paid day');
    moveTo(ctx, middayOn(endOfPaid));
    const run = await runBilling(ctx.deps);
    assert.deepEqual([run.renewed, run.releasedAtPeriodEnd], [1, 1], 'the other number renews; this one is released, not renewed');
    const number = await ctx.db.selectFrom('phone_number').selectAll().where('did_number', '=', NUMBER).executeTakeFirstOrThrow();
    assert.deepEqual([number.status, number.account_id], ['quarantine', null]);
    assert.ok(!(await ctx.carrier.listProvisioned()).includes(NUMBER), 'released at the carrier');
    assert.equal(await balanceOf(ctx, buyer), 100_00 - 2 * 10_00 - 10_00, 'only the other number was renewed');
    // A suspended number has no paid period left: at_period_end releases it now.
    const debit = await ctx.admin('POST', `/accounts/${buyer.accountId}/debits`, { body: { amount: 70, reason: 'Refund by cheque' } });
    assert.equal(debit.status, 201, JSON.stringify(debit.body));
    moveTo(ctx, middayOn(periodStart(tenure.purchased_on, 2)));
    assert.equal((await runBilling(ctx.deps)).suspended, 1);
    const now = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: buyer.key, body: { did_number: OTHER, at_period_end: true } });
    assert.equal(now.status, 200, JSON.stringify(now.body));
    assert.equal(now.body.release_on, undefined);
    assert.equal((await ctx.db.selectFrom('phone_number').select('status').where('did_number', '=', OTHER).executeTakeFirstOrThrow()).status, 'quarantine');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it("renews at the owner's plan price, and a plan changed later reprices from the next period, never one already paid", async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 5_00, monthly: 10_00 }]);
    // It follows its type's price: the plan's comes first.
    await ctx.db.updateTable('phone_number').set({ custom_price: 0 }).where('did_number', '=', NUMBER).execute();
    const buyer = await ctx.createAccount({ balance: 100_00 });
    const plan = await ctx.admin('POST', '/price-plans', { body: { name: 'Wholesale', prices: [{ number_type: 'geographic', setup_cost: 0, monthly_cost: 5 }] } });
    assert.equal(plan.status, 201, JSON.stringify(plan.body));
    assert.equal((await ctx.admin('PUT', `/accounts/${buyer.accountId}/price-plan`, { body: { price_plan_id: plan.body.id } })).status, 200);
    await buy(ctx, buyer, NUMBER);
    assert.equal(await balanceOf(ctx, buyer), 95_00, 'bought at the plan price');
    const tenure = await tenureOf(ctx, NUMBER);
    assert.equal((await runBilling(ctx.deps, { asOf: middayOn(periodStart(tenure.purchased_on, 1)) })).chargedCents, 5_00);
    const changed = await ctx.admin('PATCH', `/price-plans/${plan.body.id}`, { body: { prices: [{ number_type: 'geographic', setup_cost: 0, monthly_cost: 7 }] } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal((await runBilling(ctx.deps, { asOf: middayOn(periodStart(tenure.purchased_on, 1)) })).renewed, 0, 'the paid period is not charged again');
    assert.equal((await runBilling(ctx.deps, { asOf: middayOn(periodStart(tenure.purchased_on, 2)) })).chargedCents, 7_00);
    const charges = await ctx.db.selectFrom('rental_charge').select(['period', 'amount_cents']).orderBy('period').execute();
    assert.deepEqual(charges.map((row) => [Number(row.period), Number(row.amount_cents)]), [[1, 5_00], [2, 7_00]]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
  it('records each run as it goes: one at a time (409 billing_running), a shutdown stops it before its next batch as interrupted, and the schedule records its runs', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }, { number: OTHER, setup: 0, monthly: 7_00 }]);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await buy(ctx, buyer, NUMBER);
    await buy(ctx, buyer, OTHER);
    const tenure = await tenureOf(ctx, NUMBER);
    const asOf = (period: number) => middayOn(periodStart(tenure.purchased_on, period));

    const shuttingDown = new AbortController();
    shuttingDown.abort(new Error('the server is shutting down'));
    const stopped = await startBillingRun({ ...ctx.deps, stopping: shuttingDown.signal }, { asOf: asOf(1), startedBy: 'operator' });
    assert.equal(stopped.run.status, 'running');
    const interrupted = await stopped.finished;
    assert.deepEqual([interrupted.status, interrupted.renewed, interrupted.tenures_total], ['interrupted', 0, 2]);
    assert.match(interrupted.error ?? '', /^interrupted: the server shut down before it finished/);
    assert.equal((await ctx.db.selectFrom('rental_charge').select('order_id').execute()).length, 0, 'it stopped before its first batch');

    // While a run holds the lease (here one of another process, taken by hand), another is
    // refused. Two asked at once cannot show it: on PostgreSQL the second retries its conflicting
    // transaction, and a run of two tenures can be over by then.
    const elsewhere = await holdLease(ctx.deps, BILLING_LEASE, 'bil_another_process');
    assert.ok(elsewhere, 'the lease is free once the interrupted run let it go');
    await assert.rejects(startBillingRun(ctx.deps, { asOf: asOf(1), startedBy: 'operator' }), (error: { code?: string }) => error.code === 'billing_running');
    assert.equal((await ctx.db.selectFrom('billing_run').select('id').execute()).length, 1, 'the refused run is not recorded');
    await elsewhere.release();
    const running = await startBillingRun(ctx.deps, { asOf: asOf(1), startedBy: 'operator' });
    const completed = await running.finished;
    assert.deepEqual(
      [completed.status, completed.as_of, completed.tenures_total, completed.tenures_done, completed.renewed, Number(completed.charged_cents), completed.error],
      ['completed', periodStart(tenure.purchased_on, 1), 2, 2, 2, 17_00, null],
    );
    assert.ok(completed.finished_at);
    const stored = await ctx.db.selectFrom('billing_run').selectAll().where('id', '=', running.run.id).executeTakeFirstOrThrow();
    assert.deepEqual({ ...stored, charged_cents: Number(stored.charged_cents) }, { ...completed, charged_cents: 17_00 }, 'what the run returned is what it wrote');

    moveTo(ctx, asOf(2));
    const schedule = scheduleBilling(ctx.deps, 3_600_000);
    let latest = (await latestBillingRuns(ctx.deps, 1))[0]!;
    while (latest.id === running.run.id || latest.status === 'running') {
      await sleep(10);
      latest = (await latestBillingRuns(ctx.deps, 1))[0]!;
    }
    await schedule.stop();
    assert.deepEqual([latest.started_by, latest.status, latest.renewed], ['schedule', 'completed', 2]);
    assert.deepEqual((await latestBillingRuns(ctx.deps, 10)).map((run) => run.id), [latest.id, running.run.id, stopped.run.id], 'newest first');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
