import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newId } from '../server/src/domain/ids.js';
import { LEDGER_REVENUE } from '../server/src/domain/order.js';
import { calendarDateOf } from '../server/src/domain/rental-period.js';
import { postLedgerTransaction } from '../server/src/store/ledger-store.js';
import { createTestContext, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';

const DAY_MS = 86_400_000;

function dayFrom(today: string, days: number): string {
  return new Date(Date.parse(`${today}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

async function buy(ctx: TestContextApi, account: TestAccount, didNumber: string): Promise<string> {
  const res = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, didNumber) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.order_id;
}

describeEachDatabase('operator API: billing report', (dialect) => {
  it('reports revenue net of refunds with its GST, numbers by status, renewals due and the accounts that cannot pay them', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const rich = await ctx.createAccount({ balance: 100_00 });
    const poor = await ctx.createAccount({ balance: 20_00 });
    await ctx.seedNumbers([
      { number: '61291230001', setup: 5_00, monthly: 10_00 },
      { number: '61291230002', setup: 5_00, monthly: 10_00 },
      { number: '61291230003' },
      { number: '61291230004' },
      { number: '61291230005' },
      { number: '61412345678', setup: 0, monthly: 12_00 },
    ]);
    await ctx.db.updateTable('phone_number').set({ custom_price: 0 }).where('did_number', '=', '61291230002').execute();
    const richGeographic = await buy(ctx, rich, '61291230001');
    await buy(ctx, rich, '61412345678');
    const poorGeographic = await buy(ctx, poor, '61291230002');
    assert.equal((await ctx.admin('POST', '/inventory/withdraw', { body: { did_numbers: ['61291230004'] } })).status, 200);
    const at = ctx.deps.clock().toISOString();
    await ctx.db.updateTable('phone_number').set({ status: 'quarantine', quarantine_until: at }).where('did_number', '=', '61291230005').execute();

    const today = calendarDateOf(ctx.deps.clock(), ctx.deps.settings.billing.timeZone);
    // The first renewal of rich's geographic number, charged as the billing run charges it; its next one is beyond the 30 days.
    await ctx.deps.database.writeTransaction(async (trx) => {
      const txn = await postLedgerTransaction(trx, {
        id: newId('txn'), accountId: rich.accountId, type: 'rental', amountCents: -10_00, counterAccount: LEDGER_REVENUE,
        releasesHeldCents: 0, orderId: null, description: 'Rental 61291230001', at,
      });
      await trx.insertInto('rental_charge').values({
        order_id: richGeographic, period: 1, transaction_id: txn.id, period_start: today, period_end: dayFrom(today, 30), amount_cents: 10_00, charged_at: at,
      }).execute();
      await trx.updateTable('rental').set({ next_period: 2, next_due_on: dayFrom(today, 40) }).where('order_id', '=', richGeographic).execute();
      await postLedgerTransaction(trx, {
        id: newId('txn'), accountId: poor.accountId, type: 'refund', amountCents: 2_00, counterAccount: LEDGER_REVENUE,
        releasesHeldCents: 0, orderId: poorGeographic, description: 'Goodwill', at,
      });
    });
    // Rich's mobile renews in three days; poor's renewal is two days overdue and its number suspended.
    await ctx.db.updateTable('rental').set({ next_due_on: dayFrom(today, 3) }).where('did_number', '=', '61412345678').execute();
    await ctx.db.updateTable('rental').set({ next_due_on: dayFrom(today, -2), status: 'suspended', suspended_since: at }).where('order_id', '=', poorGeographic).execute();
    await ctx.db.updateTable('phone_number').set({ suspended: 1 }).where('did_number', '=', '61291230002').execute();
    // Poor is on a plan: its renewal costs the plan's price.
    const plan = await ctx.admin('POST', '/price-plans', { body: { name: 'Small', prices: [{ number_type: 'geographic', setup_cost: 5, monthly_cost: 9 }] } });
    assert.equal((await ctx.admin('PUT', `/accounts/${poor.accountId}/price-plan`, { body: { price_plan_id: plan.body.id } })).status, 200);

    const res = await ctx.admin('GET', '/reports/billing');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const report = res.body;
    const month = at.slice(0, 7);

    // GST as the ledger recorded it, signed as revenue.
    const gst = await ctx.db.selectFrom('ledger_transaction').select(['order_id', 'type', 'gst_cents']).where('type', 'in', ['purchase', 'rental', 'refund']).execute();
    const mobileOrder = (await ctx.db.selectFrom('purchase_order').select('id').where('did_number', '=', '61412345678').executeTakeFirstOrThrow()).id;
    const gstOf = (mobile: boolean) => -gst.filter((row) => (row.order_id === mobileOrder) === mobile).reduce((sum, row) => sum + Number(row.gst_cents), 0) / 100;
    assert.equal(report.as_of, today);
    assert.deepEqual(report.revenue.results, [
      { month, number_type: 'geographic', purchases: 30, rentals: 10, refunds: -2, revenue: 38, gst: gstOf(false) },
      { month, number_type: 'mobile', purchases: 12, rentals: 0, refunds: 0, revenue: 12, gst: gstOf(true) },
    ]);
    assert.deepEqual(report.revenue.totals, { purchases: 42, rentals: 10, refunds: -2, revenue: 50, gst: Math.round((gstOf(false) + gstOf(true)) * 100) / 100 });
    assert.ok(gstOf(false) > 0);

    assert.deepEqual(report.numbers, { available: 1, reserved: 0, active: 2, suspended: 1, quarantine: 1, withdrawn: 1, total: 6 });

    assert.deepEqual(report.renewals, {
      from: today,
      to: dayFrom(today, 29),
      overdue: { renewals: 1, amount: 9 },
      days: [{ date: dayFrom(today, 3), renewals: 1, amount: 12 }],
      totals: { renewals: 2, amount: 21 },
    });
    // Poor: 20 − 15 bought + 2 refunded = 7 available against 9 due.
    const poorRow = await ctx.db.selectFrom('account').select('account_code').where('id', '=', poor.accountId).executeTakeFirstOrThrow();
    assert.deepEqual(report.shortfalls, [
      { account_id: poor.accountId, account_code: poorRow.account_code, name: report.shortfalls[0]?.name, available_balance: 7, renewals: 1, due: 9, shortfall: 2 },
    ]);

    // Ended tenures are never due; the month range filters revenue.
    await ctx.db.updateTable('rental').set({ status: 'ended', suspended_since: null, ended_at: at }).where('order_id', '=', poorGeographic).execute();
    const after = (await ctx.admin('GET', '/reports/billing')).body;
    assert.deepEqual([after.renewals.totals, after.shortfalls], [{ renewals: 1, amount: 12 }, []]);
    const previous = (await ctx.admin('GET', '/reports/billing', { query: { from: '2020-01', to: '2020-02' } })).body;
    assert.deepEqual([previous.revenue.results, previous.revenue.totals.revenue], [[], 0]);
  });

  it('refuses months that are not YYYY-MM and ranges that end before they start', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const queries: Array<Record<string, string>> = [{ from: '2026-13' }, { to: 'May' }, { from: '2026-05', to: '2026-04' }, { from: '2000-01', to: '2010-01' }];
    for (const query of queries) {
      const res = await ctx.admin('GET', '/reports/billing', { query });
      assert.deepEqual([res.status, res.body.code], [400, 'invalid_request'], JSON.stringify(query));
    }
    const empty = await ctx.admin('GET', '/reports/billing');
    assert.deepEqual([empty.status, empty.body.numbers.total, empty.body.renewals.days, empty.body.shortfalls], [200, 0, [], []]);
  });
});
