import assert from 'node:assert/strict';
import { it } from 'node:test';
import { periodStart } from '../server/src/domain/rental-period.js';
import { runBilling } from '../server/src/services/run-billing.js';
import { ADMIN_HEADERS, createTestContext, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

const NUMBER = '61291234567';
const DAY_MS = 86_400_000;

/** Midday in Sydney on a calendar date. */
function middayOn(date: string): Date {
  return new Date(`${date}T02:00:00.000Z`);
}

function moveTo(ctx: TestContextApi, instant: Date): void {
  ctx.advanceClock(instant.getTime() - ctx.deps.clock().getTime());
}

async function buy(ctx: TestContextApi, account: TestAccount, did = NUMBER): Promise<void> {
  const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, did) });
  assert.equal(bought.status, 200, JSON.stringify(bought.body));
}

async function release(ctx: TestContextApi, account: TestAccount, body: Record<string, unknown> = {}): Promise<void> {
  const released = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: account.key, body: { did_number: NUMBER, ...body } });
  assert.equal(released.status, 200, JSON.stringify(released.body));
}

function restore(ctx: TestContextApi, account: TestAccount, headers: Record<string, string> = {}) {
  return ctx.call('POST', `/api/v1/phone-numbers/${NUMBER}/restore`, { key: account.key, headers });
}

async function numberRow(ctx: TestContextApi) {
  return ctx.db.selectFrom('phone_number').selectAll().where('did_number', '=', NUMBER).executeTakeFirstOrThrow();
}

async function tenure(ctx: TestContextApi) {
  return ctx.db.selectFrom('rental').selectAll().where('did_number', '=', NUMBER).executeTakeFirstOrThrow();
}

async function funds(ctx: TestContextApi, account: TestAccount): Promise<{ balance: number; held: number }> {
  const row = await ctx.db.selectFrom('account').select(['balance_cents', 'held_cents']).where('id', '=', account.accountId).executeTakeFirstOrThrow();
  return { balance: Number(row.balance_cents), held: Number(row.held_cents) };
}

async function rentalCharges(ctx: TestContextApi) {
  return ctx.db.selectFrom('rental_charge').select(['period', 'amount_cents']).orderBy('period').execute();
}

describeEachDatabase('restoring a released number', (dialect) => {
  it('within the paid month: nothing is charged, and the number comes back as it was, with its anniversary, its caller ID and its history', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    const other = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    const changed = await ctx.call('PATCH', '/api/v1/phone-numbers', {
      key: owner.key,
      body: { did_number: NUMBER, description: 'Front desk', primary_route: 'voicemail', primary_destination: '2000', backup_route: 'congestion' },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const before = await numberRow(ctx);
    const bought = await tenure(ctx);
    await release(ctx, owner);

    ctx.advanceClock(3 * DAY_MS);
    assert.equal((await numberRow(ctx)).status, 'quarantine');
    const byOther = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: other.key, body: purchaseBody(other, NUMBER) });
    assert.equal(byOther.status, 404, 'nobody else can buy it during the grace days');
    assert.equal((await restore(ctx, other)).status, 404, 'only the account that released it may restore it');

    const balanceBefore = (await funds(ctx, owner)).balance;
    const restored = await restore(ctx, owner);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(restored.body.charged, 0);
    assert.equal(restored.body.balance, balanceBefore / 100);
    assert.equal(restored.body.next_renewal_on, periodStart(bought.purchased_on, 1), 'the same anniversary');
    assert.deepEqual(await funds(ctx, owner), { balance: balanceBefore, held: 0 });

    const after = await numberRow(ctx);
    assert.equal(after.status, 'active');
    assert.equal(after.account_id, owner.accountId);
    assert.equal(after.order_id, bought.order_id, 'linked to its tenure again');
    for (const column of ['description', 'primary_route', 'primary_destination', 'backup_route', 'address_id', 'person_id', 'block_prefs', 'purchased_at'] as const) {
      assert.deepEqual(after[column], before[column], column);
    }
    const running = await tenure(ctx);
    assert.deepEqual([running.status, Number(running.next_period), running.ended_at], ['active', 1, null]);
    const cli = await ctx.db.selectFrom('verified_cli').select('number').where('account_id', '=', owner.accountId).execute();
    assert.deepEqual(cli.map((row) => row.number), [NUMBER]);

    const again = await restore(ctx, owner);
    assert.equal(again.status, 200, 'asking again answers the same restore');
    assert.equal(again.body.restore_id, restored.body.restore_id);
    assert.equal((await funds(ctx, owner)).balance, balanceBefore);

    const history = await ctx.call('GET', `/api/v1/phone-numbers/${NUMBER}/history`, { key: owner.key });
    assert.equal(history.status, 200);
    const kinds = history.body.results.map((event: { kind: string }) => event.kind);
    assert.deepEqual(kinds.slice(0, 2), ['restored', 'released']);
    assert.match(history.body.results[0].actor, /^api_key:/);
    assert.equal(history.body.results[0].details.restore_id, restored.body.restore_id);

    moveTo(ctx, middayOn(periodStart(bought.purchased_on, 1)));
    assert.equal((await runBilling(ctx.deps)).renewed, 1, 'renewed on its old anniversary');
    assert.deepEqual((await rentalCharges(ctx)).map((row) => Number(row.period)), [1]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('after its paid month ended: charges the month begun, once, and refuses while the balance cannot cover it', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 12_00 });
    await buy(ctx, owner);
    const bought = await tenure(ctx);
    const anniversary = periodStart(bought.purchased_on, 1);

    // Released at the end of the paid month by the billing run, as its owner asked.
    await release(ctx, owner, { at_period_end: true });
    moveTo(ctx, middayOn(anniversary));
    const run = await runBilling(ctx.deps);
    assert.deepEqual([run.renewed, run.releasedAtPeriodEnd], [0, 1]);
    assert.equal((await numberRow(ctx)).status, 'quarantine');

    ctx.advanceClock(DAY_MS);
    const short = await restore(ctx, owner);
    assert.equal(short.status, 400, JSON.stringify(short.body));
    assert.equal(short.body.code, 'insufficient_funds');
    assert.equal((await numberRow(ctx)).status, 'quarantine', 'a refused restore changes nothing');
    assert.deepEqual(await funds(ctx, owner), { balance: 2_00, held: 0 });

    const credit = await ctx.call('POST', `/admin/v1/accounts/${owner.accountId}/credits`, { headers: ADMIN_HEADERS, body: { amount: 20, reason: 'Top-up' } });
    assert.equal(credit.status, 201, JSON.stringify(credit.body));
    const restored = await restore(ctx, owner);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(restored.body.charged, 10);
    assert.equal(restored.body.balance, 12);
    assert.equal(restored.body.next_renewal_on, periodStart(bought.purchased_on, 2));
    const charges = await ctx.db.selectFrom('ledger_transaction').selectAll().where('type', '=', 'rental').execute();
    assert.deepEqual(
      charges.map((row) => [Number(row.amount_cents), Number(row.gst_cents), row.order_id]),
      [[-10_00, -91, bought.order_id]],
      'one rental charge for the month begun, with its GST, on the old tenure',
    );
    assert.deepEqual((await rentalCharges(ctx)).map((row) => [Number(row.period), Number(row.amount_cents)]), [[1, 10_00]]);
    assert.equal((await runBilling(ctx.deps)).renewed, 0, 'the month the restore paid is not charged again');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('after the grace days: not_restorable, and the quarantine follows them; a number never released by the caller is not found', async (t) => {
    const ctx = await createTestContext(t, dialect, { quarantineDays: 30 });
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }, { number: '61291234568', setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    assert.equal((await restore(ctx, owner)).body.code, 'number_not_found', 'a number held and never released has nothing to restore');
    const neverReleased = await ctx.call('POST', '/api/v1/phone-numbers/61291234568/restore', { key: owner.key });
    assert.deepEqual([neverReleased.status, neverReleased.body.code], [404, 'number_not_found']);
    const bad = await ctx.call('POST', '/api/v1/phone-numbers/banana/restore', { key: owner.key });
    assert.deepEqual([bad.status, bad.body.code], [400, 'invalid_number']);

    const releasedAt = ctx.deps.clock().getTime();
    await release(ctx, owner);
    const row = await numberRow(ctx);
    const quarantineEnds = new Date(row.quarantine_until!).getTime() - releasedAt;
    assert.ok(Math.abs(quarantineEnds - (7 + 30) * DAY_MS) < 60_000, `grace days, then the quarantine: ${row.quarantine_until}`);
    ctx.advanceClock(7 * DAY_MS + 1000);
    const late = await restore(ctx, owner);
    assert.deepEqual([late.status, late.body.code], [409, 'not_restorable']);
    assert.match(late.body.detail, /grace/);
    assert.equal((await numberRow(ctx)).status, 'quarantine');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('when the carrier refuses, the number goes back to its quarantine with nothing held; a late carrier answer completes a pending restore', async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 300 });
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    const bought = await tenure(ctx);
    const anniversary = periodStart(bought.purchased_on, 1);
    moveTo(ctx, new Date(middayOn(anniversary).getTime() - 2 * DAY_MS));
    await release(ctx, owner);
    const quarantined = await numberRow(ctx);
    // A month has begun since: the restore holds its charge while the carrier is asked.
    moveTo(ctx, new Date(middayOn(anniversary).getTime() + DAY_MS));

    ctx.carrier.inject({ kind: 'fail' });
    const refused = await restore(ctx, owner);
    assert.deepEqual([refused.status, refused.body.code], [500, 'upstream_error'], JSON.stringify(refused.body));
    const back = await numberRow(ctx);
    assert.deepEqual([back.status, back.quarantine_until, back.account_id, back.order_id], ['quarantine', quarantined.quarantine_until, null, null]);
    assert.deepEqual(await funds(ctx, owner), { balance: 50_00 - 10_00, held: 0 });
    assert.equal((await tenure(ctx)).status, 'ended');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });

    ctx.carrier.inject({ kind: 'hang', ms: 1_500 });
    const pending = await restore(ctx, owner);
    assert.deepEqual([pending.status, pending.body.code], [500, 'upstream_pending'], JSON.stringify(pending.body));
    assert.match(pending.body.restore_id, /^rst_/);
    assert.deepEqual(await funds(ctx, owner), { balance: 40_00, held: 10_00 }, 'the month due is held while the carrier is asked');
    await assertInvariants(ctx.db, ctx.carrier);
    const stillPending = await restore(ctx, owner);
    assert.deepEqual([stillPending.body.code, stillPending.body.restore_id], ['upstream_pending', pending.body.restore_id]);

    const deadline = Date.now() + 10_000;
    let settled;
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      settled = await ctx.db.selectFrom('restore_order').select('status').where('id', '=', pending.body.restore_id).executeTakeFirstOrThrow();
    } while (settled.status === 'pending' && Date.now() < deadline);
    assert.equal(settled.status, 'completed', 'the late answer completed it');
    assert.deepEqual(await funds(ctx, owner), { balance: 30_00, held: 0 });
    assert.deepEqual((await rentalCharges(ctx)).map((row) => Number(row.period)), [1]);
    assert.equal((await numberRow(ctx)).status, 'active');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('two restores at once restore once and charge once; an Idempotency-Key replays the answer', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    await release(ctx, owner);
    const balance = (await funds(ctx, owner)).balance;

    const answers = await Promise.all([restore(ctx, owner, { 'idempotency-key': 'restore-1' }), restore(ctx, owner)]);
    const ok = answers.filter((answer) => answer.status === 200);
    assert.ok(ok.length >= 1, JSON.stringify(answers.map((answer) => answer.body)));
    for (const answer of answers) {
      if (answer.status !== 200) assert.equal(answer.body.code, 'upstream_pending', JSON.stringify(answer.body));
    }
    const restores = await ctx.db.selectFrom('restore_order').selectAll().execute();
    assert.deepEqual(restores.map((row) => row.status), ['completed']);
    assert.ok(ok.every((answer) => answer.body.restore_id === restores[0]!.id));
    assert.equal((await funds(ctx, owner)).balance, balance);

    const replayed = await restore(ctx, owner, { 'idempotency-key': 'restore-1' });
    assert.equal(replayed.status, 200);
    assert.equal(replayed.body.restore_id, restores[0]!.id);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
