import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { it } from 'node:test';
import { createApp } from '../server/src/http/app.js';
import { ADMIN_HEADERS, createTestContext, purchaseBody, TEST_ADMIN_KEY, type TestContextApi } from './helpers/context.js';
import { crazyTelCarrier } from './helpers/upstream.js';
import { describeEachDatabase } from './helpers/databases.js';
import { snapshot } from './helpers/invariants.js';

function importCsv(ctx: TestContextApi, csv: string | Readable) {
  return ctx.admin('POST', '/inventory/import', { body: csv, headers: { 'content-type': 'text/csv' } });
}

/** Which of `candidates` (E.164) are in stock, in order. */
async function stocked(ctx: TestContextApi, candidates: string[]): Promise<string[]> {
  const rows = await ctx.db.selectFrom('phone_number').select('did_number').where('did_number', 'in', candidates).orderBy('did_number').execute();
  return rows.map((row) => row.did_number);
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

  it('gives each row the carrier it names, or the configured one; an unknown carrier is a rejected line', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const csv = [
      'did_number,setup_cost,monthly_cost,carrier',
      '61291230001,1,1,', // line 2: the configured carrier
      '61291230002,1,1,crazytel', // line 3
      '61291230003,1,1, CrazyTel ', // line 4: case and spaces do not matter
      '61291230004,1,1,telstra', // line 5
      '61291230005,1,1', // line 6: the column left out
    ].join('\n');
    const simulated = await importCsv(ctx, csv);
    assert.deepEqual([simulated.body.added, simulated.body.rejected], [4, 1], JSON.stringify(simulated.body));
    assert.equal(simulated.body.rejections[0].line, 5);
    assert.match(simulated.body.rejections[0].reason, /carrier telstra is not one of simulated, crazytel/);
    const carriers = async () =>
      (await ctx.db.selectFrom('phone_number').select(['did_number', 'carrier']).orderBy('did_number').execute()).map((row) => `${row.did_number} ${row.carrier}`);
    assert.deepEqual(await carriers(), ['61291230001 simulated', '61291230002 crazytel', '61291230003 crazytel', '61291230005 simulated']);
    assert.equal((await ctx.admin('GET', '/numbers/61291230002')).body.carrier, 'crazytel');

    // A reseller's server: rows naming no carrier are the upstream's, rows naming simulated its own.
    const reseller = await createApp({ ...ctx.deps, carrier: crazyTelCarrier(ctx, 'http://127.0.0.1:9', 'unused-key') }, { adminKey: TEST_ADMIN_KEY });
    t.after(() => reseller.close());
    const answer = await reseller.inject({
      method: 'POST',
      url: '/admin/v1/inventory/import',
      headers: { ...ADMIN_HEADERS, 'content-type': 'text/csv' },
      payload: 'did_number,setup_cost,monthly_cost,carrier\n61291230011,1,1,\n61291230012,1,1,simulated\n',
    });
    assert.equal(answer.json().added, 2, answer.body);
    assert.deepEqual((await carriers()).slice(-2), ['61291230011 crazytel', '61291230012 simulated']);
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

  it('rejects a line longer than 64 KiB by its number and reason, and imports the rows before and after it', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const field = Buffer.alloc(64 * 1024, 'x');
    const res = await importCsv(ctx, Readable.from((function* () {
      yield Buffer.from('did_number,setup_cost,monthly_cost,city\n0291234501,1,5,Sydney\n0291234502,1,5,');
      for (let i = 0; i < 64; i++) yield field; // a 4 MiB city, a chunk at a time
      yield Buffer.from('\n0291234503,1,5,Sydney\n0291234504,1,5\n');
    })()));
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
    assert.deepEqual([res.body.rows, res.body.added, res.body.rejected], [4, 3, 1]);
    assert.deepEqual(res.body.rejections.map((r: { line: number }) => r.line), [3]);
    assert.match(res.body.rejections[0].reason, /^the line is longer than 64 KiB, the most a line may hold \(it has 4,194,31\d bytes\)$/);
    assert.deepEqual(await stocked(ctx, ['61291234501', '61291234502', '61291234503', '61291234504']), ['61291234501', '61291234503', '61291234504']);

    const header = await importCsv(ctx, `did_number,${'x'.repeat(70_000)}\n0291234505,1,5\n`);
    assert.deepEqual([header.status, header.body.code], [400, 'invalid_csv']);
    assert.match(header.body.detail, /first line, which names the columns, is longer than 64 KiB/);
    assert.equal(typeof header.body.request_id, 'string');
  });

  it('a stray quote costs only its own line: the lines after it are read, and every line is imported or reported', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const lines = [
      'did_number,number_type,state,city,setup_cost,monthly_cost', // 1
      '0291234561,geographic,NSW,Sydney,1,5', // 2
      '0291234562,geographic,NSW,"Sydney,1,5', // 3: a quote never closed
      '0291234563,geographic,NSW,Sydney,1,5', // 4
      '0291234564,geographic,NSW,Syd"ney,1,5', // 5: a quote inside a plain field
      '0291234565,geographic,NSW,"Syd"ney,1,5', // 6: text after a closing quote
      '0291234566,geographic,NSW,"Sydney, NSW",1,5', // 7: a quoted comma
      '0291234567,geographic,NSW,"The ""Rocks""",1,5', // 8: quoted quotes
      '0291234568,geographic,NSW,Sydney",1,5', // 9: would close line 3's quote if quotes spanned lines
      ' "0291234569" ,geographic,NSW,Sydney,1,5', // 10
      '"0291234570,geographic,NSW,Sydney,1,5', // 11: unclosed on the last line
    ];
    const res = await importCsv(ctx, lines.join('\n'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.rejections.map((r: { line: number }) => r.line), [3, 5, 6, 9, 11]);
    const reasons = res.body.rejections.map((r: { reason: string }) => r.reason);
    assert.deepEqual(reasons.slice(0, 3), [
      'the line is not valid CSV: field 4 (city) opens a quote that is not closed on its line (a field cannot span lines)',
      'the line is not valid CSV: field 4 (city) has a quote inside it (quote the whole field and write its quotes twice)',
      'the line is not valid CSV: field 4 (city) has text after its closing quote',
    ]);
    assert.match(reasons[4], /field 1 \(did_number\) opens a quote that is not closed/);
    assert.deepEqual([res.body.rows, res.body.added, res.body.skipped, res.body.rejected], [10, 5, 0, 5]);
    const numbers = lines.slice(1).map((_, i) => `612912345${61 + i}`);
    assert.deepEqual(await stocked(ctx, numbers), ['61291234561', '61291234563', '61291234566', '61291234567', '61291234569']);
    assert.equal((await ctx.admin('GET', '/numbers/61291234566')).body.city, 'Sydney, NSW');
    assert.equal((await ctx.admin('GET', '/numbers/61291234567')).body.city, 'The "Rocks"');
    assert.equal((await ctx.admin('GET', '/numbers/61291234561')).body.city, 'Sydney');
  });

  it('reads lines ending in LF, CRLF or CR, mixed in one file and split anywhere, counting each line once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const csv = '\uFEFFdid_number,setup_cost,monthly_cost\r\n0291234561,1,5\n0291234562,1,5\r\n0291234563,1,5\r0291234564,1,5\r\n\r\nbad\r\r0291234565,1,5';
    // Pieces of 1 to 3 bytes, so line ends (and the byte order mark) fall across chunks.
    const bytes = Buffer.from(csv);
    const pieces: Buffer[] = [];
    for (let at = 0, size = 1; at < bytes.length; at += size, size = (size % 3) + 1) pieces.push(bytes.subarray(at, at + size));
    const res = await importCsv(ctx, Readable.from(pieces));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual([res.body.rows, res.body.added, res.body.rejected], [6, 5, 1]);
    assert.deepEqual(res.body.rejections.map((r: { line: number }) => r.line), [7]);
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
