import assert from 'node:assert/strict';
import { it } from 'node:test';
import { renewalPrices } from '../server/src/store/price-plan-store.js';
import { createTestContext, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';

const LIST = '/api/v1/phone-numbers/available-numbers/';
const PURCHASE = '/api/v1/phone-numbers/purchase';

/** Seeded numbers have their own price; these follow their type's instead, as imported stock does. */
async function followTypePrice(ctx: TestContextApi, didNumbers: string[]): Promise<void> {
  await ctx.db.updateTable('phone_number').set({ custom_price: 0 }).where('did_number', 'in', didNumbers).execute();
}

async function listedPrices(ctx: TestContextApi, account: TestAccount, query: Record<string, string> = {}) {
  const res = await ctx.call('GET', LIST, { key: account.key, query });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return Object.fromEntries(res.body.results.map((n: { did_number: string; setup_cost: number; monthly_cost: number }) => [n.did_number, [n.setup_cost, n.monthly_cost]]));
}

async function createPlan(ctx: TestContextApi, body: unknown): Promise<string> {
  const res = await ctx.admin('POST', '/price-plans', { body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id;
}

async function putOnPlan(ctx: TestContextApi, account: TestAccount, planId: string | null) {
  const res = await ctx.admin('PUT', `/accounts/${account.accountId}/price-plan`, { body: { price_plan_id: planId } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.price_plan_id, planId);
}

describeEachDatabase('price plans', (dialect) => {
  it("shows and charges an account on a plan the plan's price, others the default, and a number's own price to both", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const onPlan = await ctx.createAccount({ balance: 100_00 });
    const onDefault = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([
      { number: '61291230001', setup: 5_00, monthly: 10_00 },
      { number: '61291230002', setup: 9_00, monthly: 9_00 },
      { number: '61412345678', setup: 0, monthly: 12_00 },
    ]);
    await followTypePrice(ctx, ['61291230001', '61412345678']);
    const planId = await createPlan(ctx, { name: 'Wholesale', prices: [{ number_type: 'geographic', setup_cost: 1, monthly_cost: 2 }] });
    await putOnPlan(ctx, onPlan, planId);

    assert.deepEqual(await listedPrices(ctx, onPlan), { '61291230001': [1, 2], '61291230002': [9, 9], '61412345678': [0, 12] });
    assert.deepEqual(await listedPrices(ctx, onDefault), { '61291230001': [5, 10], '61291230002': [9, 9], '61412345678': [0, 12] });
    // A price cap is on the caller's own prices.
    assert.deepEqual(await listedPrices(ctx, onPlan, { max_monthly_cost: '2' }), { '61291230001': [1, 2] });
    assert.deepEqual(await listedPrices(ctx, onDefault, { max_monthly_cost: '2' }), {});
    assert.deepEqual(Object.keys(await listedPrices(ctx, onPlan, { max_monthly_cost: '9' })), ['61291230001', '61291230002']);
    // A type the plan leaves out is capped at its default price.
    assert.deepEqual(await listedPrices(ctx, onPlan, { number_type: 'mobile', max_monthly_cost: '12' }), { '61412345678': [0, 12] });
    assert.deepEqual(await listedPrices(ctx, onPlan, { number_type: 'mobile', max_monthly_cost: '11.99' }), {});
    const one = await ctx.call('GET', `${LIST}61291230001`, { key: onPlan.key });
    assert.deepEqual([one.body.setup_cost, one.body.monthly_cost], [1, 2]);

    const quote = await ctx.call('POST', PURCHASE, { key: onPlan.key, query: { dry_run: 'true' }, body: purchaseBody(onPlan, '61291230001') });
    assert.deepEqual([quote.status, quote.body.charged, quote.body.balance_after], [200, 3, 97], JSON.stringify(quote.body));
    const bought = await ctx.call('POST', PURCHASE, { key: onPlan.key, body: purchaseBody(onPlan, '61291230001') });
    assert.deepEqual([bought.status, bought.body.charged, bought.body.balance], [200, 3, 97], JSON.stringify(bought.body));
    const own = await ctx.call('POST', PURCHASE, { key: onPlan.key, body: purchaseBody(onPlan, '61291230002') });
    assert.deepEqual([own.status, own.body.charged], [200, 18]);
    const mobile = await ctx.call('POST', PURCHASE, { key: onDefault.key, body: purchaseBody(onDefault, '61412345678') });
    assert.deepEqual([mobile.status, mobile.body.charged], [200, 12]);

    const orders = await ctx.db.selectFrom('purchase_order').select(['did_number', 'amount_cents', 'setup_cost_cents', 'monthly_cost_cents']).orderBy('did_number').execute();
    assert.deepEqual(
      orders.map((o) => [o.did_number, Number(o.amount_cents), Number(o.setup_cost_cents), Number(o.monthly_cost_cents)]),
      [
        ['61291230001', 3_00, 1_00, 2_00],
        ['61291230002', 18_00, 9_00, 9_00],
        ['61412345678', 12_00, 0, 12_00],
      ],
    );
    const balances = await ctx.db.selectFrom('account').select(['id', 'balance_cents', 'held_cents']).where('id', 'in', [onPlan.accountId, onDefault.accountId]).execute();
    const byId = Object.fromEntries(balances.map((a) => [a.id, [Number(a.balance_cents), Number(a.held_cents)]]));
    assert.deepEqual(byId[onPlan.accountId], [79_00, 0]);
    assert.deepEqual(byId[onDefault.accountId], [88_00, 0]);

    // A number already sold: the alternatives offered are at the asker's prices too.
    await ctx.seedNumbers([{ number: '61291230009', setup: 5_00, monthly: 10_00 }]);
    await followTypePrice(ctx, ['61291230009']);
    const alternativesOf = (body: { alternatives: Array<{ did_number: string; setup_cost: number; monthly_cost: number }> }) =>
      body.alternatives.map((n) => [n.did_number, n.setup_cost, n.monthly_cost]);
    const again = await ctx.call('POST', PURCHASE, { key: onPlan.key, body: purchaseBody(onPlan, '61291230001') });
    assert.deepEqual([again.status, again.body.code, alternativesOf(again.body)], [404, 'number_unavailable', [['61291230009', 1, 2]]]);
    const quoted = await ctx.call('POST', PURCHASE, { key: onPlan.key, query: { dry_run: 'true' }, body: purchaseBody(onPlan, '61291230001') });
    assert.deepEqual(alternativesOf(quoted.body), [['61291230009', 1, 2]]);
    const checked = await ctx.call('GET', `${LIST}61291230001`, { key: onPlan.key });
    assert.deepEqual([checked.status, alternativesOf(checked.body)], [404, [['61291230009', 1, 2]]]);
    const theirs = await ctx.call('POST', PURCHASE, { key: onDefault.key, body: purchaseBody(onDefault, '61291230001') });
    assert.deepEqual(alternativesOf(theirs.body), [['61291230009', 5, 10]]);
  });

  it("marks up an upstream number's cost by a markup plan, and leaves numbers without a cost at their default price", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([
      { number: '61291230001', carrier: 'crazytel', upstreamSetup: 1_00, upstreamMonthly: 5_00, setup: 1_95, monthly: 7_95 },
      { number: '61291230002', carrier: 'crazytel', upstreamSetup: 1_00, upstreamMonthly: 8_00, setup: 1_95, monthly: 9_95 },
      { number: '61291230005', setup: 3_00, monthly: 3_00 },
    ]);
    await followTypePrice(ctx, ['61291230005']);
    const planId = await createPlan(ctx, {
      name: 'Partners',
      prices: [{ number_type: 'geographic', markup_percent: 10, monthly_markup: 0.5, rounding: 'up_to_95_cents' }],
    });
    const plan = await ctx.admin('GET', `/price-plans/${planId}`);
    assert.deepEqual(plan.body.prices, [
      { number_type: 'geographic', basis: 'markup', setup_cost: null, monthly_cost: null, markup_percent: 10, setup_markup: 0, monthly_markup: 0.5, rounding: 'up_to_95_cents' },
    ]);
    await putOnPlan(ctx, buyer, planId);

    // Setup: 1.00 + 10% = 1.10, up to 1.95. Monthly: 5.00 + 10% + 0.50 = 6.00, up to 6.95; 8.00 → 9.30 → 9.95.
    assert.deepEqual(await listedPrices(ctx, buyer), { '61291230001': [1.95, 6.95], '61291230002': [1.95, 9.95], '61291230005': [3, 3] });
    assert.deepEqual(Object.keys(await listedPrices(ctx, buyer, { max_monthly_cost: '6.95' })), ['61291230001', '61291230005']);
    assert.deepEqual(Object.keys(await listedPrices(ctx, buyer, { max_monthly_cost: '6.94', number_type: 'geographic' })), ['61291230005']);
    const bought = await ctx.call('POST', PURCHASE, { key: buyer.key, body: purchaseBody(buyer, '61291230001') });
    assert.deepEqual([bought.status, bought.body.charged], [200, 8.9], JSON.stringify(bought.body));
  });

  it("renews each number at its owner's plan as it is when asked: a plan change reaches the next period, never one paid", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    const other = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([
      { number: '61291230001', setup: 5_00, monthly: 10_00 },
      { number: '61291230002', setup: 5_00, monthly: 9_00 },
      { number: '61291230003', setup: 5_00, monthly: 10_00 },
    ]);
    await followTypePrice(ctx, ['61291230001', '61291230003']);
    for (const [account, didNumber] of [[buyer, '61291230001'], [buyer, '61291230002'], [other, '61291230003']] as const) {
      assert.equal((await ctx.call('POST', PURCHASE, { key: account.key, body: purchaseBody(account, didNumber) })).status, 200);
    }
    const rentals = await ctx.db.selectFrom('rental').select(['did_number', 'account_id']).orderBy('did_number').execute();
    assert.equal(rentals.length, 3);
    const prices = async () => Object.fromEntries(await renewalPrices(ctx.db, rentals));
    assert.deepEqual(await prices(), { '61291230001': 10_00, '61291230002': 9_00, '61291230003': 10_00 });

    const planId = await createPlan(ctx, { name: 'Loyal', prices: [{ number_type: 'geographic', setup_cost: 0, monthly_cost: 4 }] });
    await putOnPlan(ctx, buyer, planId);
    assert.deepEqual(await prices(), { '61291230001': 4_00, '61291230002': 9_00, '61291230003': 10_00 });
    const patched = await ctx.admin('PATCH', `/price-plans/${planId}`, { body: { prices: [{ number_type: 'geographic', setup_cost: 0, monthly_cost: 3.5 }] } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(await prices(), { '61291230001': 3_50, '61291230002': 9_00, '61291230003': 10_00 });
    await putOnPlan(ctx, buyer, null);
    assert.deepEqual(await prices(), { '61291230001': 10_00, '61291230002': 9_00, '61291230003': 10_00 });

    // What was paid stays as it was: the first month's charge and the tenure's next period.
    const paid = await ctx.db.selectFrom('purchase_order').select(['did_number', 'monthly_cost_cents']).orderBy('did_number').execute();
    assert.deepEqual(paid.map((o) => Number(o.monthly_cost_cents)), [10_00, 9_00, 10_00]);
    const tenures = await ctx.db.selectFrom('rental').select('next_period').execute();
    assert.deepEqual(tenures.map((r) => r.next_period), [1, 1, 1]);
    assert.equal((await renewalPrices(ctx.db, [{ did_number: '61299999999', account_id: buyer.accountId }])).size, 0, 'unknown numbers are left out');
  });

  it("shows an owner's numbers at the price it pays, in the order renewals charge: its own, then its plan's, then the default", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([
      { number: '61291230001', setup: 5_00, monthly: 10_00 },
      { number: '61291230002', setup: 5_00, monthly: 9_00 },
      { number: '61412345678', setup: 0, monthly: 12_00 },
    ]);
    await followTypePrice(ctx, ['61291230001', '61412345678']);
    for (const didNumber of ['61291230001', '61291230002', '61412345678']) {
      assert.equal((await ctx.call('POST', PURCHASE, { key: buyer.key, body: purchaseBody(buyer, didNumber) })).status, 200);
    }
    const rentals = await ctx.db.selectFrom('rental').select(['did_number', 'account_id']).orderBy('did_number').execute();
    const owned = async () => {
      const res = await ctx.call('GET', '/api/v1/phone-numbers', { key: buyer.key });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return Object.fromEntries(res.body.results.map((n: { did_number: string; setup_cost: number; monthly_cost: number }) => [n.did_number, [n.setup_cost, n.monthly_cost]]));
    };
    assert.deepEqual(await owned(), { '61291230001': [5, 10], '61291230002': [5, 9], '61412345678': [0, 12] });

    const planId = await createPlan(ctx, { name: 'Loyal', prices: [{ number_type: 'geographic', setup_cost: 1, monthly_cost: 4 }] });
    await putOnPlan(ctx, buyer, planId);
    // The plan's geographic price; the number with its own price keeps it; the mobile type the plan leaves out stays at the default.
    assert.deepEqual(await owned(), { '61291230001': [1, 4], '61291230002': [5, 9], '61412345678': [0, 12] });
    const monthlyShown = Object.fromEntries(Object.entries(await owned()).map(([did, [, monthly]]) => [did, Math.round(monthly! * 100)]));
    assert.deepEqual(monthlyShown, Object.fromEntries(await renewalPrices(ctx.db, rentals)), 'what is shown is what the next renewal charges');
    const one = await ctx.call('GET', '/api/v1/phone-numbers/61291230001', { key: buyer.key });
    assert.deepEqual([one.status, one.body.setup_cost, one.body.monthly_cost], [200, 1, 4]);
    const patched = await ctx.call('PATCH', '/api/v1/phone-numbers', { key: buyer.key, body: { did_number: '61291230001', description: 'Sales' } });
    assert.deepEqual([patched.status, patched.body.description, patched.body.monthly_cost], [200, 'Sales', 4], JSON.stringify(patched.body));

    await putOnPlan(ctx, buyer, null);
    assert.deepEqual(await owned(), { '61291230001': [5, 10], '61291230002': [5, 9], '61412345678': [0, 12] });
  });

  it('refuses to delete a plan an account is on (409 in_use), and deletes it once none is', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const account = await ctx.createAccount();
    const planId = await createPlan(ctx, { name: 'Busy', prices: [{ number_type: 'mobile', setup_cost: 0, monthly_cost: 5 }] });
    await putOnPlan(ctx, account, planId);
    assert.equal((await ctx.admin('GET', '/price-plans')).body.results[0].accounts, 1);
    const refused = await ctx.admin('DELETE', `/price-plans/${planId}`);
    assert.deepEqual([refused.status, refused.body.code], [409, 'in_use']);
    assert.equal((await ctx.admin('GET', `/price-plans/${planId}`)).status, 200, 'still there');
    await putOnPlan(ctx, account, null);
    const deleted = await ctx.admin('DELETE', `/price-plans/${planId}`);
    assert.deepEqual([deleted.status, deleted.body.name], [200, 'Busy']);
    const gone = await ctx.admin('GET', `/price-plans/${planId}`);
    assert.deepEqual([gone.status, gone.body.code], [404, 'not_found']);
    assert.equal((await ctx.db.selectFrom('price_plan_price').selectAll().execute()).length, 0, 'its prices went with it');
  });

  it('refuses malformed plans and assignments with stable codes, writing nothing', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const account = await ctx.createAccount();
    const planId = await createPlan(ctx, { name: 'Taken', prices: [] });
    const bad: Array<[unknown, number, string]> = [
      [{ name: '   ', prices: [] }, 400, 'invalid_request'],
      [{ name: 'Taken', prices: [] }, 409, 'already_exists'],
      [{ name: 'A', prices: [{ number_type: 'mobile', setup_cost: 1, monthly_cost: 1, markup_percent: 5 }] }, 400, 'invalid_request'],
      [{ name: 'A', prices: [{ number_type: 'mobile', setup_cost: 1 }] }, 400, 'invalid_request'],
      [{ name: 'A', prices: [{ number_type: 'mobile' }] }, 400, 'invalid_request'],
      [{ name: 'A', prices: [{ number_type: 'mobile', setup_cost: 1, monthly_cost: 1 }, { number_type: 'mobile', setup_cost: 2, monthly_cost: 2 }] }, 400, 'invalid_request'],
      [{ name: 'A', prices: [{ number_type: 'mobile', setup_cost: 1.001, monthly_cost: 1 }] }, 400, 'invalid_request'],
      [{ name: 'A', prices: [{ number_type: 'satellite', setup_cost: 1, monthly_cost: 1 }] }, 400, 'invalid_request'],
      [{ name: 'A', prices: [{ number_type: 'mobile', markup_percent: 1001 }] }, 400, 'invalid_request'],
      [{ name: 'A', prices: [{ number_type: 'mobile', setup_cost: -1, monthly_cost: 1 }] }, 400, 'invalid_request'],
      [{ name: 'A' }, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of bad) {
      const res = await ctx.admin('POST', '/price-plans', { body });
      assert.deepEqual([res.status, res.body.code], [status, code], JSON.stringify(body));
    }
    assert.equal((await ctx.admin('GET', '/price-plans')).body.results.length, 1);

    const other = await createPlan(ctx, { name: 'Other', prices: [] });
    const rename = await ctx.admin('PATCH', `/price-plans/${other}`, { body: { name: 'Taken' } });
    assert.deepEqual([rename.status, rename.body.code], [409, 'already_exists']);
    const missing = await ctx.admin('PATCH', '/price-plans/pln_missing', { body: { name: 'New' } });
    assert.deepEqual([missing.status, missing.body.code], [404, 'not_found']);
    const unknownPlan = await ctx.admin('PUT', `/accounts/${account.accountId}/price-plan`, { body: { price_plan_id: 'pln_missing' } });
    assert.deepEqual([unknownPlan.status, unknownPlan.body.code], [400, 'invalid_request']);
    const unknownAccount = await ctx.admin('PUT', '/accounts/acc_missing/price-plan', { body: { price_plan_id: planId } });
    assert.deepEqual([unknownAccount.status, unknownAccount.body.code], [404, 'not_found']);
    const noBody = await ctx.admin('PUT', `/accounts/${account.accountId}/price-plan`, { body: {} });
    assert.deepEqual([noBody.status, noBody.body.code], [400, 'invalid_request']);
    const row = await ctx.db.selectFrom('account').select('price_plan_id').where('id', '=', account.accountId).executeTakeFirstOrThrow();
    assert.equal(row.price_plan_id, null);
    const renamed = await ctx.admin('PATCH', `/price-plans/${other}`, { body: { name: 'Renamed' } });
    assert.deepEqual([renamed.status, renamed.body.name], [200, 'Renamed']);
  });
});
