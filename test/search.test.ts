import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import type { DialectName } from '../server/src/store/database.js';
import { observeStatements } from '../server/src/store/sqlite/sql-observer.js';
import { describeEachDatabase } from './helpers/databases.js';
import { createTestContext, purchaseBody, type CallResult } from './helpers/context.js';

const LIST = '/api/v1/phone-numbers/available-numbers/';

async function searchContext(t: TestContext, dialect: DialectName) {
  const ctx = await createTestContext(t, dialect);
  const buyer = await ctx.createAccount({ balance: 1000_00 });
  await ctx.seedNumbers([
    { number: '0291234567', state: 'NSW', city: 'Sydney', monthly: 5_00 },
    { number: '0292255225', state: 'NSW', city: 'Sydney', monthly: 9_00 },
    { number: '0249261111', state: 'NSW', city: 'Newcastle', monthly: 4_00 },
    { number: '0390001234', state: 'VIC', city: 'Melbourne', monthly: 6_00 },
    { number: '0362001234', state: 'TAS', city: 'Hobart', monthly: 6_00 },
    { number: '0730001234', state: 'QLD', city: 'Brisbane', monthly: 6_00 },
    { number: '0412345678', monthly: 12_00 },
    { number: '0400000000', monthly: 12_00 },
    { number: '1300123456', monthly: 30_00 },
    { number: '1800737737', monthly: 30_00 },
    { number: '131234', monthly: 150_00 },
    { number: '+6493001234', state: null, city: 'Auckland' },
  ]);
  return { ctx, buyer };
}

const numbers = (body: { results: Array<{ did_number: string }> }) => body.results.map((n) => n.did_number);

describeEachDatabase('available numbers', (dialect) => {
  it('lists Australian numbers by did_number with the contract item shape', async (t) => {
    const { ctx, buyer } = await searchContext(t, dialect);
    const res = await ctx.call('GET', LIST, { key: buyer.key });
    assert.equal(res.status, 200);
    assert.equal(res.body.results.length, 11);
    assert.deepEqual(numbers(res.body), [...numbers(res.body)].sort());
    assert.deepEqual(Object.keys(res.body.results[0]).sort(), [
      'area_code', 'city', 'country', 'did_number', 'monthly_cost', 'number_type', 'setup_cost', 'state',
    ]);
    assert.equal(res.body.next_cursor, null);
    const mobile = res.body.results.find((n: { did_number: string }) => n.did_number === '61412345678');
    assert.deepEqual([mobile.state, mobile.city, mobile.area_code, mobile.monthly_cost], [null, null, null, 12]);
  });

  it('applies every filter', async (t) => {
    const { ctx, buyer } = await searchContext(t, dialect);
    const q = async (query: string) => numbers((await ctx.call('GET', `${LIST}?${query}`, { key: buyer.key })).body);
    assert.deepEqual(await q('state=NSW'), ['61249261111', '61291234567', '61292255225']);
    assert.deepEqual(await q('state=NSW&city=sydney'), ['61291234567', '61292255225']);
    assert.deepEqual(await q('number_type=mobile'), ['61400000000', '61412345678']);
    assert.deepEqual(await q('number_type=local_rate'), ['611300123456', '61131234'].sort());
    assert.deepEqual(await q('number_type=tollfree'), ['611800737737']);
    assert.deepEqual(await q('starts_with=02'), ['61249261111', '61291234567', '61292255225']);
    assert.deepEqual(await q('starts_with=%2B6129'), ['61291234567', '61292255225']);
    assert.deepEqual(await q('starts_with=(02)%209'), ['61291234567', '61292255225']);
    assert.deepEqual(await q('starts_with=1300'), ['611300123456']);
    assert.deepEqual(await q('contains=5522'), ['61292255225']);
    assert.deepEqual(await q('ends_with=1234'), ['61131234', '61362001234', '61390001234', '61730001234']);
    assert.deepEqual(await q('max_monthly_cost=5'), ['61249261111', '61291234567']);
    assert.deepEqual(await q('country=NZ'), ['6493001234']);
    assert.deepEqual(await q('state=VIC&number_type=mobile'), []);
  });

  it('finds vanity numbers by keypad letters', async (t) => {
    const { ctx, buyer } = await searchContext(t, dialect);
    const res = await ctx.call('GET', `${LIST}?contains=REPS`, { key: buyer.key });
    assert.deepEqual(numbers(res.body), ['611800737737']);
    const call = await ctx.call('GET', `${LIST}?contains=CALL`, { key: buyer.key });
    assert.deepEqual(numbers(call.body), ['61292255225']);
  });

  it('rejects bad filters with 400 and the field named', async (t) => {
    const { ctx, buyer } = await searchContext(t, dialect);
    for (const [query, field] of [
      ['state=XX', 'state'],
      ['number_type=satellite', 'number_type'],
      ['starts_with=abc', 'starts_with'],
      ['contains=12%2534', 'contains'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=abc', 'limit'],
      ['max_monthly_cost=-1', 'max_monthly_cost'],
      ['cursor=bm9wZQ', 'cursor'],
      ['country=US', 'country'],
    ]) {
      const res = await ctx.call('GET', `${LIST}?${query}`, { key: buyer.key });
      assert.equal(res.status, 400, query);
      assert.equal(res.body.code, 'invalid_request', query);
      assert.equal(res.body.errors[0].field, field, query);
    }
  });

  it('pages with cursors that never repeat or skip a row while purchases happen', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 10_000_00 });
    const all = Array.from({ length: 120 }, (_, i) => `0291${String(100000 + i * 7).padStart(6, '0')}`);
    await ctx.seedNumbers(all.map((number) => ({ number, setup: 0, monthly: 1_00 })));
    const e164 = all.map((n) => `61${n.slice(1)}`).sort();
    const seen: string[] = [];
    const bought = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { results: Array<{ did_number: string }>; next_cursor: string | null } } = await ctx.call(
        'GET',
        `${LIST}?limit=25${cursor ? `&cursor=${cursor}` : ''}`,
        { key: buyer.key },
      );
      seen.push(...numbers(res.body));
      cursor = res.body.next_cursor;
      pages++;
      // Between pages, buy one number already seen and one not yet seen.
      const unseen = e164.find((n) => !seen.includes(n) && !bought.has(n));
      for (const target of [seen[seen.length - 3], unseen]) {
        if (!target || bought.has(target)) continue;
        const r = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, target) });
        assert.equal(r.status, 200);
        bought.add(target);
      }
    } while (cursor);
    assert.ok(pages >= 4);
    assert.equal(new Set(seen).size, seen.length, 'no row appears twice');
    const expected = e164.filter((n) => seen.includes(n) || !bought.has(n));
    assert.deepEqual(seen, expected, 'every row still available when its page was read appears, in order');
  });

  it('finds sparse endings and price caps through their own index, paged like any search, and dense ones by walking', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount();
    // 3,000 numbers (more than the bars below which a filter counts as sparse): one in 100 costs $2.
    const stock = Array.from({ length: 3_000 }, (_, i) => ({ number: `0291${String(100_000 + i * 7).padStart(6, '0')}`, monthly: i % 100 === 0 ? 2_00 : 9_00 }));
    await ctx.seedNumbers(stock);
    const walk = async (query: string) => {
      const found: string[] = [];
      let cursor: string | null = null;
      do {
        const res: CallResult = await ctx.call('GET', `${LIST}?${query}&limit=20${cursor ? `&cursor=${cursor}` : ''}`, { key: buyer.key });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        found.push(...numbers(res.body));
        cursor = res.body.next_cursor;
      } while (cursor);
      return found;
    };
    const e164 = (filter: (row: (typeof stock)[number]) => boolean) => stock.filter(filter).map((row) => `61${row.number.slice(1)}`).sort();
    const indexesUsed = async (query: string) => {
      const used = new Set<string>();
      const stop = observeStatements((text) => /^SELECT "did_number", .* FROM phone_number INDEXED BY (\w+)/.exec(text)?.slice(1).forEach((index) => used.add(index)));
      await walk(query);
      stop();
      return [...used];
    };
    if (dialect === 'sqlite') {
      assert.deepEqual(await indexesUsed('ends_with=0049'), ['stock_by_tail']);
      assert.deepEqual(await indexesUsed('max_monthly_cost=2'), ['stock_by_type_price']);
      assert.deepEqual(await indexesUsed('number_type=geographic&max_monthly_cost=9'), ['stock_by_type']);
    }
    assert.deepEqual(await walk('ends_with=49'), e164((row) => row.number.endsWith('49')), 'a sparse ending');
    assert.deepEqual(await walk('ends_with=4'), e164((row) => row.number.endsWith('4')), 'a one-digit ending is walked');
    assert.deepEqual(await walk('starts_with=02911&ends_with=0049'), e164((row) => row.number.startsWith('02911') && row.number.endsWith('0049')));
    assert.deepEqual(await walk('max_monthly_cost=2'), e164((row) => row.monthly <= 2_00), 'a sparse price cap');
    assert.deepEqual(await walk('number_type=geographic&max_monthly_cost=9'), e164(() => true), 'a dense price cap');
    assert.deepEqual(await walk('max_monthly_cost=1'), [], 'a cap nothing meets');
  });

  it('defaults to 50 rows a page and checks one number', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount();
    await ctx.seedNumbers(Array.from({ length: 60 }, (_, i) => `02912345${String(i).padStart(2, '0')}`));
    const res = await ctx.call('GET', LIST, { key: buyer.key });
    assert.equal(res.body.results.length, 50);
    assert.notEqual(res.body.next_cursor, null);
    const one = await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/(02)%209123%204501/', { key: buyer.key });
    assert.equal(one.status, 200);
    assert.equal(one.body.did_number, '61291234501');
    const missing = await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/0299999999', { key: buyer.key });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'number_unavailable');
    assert.equal(missing.body.alternatives.length, 5);
    const bad = await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/12', { key: buyer.key });
    assert.equal(bad.body.code, 'invalid_number');
  });

  it('lists the cities that have available numbers, per state', async (t) => {
    const { ctx, buyer } = await searchContext(t, dialect);
    const nsw = await ctx.call('GET', '/api/v1/phone-numbers/cities/?state=NSW', { key: buyer.key });
    assert.deepEqual(nsw.body.results, ['Newcastle', 'Sydney']);
    const all = await ctx.call('GET', '/api/v1/phone-numbers/cities/', { key: buyer.key });
    assert.deepEqual(all.body.results, ['Brisbane', 'Hobart', 'Melbourne', 'Newcastle', 'Sydney']);
    await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, '0249261111') });
    const after = await ctx.call('GET', '/api/v1/phone-numbers/cities?state=NSW', { key: buyer.key });
    assert.deepEqual(after.body.results, ['Sydney'], 'a city whose last number sold disappears');
  });
});
