import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createTestContext, purchaseBody, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { snapshot } from './helpers/invariants.js';

function importCsv(ctx: TestContextApi, csv: string) {
  return ctx.admin('POST', '/inventory/import', { body: csv, headers: { 'content-type': 'text/csv' } });
}

const CSV = [
  'did_number,number_type,state,city,setup_cost,monthly_cost,supplier',
  '0291234567,geographic,NSW,Sydney,5.00,10.00,acme', // line 2: complete
  '+61 3 9123 4567,,,Melbourne,0,7.5,acme', // line 3: type and state derived
  '61412345678,mobile,,,,,acme', // line 4: mobile, takes the type price
  '61291234567,,,,3,4,', // line 5: already earlier in this file
  'not-a-number,,,,1,1,', // line 6
  '61291234568,mobile,,,1,1,', // line 7: type does not match
  '61291234569,,VIC,,1,1,', // line 8: state does not match 02
  '61291234570,,,,1.005,1,', // line 9: price with a fraction of a cent
  '61291234571,,,,5,,', // line 10: only one price
  '1800 123 456,,,,,,', // line 11: no price and no tollfree type price
  '"61291234572,,,,1,1', // line 12: unclosed quote
].join('\n');

describeEachDatabase('operator API: inventory import', (dialect) => {
  it('imports good rows, skips present ones and rejects bad ones by line; a second import adds nothing', async (t) => {
    const ctx = await createTestContext(t, dialect);
    assert.equal((await ctx.admin('PUT', '/prices/mobile', { body: { setup_cost: 2.5, monthly_cost: 9.95 } })).status, 200);
    const first = await importCsv(ctx, CSV);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(
      { rows: first.body.rows, added: first.body.added, skipped: first.body.skipped, rejected: first.body.rejected },
      { rows: 11, added: 3, skipped: 1, rejected: 7 },
    );
    assert.deepEqual(first.body.rejections.map((r: { line: number }) => r.line), [6, 7, 8, 9, 10, 11, 12]);
    const reasons = first.body.rejections.map((r: { reason: string }) => r.reason).join('\n');
    for (const fragment of ['not a valid', 'does not match the number', 'does not match area code', 'setup_cost', 'monthly_cost', 'tollfree numbers have no type price', 'not valid CSV']) {
      assert.ok(reasons.includes(fragment), `${fragment} in ${reasons}`);
    }

    const melbourne = await ctx.admin('GET', '/numbers/61391234567');
    assert.deepEqual(
      [melbourne.body.number_type, melbourne.body.state, melbourne.body.area_code, melbourne.body.city, melbourne.body.monthly_cost, melbourne.body.custom_price],
      ['geographic', 'VIC', '03', 'Melbourne', 7.5, true],
    );
    const mobile = await ctx.admin('GET', '/numbers/61412345678');
    assert.deepEqual([mobile.body.setup_cost, mobile.body.monthly_cost, mobile.body.custom_price, mobile.body.state], [2.5, 9.95, false, null]);
    const acc = await ctx.createAccount();
    const search = await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/?state=VIC', { key: acc.key });
    assert.deepEqual(search.body.results.map((r: { did_number: string }) => r.did_number), ['61391234567']);

    const before = await snapshot(ctx.db);
    const second = await importCsv(ctx, CSV);
    assert.deepEqual([second.body.added, second.body.skipped, second.body.rejected], [0, 4, 7]);
    assert.deepEqual(await snapshot(ctx.db), before);
  });

  it('refuses a CSV without a did_number column, and a body that is not CSV, adding nothing', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const noColumn = await importCsv(ctx, 'number,city\n61291234567,Sydney\n');
    assert.deepEqual([noColumn.status, noColumn.body.code], [400, 'invalid_csv']);
    const json = await ctx.admin('POST', '/inventory/import', { body: { did_number: '61291234567' } });
    assert.equal(json.status, 415);
    const empty = await importCsv(ctx, '');
    assert.equal(empty.status, 200);
    assert.equal(empty.body.rows, 0);
    assert.equal((await ctx.admin('GET', '/inventory/counts')).body.total, 0);
  });

  it('lists only the first 1,000 rejections but counts them all', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const lines = ['did_number'];
    for (let i = 0; i < 1_200; i++) lines.push(`bad-${i}`);
    const res = await importCsv(ctx, lines.join('\n'));
    assert.deepEqual([res.body.rejected, res.body.rejections.length, res.body.rejections_truncated], [1_200, 1_000, true]);
  });

  it('quotes only the start of a long value in a rejection, so a listing of 1,000 stays small', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const res = await importCsv(
      ctx,
      `did_number,setup_cost,monthly_cost,state\n${'9'.repeat(60_000)},1,5\n0291234567,${'1'.repeat(50)},5\n0291234568,1,5,${'Q'.repeat(50)}\n`,
    );
    const reasons = res.body.rejections.map((r: { line: number; reason: string }) => [r.line, r.reason]);
    assert.deepEqual(reasons, [
      [2, `did_number ${'9'.repeat(40)}… is not a valid Australian or New Zealand number`],
      [3, `setup_cost "${'1'.repeat(40)}…" is not an amount in dollars`],
      [4, `state ${'Q'.repeat(40)}… is not one of ACT, NSW, NT, QLD, SA, TAS, VIC, WA`],
    ]);
  });
});

describeEachDatabase('operator API: prices and stock', (dialect) => {
  it('a type price reprices unsold numbers that follow it; a number may have its own price and drop it again', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.admin('PUT', '/prices/geographic', { body: { setup_cost: 1, monthly_cost: 5 } });
    await importCsv(ctx, 'did_number\n0291234567\n0291234568\n0291234569\n');
    const acc = await ctx.createAccount();
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: acc.key, body: purchaseBody(acc, '61291234569') })).status, 200);
    const own = await ctx.admin('PUT', '/numbers/0291234568/price', { body: { setup_cost: 0, monthly_cost: 20 } });
    assert.deepEqual([own.body.monthly_cost, own.body.custom_price], [20, true]);

    const changed = await ctx.admin('PUT', '/prices/geographic', { body: { setup_cost: 2, monthly_cost: 6.5 } });
    assert.equal(changed.body.numbers_repriced, 1);
    assert.equal((await ctx.admin('GET', '/numbers/61291234567')).body.monthly_cost, 6.5);
    assert.equal((await ctx.admin('GET', '/numbers/61291234568')).body.monthly_cost, 20);
    const sold = await ctx.admin('GET', '/numbers/61291234569');
    assert.deepEqual([sold.body.status, sold.body.monthly_cost, sold.body.account_id], ['active', 5, acc.accountId]);

    const dropped = await ctx.admin('DELETE', '/numbers/61291234568/price');
    assert.deepEqual([dropped.body.monthly_cost, dropped.body.custom_price], [6.5, false]);
    const prices = await ctx.admin('GET', '/prices');
    assert.deepEqual(prices.body.results.map((p: { number_type: string; monthly_cost: number }) => [p.number_type, p.monthly_cost]), [['geographic', 6.5]]);
    assert.equal((await ctx.admin('PUT', '/prices/premium', { body: { setup_cost: 1, monthly_cost: 1 } })).status, 400);
    assert.equal((await ctx.admin('PUT', '/numbers/61299999999/price', { body: { setup_cost: 1, monthly_cost: 1 } })).status, 404);
    await ctx.seedNumbers(['61412000000']);
    assert.equal((await ctx.admin('DELETE', '/numbers/61412000000/price')).status, 400);
  });

  it('withdraws unsold numbers from sale and reinstates them; numbers accounts hold are refused; counts follow', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers(['61291234567', '61291234568', '61412345678']);
    const acc = await ctx.createAccount();
    await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: acc.key, body: purchaseBody(acc, '61291234568') });
    const withdrawn = await ctx.admin('POST', '/inventory/withdraw', {
      body: { did_numbers: ['02 9123 4567', '61291234568', '61299999999', 'nonsense'] },
    });
    assert.deepEqual(withdrawn.body.changed, ['61291234567']);
    assert.deepEqual(
      withdrawn.body.rejected.map((r: { did_number: string; reason: string }) => [r.did_number, r.reason]),
      [['nonsense', 'not a valid Australian or New Zealand number'], ['61291234568', 'the number is active'], ['61299999999', 'not in the inventory']],
    );
    const search = await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/', { key: acc.key });
    assert.deepEqual(search.body.results.map((r: { did_number: string }) => r.did_number), ['61412345678']);
    const counts = await ctx.admin('GET', '/inventory/counts');
    assert.equal(counts.body.total, 3);
    assert.deepEqual([counts.body.by_status.available, counts.body.by_status.active, counts.body.by_status.withdrawn], [1, 1, 1]);
    assert.equal(counts.body.by_type.mobile.available, 1);
    const reinstated = await ctx.admin('POST', '/inventory/reinstate', { body: { did_numbers: ['61291234567', '61412345678'] } });
    assert.deepEqual(reinstated.body.changed, ['61291234567']);
    assert.equal((await ctx.admin('GET', '/inventory/counts')).body.by_status.available, 2);
  });
});
