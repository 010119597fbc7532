import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createTestContext, purchaseBody, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { changeUpstreamNumbers, withdrawGoneNumbers } from '../server/src/store/upstream-stock-store.js';

async function priceOf(ctx: TestContextApi, didNumber: string): Promise<[number, number]> {
  const row = await ctx.db.selectFrom('phone_number').select(['setup_cost_cents', 'monthly_cost_cents']).where('did_number', '=', didNumber).executeTakeFirstOrThrow();
  return [Number(row.setup_cost_cents), Number(row.monthly_cost_cents)];
}

describeEachDatabase('operator API: pricing rules', (dialect) => {
  it('sets a rule that reprices unsold upstream numbers at once, leaving own prices, own ranges and sold numbers alone', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([
      { number: '61291230001', carrier: 'crazytel', upstreamSetup: 1_00, upstreamMonthly: 5_00, setup: 1_00, monthly: 5_00 },
      { number: '61291230002', carrier: 'crazytel', upstreamSetup: 2_00, upstreamMonthly: 4_10, setup: 1_00, monthly: 5_00 },
      { number: '61291230003', carrier: 'crazytel', upstreamSetup: 1_00, upstreamMonthly: 5_00, setup: 9_00, monthly: 9_00, ownPrice: true },
      { number: '61291230004', carrier: 'crazytel', upstreamSetup: 1_00, upstreamMonthly: 5_00, setup: 1_00, monthly: 5_00 },
      { number: '61291230005', setup: 3_00, monthly: 3_00 },
      { number: '61412345678', carrier: 'crazytel', upstreamSetup: 0, upstreamMonthly: 10_00, setup: 0, monthly: 10_00 },
    ]);
    const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, '61291230004') });
    assert.equal(bought.status, 200, JSON.stringify(bought.body));

    const set = await ctx.admin('PUT', '/pricing-rules/geographic', {
      body: { markup_percent: 20, setup_markup: 0.5, monthly_markup: 1, rounding: 'up_to_95_cents' },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual({ ...set.body.rule, updated_at: 'x' }, {
      number_type: 'geographic', markup_percent: 20, setup_markup: 0.5, monthly_markup: 1, rounding: 'up_to_95_cents', updated_at: 'x',
    });
    assert.equal(set.body.numbers_repriced, 2);
    // $1.00 + 20c + 50c = $1.70 → $1.95; $5.00 + $1.00 + $1.00 = $7.00 → $7.95.
    assert.deepEqual(await priceOf(ctx, '61291230001'), [1_95, 7_95]);
    // $2.00 + 40c + 50c = $2.90 → $2.95; $4.10 + 82c + $1.00 = $5.92 → $5.95.
    assert.deepEqual(await priceOf(ctx, '61291230002'), [2_95, 5_95]);
    assert.deepEqual(await priceOf(ctx, '61291230003'), [9_00, 9_00], 'its own price stays');
    assert.deepEqual(await priceOf(ctx, '61291230004'), [1_00, 5_00], 'sold: what was paid stays');
    assert.deepEqual(await priceOf(ctx, '61291230005'), [3_00, 3_00], 'an own range has no upstream cost');
    assert.deepEqual(await priceOf(ctx, '61412345678'), [0, 10_00], 'another type has its own rule');

    const listed = await ctx.admin('GET', '/pricing-rules');
    assert.deepEqual(listed.body.results.map((rule: { number_type: string }) => rule.number_type), ['geographic']);

    // A type's price is for numbers without an upstream cost.
    const typePrice = await ctx.admin('PUT', '/prices/geographic', { body: { setup_cost: 4, monthly_cost: 4 } });
    assert.equal(typePrice.status, 200);
    assert.deepEqual(await priceOf(ctx, '61291230001'), [1_95, 7_95]);

    // Dropping a number's own price returns it to its rule.
    const cleared = await ctx.admin('DELETE', '/numbers/61291230003/price');
    assert.deepEqual([cleared.body.setup_cost, cleared.body.monthly_cost, cleared.body.custom_price], [1.95, 7.95, false]);
    assert.deepEqual([cleared.body.carrier, cleared.body.upstream_setup_cost, cleared.body.upstream_monthly_cost], ['crazytel', 1, 5]);
    const own = await ctx.admin('GET', '/numbers/61291230005');
    assert.deepEqual([own.body.carrier, own.body.upstream_setup_cost, own.body.upstream_monthly_cost], ['simulated', null, null]);
  });

  it('takes fields left out as no markup and no rounding: the upstream cost itself', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: '61291230001', carrier: 'crazytel', upstreamSetup: 1_23, upstreamMonthly: 4_56, setup: 9_00, monthly: 9_00 }]);
    const set = await ctx.admin('PUT', '/pricing-rules/geographic', { body: {} });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual([set.body.rule.markup_percent, set.body.rule.setup_markup, set.body.rule.monthly_markup, set.body.rule.rounding], [0, 0, 0, 'none']);
    assert.deepEqual(await priceOf(ctx, '61291230001'), [1_23, 4_56]);
    const again = await ctx.admin('PUT', '/pricing-rules/geographic', { body: { markup_percent: 12.5 } });
    assert.equal(again.body.numbers_repriced, 1);
    // $1.23 × 12.5% = 15.375c → 15c; $4.56 × 12.5% = 57c.
    assert.deepEqual(await priceOf(ctx, '61291230001'), [1_38, 5_13]);
  });

  it('refuses bad rules with 400 invalid_request naming the field, and changes nothing', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const bad: Array<[string, unknown, string]> = [
      ['/pricing-rules/geographic', { markup_percent: 12.345 }, 'markup_percent'],
      ['/pricing-rules/geographic', { markup_percent: -1 }, 'markup_percent'],
      ['/pricing-rules/geographic', { markup_percent: 1000.01 }, 'markup_percent'],
      ['/pricing-rules/geographic', { markup_percent: '10' }, 'markup_percent'],
      ['/pricing-rules/geographic', { setup_markup: 0.001 }, 'setup_markup'],
      ['/pricing-rules/geographic', { monthly_markup: -0.5 }, 'monthly_markup'],
      ['/pricing-rules/geographic', { rounding: 'to_the_nearest' }, 'rounding'],
      ['/pricing-rules/premium', { markup_percent: 10 }, 'number_type'],
    ];
    for (const [path, body, field] of bad) {
      const res = await ctx.admin('PUT', path, { body });
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'invalid_request');
      assert.ok(
        res.body.errors?.some((error: { field: string }) => error.field.includes(field)) || res.body.detail.includes(field),
        `${JSON.stringify(body)} names ${field}: ${JSON.stringify(res.body)}`,
      );
    }
    assert.deepEqual((await ctx.admin('GET', '/pricing-rules')).body.results, []);
  });
});

describeEachDatabase('operator API: catalogue syncs without an upstream', (dialect) => {
  it('answers 409 upstream_not_configured with Bilby\'s own carrier, starting nothing; an unknown sync is 404', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const started = await ctx.admin('POST', '/inventory/sync');
    assert.equal(started.status, 409, JSON.stringify(started.body));
    assert.equal(started.body.code, 'upstream_not_configured');
    assert.match(started.body.detail, /BILBY_CARRIER=crazytel/);
    assert.deepEqual((await ctx.admin('GET', '/inventory/syncs')).body.results, []);
    assert.equal(await ctx.db.selectFrom('task_lease').select('name').executeTakeFirst(), undefined, 'no lease taken');
    const unknown = await ctx.admin('GET', '/inventory/syncs/syn_nothing');
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'not_found']);
  });
});

describeEachDatabase("catalogue sync's writes", (dialect) => {
  it('never withdraw or reprice a number bought since it was read, nor another carrier\'s', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([
      { number: '61291230001', carrier: 'crazytel', upstreamSetup: 1_00, upstreamMonthly: 5_00 },
      { number: '61291230002', carrier: 'crazytel', upstreamSetup: 1_00, upstreamMonthly: 5_00 },
      { number: '61291230003', upstreamSetup: 1_00, upstreamMonthly: 5_00 },
    ]);
    // Read as on sale by a sync, then bought before its writes.
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, '61291230001') })).status, 200);
    const at = new Date().toISOString();
    const all = ['61291230001', '61291230002', '61291230003'];
    const change = { upstreamSetupCents: 2_00, upstreamMonthlyCents: 9_00, price: { setupCents: 3_00, monthlyCents: 9_95 }, reinstate: false, place: { state: 'NSW', city: 'Sydney' } };
    const repriced = await ctx.database.writeTransaction((trx) => changeUpstreamNumbers(trx, 'crazytel', all, change, at));
    assert.deepEqual(repriced, ['61291230002']);
    const withdrawn = await ctx.database.writeTransaction((trx) => withdrawGoneNumbers(trx, 'crazytel', all, at));
    assert.deepEqual(withdrawn, ['61291230002']);
    const rows = await ctx.db.selectFrom('phone_number').select(['did_number', 'status', 'monthly_cost_cents', 'gone_upstream']).orderBy('did_number').execute();
    assert.deepEqual(rows.map((row) => [row.did_number, row.status, Number(row.monthly_cost_cents), Number(row.gone_upstream)]), [
      ['61291230001', 'active', 10_00, 0],
      ['61291230002', 'withdrawn', 9_95, 1],
      ['61291230003', 'available', 10_00, 0],
    ]);
  });
});

describeEachDatabase('operator API: margins', (dialect) => {
  it('reports revenue, upstream cost and margin per month and type, from the cost each order recorded when placed', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([
      { number: '61291230001', carrier: 'crazytel', upstreamSetup: 1_00, upstreamMonthly: 5_00, setup: 1_95, monthly: 7_95 },
      { number: '61291230002', carrier: 'crazytel', upstreamSetup: 1_00, upstreamMonthly: 5_00, setup: 1_95, monthly: 7_95 },
      { number: '61291230005', setup: 3_00, monthly: 3_00 },
      { number: '61412345678', carrier: 'crazytel', upstreamSetup: 0, upstreamMonthly: 10_00, setup: 0, monthly: 12_00 },
    ]);
    const buy = async (didNumber: string) =>
      assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, didNumber) })).status, 200);
    const first = ctx.deps.clock().toISOString().slice(0, 7);
    await buy('61291230001');
    await buy('61412345678');
    ctx.advanceClock(40 * 86_400_000);
    const second = ctx.deps.clock().toISOString().slice(0, 7);
    // Upstream's cost rose before the second sale (a sync repriced it).
    await ctx.db.updateTable('phone_number').set({ upstream_setup_cost_cents: 2_00, upstream_monthly_cost_cents: 6_00, setup_cost_cents: 2_95, monthly_cost_cents: 8_95 }).where('did_number', '=', '61291230002').execute();
    await buy('61291230002');
    await buy('61291230005');
    // Whatever the sold number's record says later, the first month keeps the cost of its sale.
    await ctx.db.updateTable('phone_number').set({ upstream_setup_cost_cents: 9_00, upstream_monthly_cost_cents: 9_00 }).where('did_number', '=', '61291230001').execute();

    const report = await ctx.admin('GET', '/reports/margins', { query: { from: first, to: second } });
    assert.equal(report.status, 200, JSON.stringify(report.body));
    assert.deepEqual(report.body, {
      from: first,
      to: second,
      results: [
        { month: first, number_type: 'geographic', sales: 1, revenue: 9.9, upstream_cost: 6, margin: 3.9, sales_without_upstream_cost: 0 },
        { month: first, number_type: 'mobile', sales: 1, revenue: 12, upstream_cost: 10, margin: 2, sales_without_upstream_cost: 0 },
        { month: second, number_type: 'geographic', sales: 2, revenue: 17.9, upstream_cost: 8, margin: 9.9, sales_without_upstream_cost: 1 },
      ],
      totals: { sales: 4, revenue: 39.8, upstream_cost: 24, margin: 15.8, sales_without_upstream_cost: 1 },
    });
    // By default the twelve months up to this one.
    assert.deepEqual((await ctx.admin('GET', '/reports/margins')).body.totals.sales, 4);
    const onlySecond = await ctx.admin('GET', '/reports/margins', { query: { from: second, to: second } });
    assert.deepEqual(onlySecond.body.results.map((line: { month: string }) => line.month), [second]);
  });

  it('refuses months that are not YYYY-MM, a range that ends before it starts, and more than 120 months', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const queries: Array<Record<string, string>> = [{ from: '2026-13' }, { to: '2026-1' }, { from: 'March' }, { from: '2026-05', to: '2026-04' }, { from: '2000-01', to: '2010-01' }];
    for (const query of queries) {
      const res = await ctx.admin('GET', '/reports/margins', { query });
      assert.deepEqual([res.status, res.body.code], [400, 'invalid_request'], JSON.stringify(query));
    }
    assert.equal((await ctx.admin('GET', '/reports/margins', { query: { from: '2000-01', to: '2009-12' } })).status, 200, '120 months');
  });
});
