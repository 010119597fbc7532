import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createTestContext, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

const numbersFrom = (first: number, count: number) => Array.from({ length: count }, (_, i) => `612912${String(first + i).padStart(5, '0')}`);

function orderBody(account: TestAccount, extra: Record<string, unknown>) {
  const { did_number: _, ...purchase } = purchaseBody(account, '');
  return { ...purchase, ...extra };
}

const bulk = (ctx: TestContextApi, account: TestAccount, extra: Record<string, unknown>, headers: Record<string, string> = {}) =>
  ctx.call('POST', '/api/v1/phone-numbers/orders/', { key: account.key, body: orderBody(account, extra), headers });

async function balanceOf(ctx: TestContextApi, account: TestAccount) {
  const answer = await ctx.call('GET', '/api/v1/balance/', { key: account.key });
  return [answer.body.balance, answer.body.available_balance];
}

describeEachDatabase('bulk and criteria orders', (dialect) => {
  it('buys named numbers in one order, a line each, one funds check; all or nothing refuses the whole order for one number it cannot have', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    const other = await ctx.createAccount({ balance: 100_00 });
    const numbers = numbersFrom(34501, 5);
    await ctx.seedNumbers(numbers.map((number) => ({ number, setup: 2_50, monthly: 10_00 })));

    const bought = await bulk(ctx, buyer, { did_numbers: numbers.slice(0, 3) });
    assert.equal(bought.status, 201, JSON.stringify(bought.body));
    assert.match(bought.body.id, /^blk_/);
    assert.deepEqual([bought.body.status, bought.body.all_or_nothing, bought.body.charged], ['completed', true, 37.5]);
    assert.deepEqual(bought.body.lines.map((l: { did_number: string; outcome: string; charged: number }) => [l.did_number, l.outcome, l.charged]), numbers.slice(0, 3).map((n) => [n, 'purchased', 12.5]));
    assert.deepEqual(await balanceOf(ctx, buyer), [62.5, 62.5]);
    const fetched = await ctx.call('GET', `/api/v1/phone-numbers/orders/bulk/${bought.body.id}`, { key: buyer.key });
    assert.deepEqual(fetched.body, bought.body);
    assert.equal((await ctx.call('GET', `/api/v1/phone-numbers/orders/bulk/${bought.body.id}`, { key: other.key })).status, 404, 'the owner’s only');

    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: other.key, body: purchaseBody(other, numbers[3]!) })).status, 200);
    const refused = await bulk(ctx, buyer, { did_numbers: [numbers[3], numbers[4]] });
    assert.deepEqual([refused.status, refused.body.code], [404, 'number_unavailable']);
    assert.match(refused.body.detail, new RegExp(`${numbers[3]} is not available; nothing was bought`));
    assert.deepEqual(await balanceOf(ctx, buyer), [62.5, 62.5], 'nothing charged, nothing held');

    const partial = await bulk(ctx, buyer, { did_numbers: [numbers[3], numbers[4]], all_or_nothing: false });
    assert.equal(partial.status, 201, JSON.stringify(partial.body));
    assert.equal(partial.body.status, 'partial');
    assert.deepEqual(partial.body.lines.map((l: { outcome: string; reason: string | null }) => [l.outcome, l.reason]), [['refused', 'number_unavailable'], ['purchased', null]]);
    assert.deepEqual(await balanceOf(ctx, buyer), [50, 50]);
    await assertInvariants(ctx.db, ctx.carrier);
  });

  it('makes one funds check for the whole order, and fails alone, refunded, a line the carrier refuses', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 30_00 });
    const numbers = numbersFrom(34601, 3);
    await ctx.seedNumbers(numbers.map((number) => ({ number, setup: 2_50, monthly: 10_00 })));
    const tooMuch = await bulk(ctx, buyer, { did_numbers: numbers });
    assert.deepEqual([tooMuch.status, tooMuch.body.code], [400, 'insufficient_funds']);
    assert.match(tooMuch.body.detail, /the 3 numbers cost \$37\.50 and \$30\.00 is available/);
    const tooMuchPartial = await bulk(ctx, buyer, { did_numbers: numbers, all_or_nothing: false });
    assert.deepEqual([tooMuchPartial.status, tooMuchPartial.body.code], [400, 'insufficient_funds'], 'one check for the order, whatever the mode');
    assert.deepEqual(await balanceOf(ctx, buyer), [30, 30]);

    ctx.carrier.inject({ kind: 'fail' });
    const one = await bulk(ctx, buyer, { did_numbers: numbers.slice(0, 2) });
    assert.equal(one.status, 201, JSON.stringify(one.body));
    assert.equal(one.body.status, 'partial');
    assert.deepEqual(one.body.lines.map((l: { outcome: string }) => l.outcome).sort(), ['failed', 'purchased']);
    assert.equal(one.body.charged, 12.5);
    assert.deepEqual(await balanceOf(ctx, buyer), [17.5, 17.5], 'the refused line refunded');
    await assertInvariants(ctx.db, ctx.carrier);
  });

  it('chooses numbers by criteria, a consecutive block when asked, and answers a retry with the same key from the same order', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 200_00 });
    // 61291234700-703, a gap, then 705-710: the first block of 5 starts at 705.
    const numbers = [...numbersFrom(34700, 4), ...numbersFrom(34705, 6)];
    await ctx.seedNumbers(numbers.map((number) => ({ number, setup: 1_00, monthly: 2_00 })));
    const block = await bulk(ctx, buyer, { criteria: { quantity: 5, state: 'NSW', consecutive: true } }, { 'idempotency-key': 'block-1' });
    assert.equal(block.status, 201, JSON.stringify(block.body));
    assert.deepEqual(block.body.lines.map((l: { did_number: string }) => l.did_number), numbersFrom(34705, 5));
    assert.deepEqual(block.body.criteria, { quantity: 5, state: 'NSW', consecutive: true });
    const retried = await bulk(ctx, buyer, { criteria: { quantity: 5, state: 'NSW', consecutive: true } }, { 'idempotency-key': 'block-1' });
    assert.equal(retried.status, 201);
    assert.deepEqual(retried.body, block.body, 'the same order, nothing bought twice');
    assert.deepEqual(await balanceOf(ctx, buyer), [185, 185]);
    const noBlock = await bulk(ctx, buyer, { criteria: { quantity: 5, consecutive: true } });
    assert.deepEqual([noBlock.status, noBlock.body.code], [404, 'number_unavailable']);
    const any = await bulk(ctx, buyer, { criteria: { quantity: 3, number_type: 'geographic' } });
    assert.deepEqual(any.body.lines.map((l: { did_number: string }) => l.did_number), numbersFrom(34700, 3));
    const tooFew = await bulk(ctx, buyer, { criteria: { quantity: 5 } });
    assert.deepEqual([tooFew.status, tooFew.body.code], [404, 'number_unavailable'], 'two left, five asked for');
    const whatIsLeft = await bulk(ctx, buyer, { criteria: { quantity: 5 }, all_or_nothing: false });
    assert.equal(whatIsLeft.body.lines.length, 2);
    for (const extra of [{}, { did_numbers: [numbers[0]], criteria: { quantity: 1 } }, { did_numbers: [numbers[0], numbers[0]] }, { did_numbers: ['nonsense'] }, { criteria: { quantity: 0 } }]) {
      const answer = await bulk(ctx, buyer, extra);
      assert.ok(answer.status === 400 && ['invalid_request', 'invalid_number'].includes(answer.body.code), `${JSON.stringify(extra)}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    await assertInvariants(ctx.db, ctx.carrier);
  });

  it('never sells a number twice or leaves money held when bulk orders and single purchases race for the same numbers', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const peer = await ctx.createPeerApp();
    const numbers = numbersFrom(34801, 12);
    await ctx.seedNumbers(numbers.map((number) => ({ number, setup: 1_00, monthly: 1_00 })));
    const buyers = await Promise.all(Array.from({ length: 6 }, () => ctx.createAccount({ balance: 100_00 })));
    const call = (i: number, url: string, body: object) =>
      (i % 2 === 0 ? ctx.app : peer.app).inject({ method: 'POST', url, headers: { 'x-crazytel-api-key': buyers[i]!.key }, payload: body });
    const answers = await Promise.all([
      ...buyers.slice(0, 3).map((buyer, i) => call(i, '/api/v1/phone-numbers/orders/', orderBody(buyer, { did_numbers: numbers.slice(i * 2, i * 2 + 6), all_or_nothing: i !== 1 }))),
      ...buyers.slice(3).map((buyer, j) => call(3 + j, '/api/v1/phone-numbers/orders/', orderBody(buyer, { criteria: { quantity: 4 }, all_or_nothing: false }))),
      ...numbers.map((number, k) => call(k % 6, '/api/v1/phone-numbers/purchase', purchaseBody(buyers[k % 6]!, number))),
    ]);
    assert.ok(answers.every((a) => a.statusCode < 500), answers.map((a) => a.statusCode).join(','));
    const owners = await ctx.db.selectFrom('phone_number').select(['did_number', 'account_id', 'status']).where('did_number', 'in', numbers).execute();
    const sold = owners.filter((row) => row.status === 'active');
    const completed = await ctx.db.selectFrom('purchase_order').select(['did_number']).where('status', '=', 'completed').execute();
    assert.equal(completed.length, sold.length, 'one completed order per number sold');
    assert.equal(new Set(completed.map((row) => row.did_number)).size, completed.length, 'no number sold twice');
    const held = await ctx.db.selectFrom('account').select((eb) => eb.fn.sum<number>('held_cents').as('held')).executeTakeFirstOrThrow();
    assert.equal(Number(held.held ?? 0), 0, 'no money left held');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('never buys part of an all-or-nothing order when two orders of one account race for its balance', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const peer = await ctx.createPeerApp();
    const numbers = numbersFrom(34901, 40);
    await ctx.seedNumbers(numbers.map((number) => ({ number, setup: 2_50, monthly: 10_00 })));
    for (let round = 0; round < 10; round++) {
      const buyer = await ctx.createAccount({ balance: 40_00 });
      const pair = numbers.slice(round * 4, round * 4 + 4);
      const answers = await Promise.all(
        [ctx.app, peer.app].map((app, i) =>
          app.inject({ method: 'POST', url: '/api/v1/phone-numbers/orders/', headers: { 'x-crazytel-api-key': buyer.key }, payload: orderBody(buyer, { did_numbers: pair.slice(i * 2, i * 2 + 2) }) }),
        ),
      );
      const statuses = answers.map((a) => [a.statusCode, a.statusCode === 201 ? a.json().status : a.json().code]);
      assert.deepEqual(statuses.map(String).sort(), ['201,completed', '400,insufficient_funds'], `round ${round}: ${JSON.stringify(statuses)}`);
      assert.deepEqual(await balanceOf(ctx, buyer), [15, 15]);
    }
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
