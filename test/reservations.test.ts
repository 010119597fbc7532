import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sweepEndedReservations } from '../server/src/services/reserve-numbers.js';
import { DEFAULT_RESERVATION_SETTINGS } from '../server/src/services/deps.js';
import { createTestContext, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

const FIRST = '61291234501';
const SECOND = '61291234502';
const THIRD = '61291234503';
const MINUTE_MS = 60_000;

const reserve = (ctx: TestContextApi, account: TestAccount, body: object) => ctx.call('POST', '/api/v1/phone-numbers/reservations', { key: account.key, body });
const buy = (ctx: TestContextApi, account: TestAccount, did: string) => ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, did) });

async function searchable(ctx: TestContextApi, account: TestAccount): Promise<string[]> {
  const answer = await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/', { key: account.key });
  assert.equal(answer.status, 200);
  return answer.body.results.map((n: { did_number: string }) => n.did_number);
}

async function expiredEvents(ctx: TestContextApi, account: TestAccount): Promise<string[]> {
  const answer = await ctx.call('GET', '/api/v1/events/', { key: account.key });
  return answer.body.results.filter((e: { kind: string }) => e.kind === 'reservation.expired').map((e: { did_number: string }) => e.did_number);
}

describeEachDatabase('reservations', (dialect) => {
  it('holds a number for its holder only: others neither find, check, quote nor buy it, and no money moves; the holder buys it as usual', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const holder = await ctx.createAccount({ balance: 100_00 });
    const other = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([FIRST, SECOND].map((number) => ({ number, setup: 2_50, monthly: 10_00 })));
    const held = await reserve(ctx, holder, { did_number: '02 9123 4501' });
    assert.equal(held.status, 201, JSON.stringify(held.body));
    assert.deepEqual(held.body.unavailable, []);
    const [reservation] = held.body.results;
    assert.equal(reservation.did_number, FIRST);
    assert.equal(Date.parse(reservation.expires_at) - ctx.deps.clock().getTime() <= 10 * MINUTE_MS, true);
    assert.ok(Date.parse(reservation.expires_at) - ctx.deps.clock().getTime() > 9 * MINUTE_MS, 'ten minutes by default');

    assert.deepEqual(await searchable(ctx, other), [SECOND]);
    assert.deepEqual(await searchable(ctx, holder), [FIRST, SECOND]);
    const checked = await ctx.call('GET', `/api/v1/phone-numbers/available-numbers/${FIRST}`, { key: other.key });
    assert.deepEqual([checked.status, checked.body.code], [404, 'number_unavailable']);
    assert.ok(checked.body.alternatives.every((n: { did_number: string }) => n.did_number !== FIRST));
    const quoted = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: other.key, body: purchaseBody(other, FIRST), query: { dry_run: 'true' } });
    assert.deepEqual([quoted.status, quoted.body.code], [404, 'number_unavailable']);
    const refused = await buy(ctx, other, FIRST);
    assert.deepEqual([refused.status, refused.body.code], [404, 'number_unavailable']);
    const balance = await ctx.call('GET', '/api/v1/balance/', { key: other.key });
    assert.deepEqual([balance.body.balance, balance.body.available_balance], [100, 100], 'nothing charged or held');
    const taken = await reserve(ctx, other, { did_number: FIRST });
    assert.deepEqual([taken.status, taken.body.code], [404, 'number_unavailable']);

    const bought = await buy(ctx, holder, FIRST);
    assert.equal(bought.status, 200, JSON.stringify(bought.body));
    assert.deepEqual((await ctx.call('GET', '/api/v1/phone-numbers/reservations', { key: holder.key })).body.results, [], 'a number bought is no longer listed as held');
    ctx.advanceClock(11 * MINUTE_MS);
    assert.equal(await sweepEndedReservations(ctx.deps), 1);
    assert.deepEqual(await expiredEvents(ctx, holder), [], 'the hold of a number its holder bought ends without an event');
    await assertInvariants(ctx.db, ctx.carrier);
  });

  it('ends at its instant with no process acting (another account buys it then); the sweep tells the holder once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const holder = await ctx.createAccount({ balance: 100_00 });
    const other = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([FIRST, SECOND].map((number) => ({ number, setup: 2_50, monthly: 10_00 })));
    assert.equal((await reserve(ctx, holder, { did_numbers: [FIRST, SECOND], minutes: 5 })).status, 201);
    ctx.advanceClock(5 * MINUTE_MS - 1_000);
    assert.equal((await buy(ctx, other, FIRST)).status, 404, 'still held a second before');
    ctx.advanceClock(1_001);
    assert.deepEqual(await searchable(ctx, other), [FIRST, SECOND], 'on sale again at the instant it ended, nothing swept');
    assert.equal((await buy(ctx, other, FIRST)).status, 200);
    assert.equal(await sweepEndedReservations(ctx.deps), 2);
    assert.equal(await sweepEndedReservations(ctx.deps), 0);
    assert.deepEqual((await expiredEvents(ctx, holder)).sort(), [FIRST, SECOND]);
    assert.deepEqual(await expiredEvents(ctx, other), []);

    // A lapsed hold another account takes over is told to its holder by that reservation.
    assert.equal((await reserve(ctx, holder, { did_number: SECOND })).status, 201);
    ctx.advanceClock(11 * MINUTE_MS);
    const takeover = await reserve(ctx, other, { did_number: SECOND });
    assert.equal(takeover.status, 201, JSON.stringify(takeover.body));
    assert.deepEqual((await expiredEvents(ctx, holder)).sort(), [FIRST, SECOND, SECOND]);
    await assertInvariants(ctx.db, ctx.carrier);
  });

  it('reserves up to 100 at once, telling which it could not hold; extends up to a limit; releases; caps an account’s holds', async (t) => {
    const ctx = await createTestContext(t, dialect, { reservations: { ...DEFAULT_RESERVATION_SETTINGS, maxPerAccount: 3 } });
    const holder = await ctx.createAccount({ balance: 100_00 });
    const other = await ctx.createAccount({ balance: 100_00 });
    const extra = ['61291234504', '61291234505'];
    const beyond = '61291234506';
    await ctx.seedNumbers([FIRST, SECOND, THIRD, ...extra, beyond].map((number) => ({ number, setup: 2_50, monthly: 10_00 })));
    assert.equal((await reserve(ctx, other, { did_number: SECOND })).status, 201);
    assert.equal((await buy(ctx, other, THIRD)).status, 200);
    const batch = await reserve(ctx, holder, { did_numbers: [FIRST, SECOND, THIRD, '61291234599', FIRST] });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    assert.deepEqual(batch.body.results.map((r: { did_number: string }) => r.did_number), [FIRST]);
    assert.deepEqual(batch.body.unavailable.sort(), [SECOND, THIRD, '61291234599'].sort(), 'held by another, sold, not in stock');
    assert.equal((await reserve(ctx, holder, { did_numbers: extra })).status, 201);
    const over = await reserve(ctx, holder, { did_numbers: [beyond, FIRST] });
    assert.deepEqual([over.status, over.body.code], [409, 'limit_reached']);
    const held = (await ctx.call('GET', '/api/v1/phone-numbers/reservations', { key: holder.key })).body.results;
    assert.deepEqual(held.map((r: { did_number: string }) => r.did_number), [FIRST, ...extra], 'the refused request held nothing, and extended nothing');
    assert.equal((await reserve(ctx, holder, { did_number: FIRST })).status, 201, 'at the cap, a number already held is extended');

    const longer = await ctx.call('PATCH', `/api/v1/phone-numbers/reservations/${FIRST}`, { key: holder.key, body: { minutes: 30 } });
    assert.equal(longer.status, 200, JSON.stringify(longer.body));
    const left = Date.parse(longer.body.expires_at) - ctx.deps.clock().getTime();
    assert.ok(left > 30 * MINUTE_MS - 5_000 && left <= 30 * MINUTE_MS, `30 minutes from now (${left} ms)`);
    const tooLong = await ctx.call('PATCH', `/api/v1/phone-numbers/reservations/${FIRST}`, { key: holder.key, body: { minutes: 61 } });
    assert.deepEqual([tooLong.status, tooLong.body.code], [400, 'invalid_request']);
    ctx.advanceClock(29 * MINUTE_MS);
    const atLimit = await ctx.call('PATCH', '/api/v1/phone-numbers/reservations', { key: holder.key, body: { minutes: 60 } });
    const first = atLimit.body.results.find((r: { did_number: string }) => r.did_number === FIRST);
    assert.equal(first.expires_at, first.extendable_until, 'no further than an hour after it was made');
    const notHeld = await ctx.call('PATCH', `/api/v1/phone-numbers/reservations/${SECOND}`, { key: holder.key, body: {} });
    assert.deepEqual([notHeld.status, notHeld.body.code], [404, 'not_found'], 'another account’s hold is not this one’s to extend');

    const released = await ctx.call('DELETE', `/api/v1/phone-numbers/reservations/${FIRST}`, { key: holder.key });
    assert.deepEqual(released.body, { released: [FIRST] });
    assert.equal((await buy(ctx, other, FIRST)).status, 200, 'for sale at once');
    assert.equal((await ctx.call('DELETE', `/api/v1/phone-numbers/reservations/${FIRST}`, { key: holder.key })).status, 404);
    const all = await ctx.call('DELETE', '/api/v1/phone-numbers/reservations', { key: holder.key });
    assert.equal(all.status, 200);
    assert.deepEqual((await ctx.call('GET', '/api/v1/phone-numbers/reservations', { key: holder.key })).body.results, []);

    for (const body of [{}, { did_number: FIRST, did_numbers: [FIRST] }, { did_numbers: [] }, { did_number: 'not a number' }, { did_number: FIRST, minutes: 0 }]) {
      const answer = await reserve(ctx, holder, body);
      assert.ok([400].includes(answer.status), `${JSON.stringify(body)}: ${answer.status} ${JSON.stringify(answer.body)}`);
      assert.ok(['invalid_request', 'invalid_number'].includes(answer.body.code));
    }
  });

  it('gives a number wanted by many at once to exactly one holder', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: FIRST, setup: 2_50, monthly: 10_00 }]);
    const accounts = await Promise.all(Array.from({ length: 8 }, () => ctx.createAccount({ balance: 100_00 })));
    const peer = await ctx.createPeerApp();
    const answers = await Promise.all(
      accounts.map((account, i) =>
        (i % 2 === 0 ? ctx.app : peer.app).inject({ method: 'POST', url: '/api/v1/phone-numbers/reservations', headers: { 'x-crazytel-api-key': account.key }, payload: { did_number: FIRST } }),
      ),
    );
    assert.deepEqual(answers.map((a) => a.statusCode).sort(), [201, 404, 404, 404, 404, 404, 404, 404]);
    const winner = accounts[answers.findIndex((a) => a.statusCode === 201)]!;
    const buys = await Promise.all(accounts.map((account) => buy(ctx, account, FIRST)));
    assert.deepEqual(buys.map((b, i) => [accounts[i] === winner, b.status]).filter(([, status]) => status === 200), [[true, 200]]);
    await assertInvariants(ctx.db, ctx.carrier);
  });

  it('never lets a hold and another account’s purchase both succeed at once; a number its holder bought no longer counts against the cap', async (t) => {
    const ctx = await createTestContext(t, dialect, { reservations: { ...DEFAULT_RESERVATION_SETTINGS, maxPerAccount: 2 } });
    const peer = await ctx.createPeerApp();
    const holder = await ctx.createAccount({ balance: 500_00 });
    const buyer = await ctx.createAccount({ balance: 500_00 });
    const unique = Array.from({ length: 20 }, (_, i) => `612912346${String(i).padStart(2, '0')}`);
    await ctx.seedNumbers(unique.map((number) => ({ number, setup: 1_00, monthly: 1_00 })));
    let both = 0;
    for (const number of unique) {
      const [held, bought] = await Promise.all([
        ctx.app.inject({ method: 'POST', url: '/api/v1/phone-numbers/reservations', headers: { 'x-crazytel-api-key': holder.key }, payload: { did_number: number } }),
        peer.app.inject({ method: 'POST', url: '/api/v1/phone-numbers/purchase', headers: { 'x-crazytel-api-key': buyer.key }, payload: purchaseBody(buyer, number) }),
      ]);
      if (held.statusCode === 201 && bought.statusCode === 200) both += 1;
      if (held.statusCode === 201) await ctx.call('DELETE', `/api/v1/phone-numbers/reservations/${number}`, { key: holder.key });
    }
    assert.equal(both, 0, 'a number held is not sold to another at the same moment');

    const fresh = ['61291234690', '61291234691', '61291234692'];
    await ctx.seedNumbers(fresh.map((number) => ({ number, setup: 1_00, monthly: 1_00 })));
    assert.equal((await reserve(ctx, holder, { did_numbers: fresh.slice(0, 2) })).status, 201);
    for (const number of fresh.slice(0, 2)) assert.equal((await buy(ctx, holder, number)).status, 200);
    assert.equal((await reserve(ctx, holder, { did_number: fresh[2] })).status, 201, 'the bought numbers hold nothing any more');
    await assertInvariants(ctx.db, ctx.carrier);
  });
});
