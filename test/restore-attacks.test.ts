import assert from 'node:assert/strict';
import { it } from 'node:test';
import { periodStart } from '../server/src/domain/rental-period.js';
import { recoverReleases } from '../server/src/services/release-number.js';
import { recoverRestores } from '../server/src/services/restore-number.js';
import { reconcileUpstream } from '../server/src/services/reconcile-upstream.js';
import { issueInvoices } from '../server/src/services/issue-invoices.js';
import { runBilling } from '../server/src/services/run-billing.js';
import { ADMIN_HEADERS, createTestContext, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

const NUMBER = '61291234567';
const DAY_MS = 86_400_000;

async function buy(ctx: TestContextApi, account: TestAccount): Promise<void> {
  const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, NUMBER) });
  assert.equal(bought.status, 200, JSON.stringify(bought.body));
}

async function release(ctx: TestContextApi, account: TestAccount): Promise<void> {
  const released = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: account.key, body: { did_number: NUMBER } });
  assert.equal(released.status, 200, JSON.stringify(released.body));
}

function restore(ctx: TestContextApi, account: TestAccount, headers: Record<string, string> = {}) {
  return ctx.call('POST', `/api/v1/phone-numbers/${NUMBER}/restore`, { key: account.key, headers });
}

async function numberStatus(ctx: TestContextApi): Promise<string> {
  return (await ctx.db.selectFrom('phone_number').select('status').where('did_number', '=', NUMBER).executeTakeFirstOrThrow()).status;
}

describeEachDatabase('attacks on restoring a released number', (dialect) => {
  it('a restore the carrier refused is run again when retried under the same Idempotency-Key', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    await release(ctx, owner);

    ctx.carrier.inject({ kind: 'fail' });
    const refused = await restore(ctx, owner, { 'idempotency-key': 'restore-after-refusal' });
    assert.deepEqual([refused.status, refused.body.code, refused.body.retryable], [500, 'upstream_error', true], JSON.stringify(refused.body));
    assert.equal(await numberStatus(ctx), 'quarantine');

    // The SDK retries a retryable 5xx with the same key, as a purchase's retry runs again.
    const retried = await restore(ctx, owner, { 'idempotency-key': 'restore-after-refusal' });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal(await numberStatus(ctx), 'active');
    const replayed = await restore(ctx, owner, { 'idempotency-key': 'restore-after-refusal' });
    assert.deepEqual([replayed.status, replayed.body.restore_id], [200, retried.body.restore_id]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('a retry under the key of a restore left pending is told it is pending, then answered by the restore once it completed', async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 200 });
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    await release(ctx, owner);

    ctx.carrier.inject({ kind: 'hang', ms: 1_000 });
    const pending = await restore(ctx, owner, { 'idempotency-key': 'slow-restore' });
    assert.deepEqual([pending.status, pending.body.code], [500, 'upstream_pending'], JSON.stringify(pending.body));
    const whilePending = await restore(ctx, owner, { 'idempotency-key': 'slow-restore' });
    assert.deepEqual([whilePending.status, whilePending.body.code, whilePending.body.restore_id], [500, 'upstream_pending', pending.body.restore_id]);
    await waitForRestore(ctx, pending.body.restore_id, 'completed');
    const settled = await restore(ctx, owner, { 'idempotency-key': 'slow-restore' });
    assert.deepEqual([settled.status, settled.body.restore_id], [200, pending.body.restore_id], JSON.stringify(settled.body));
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('recovery failing a restore while the carrier is still provisioning it: the carrier releases it again and the number waits in quarantine', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    await release(ctx, owner);
    const balance = Number((await ctx.db.selectFrom('account').select('balance_cents').executeTakeFirstOrThrow()).balance_cents);

    ctx.carrier.inject({ kind: 'hang', ms: 600 });
    const answer = restore(ctx, owner, { 'idempotency-key': 'raced-by-recovery' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(await recoverRestores(ctx.deps), { completed: 0, failed: 1, unresolved: 0 });
    const refused = await answer;
    assert.deepEqual([refused.status, refused.body.code], [500, 'upstream_error'], JSON.stringify(refused.body));
    assert.equal(await numberStatus(ctx), 'quarantine');
    assert.deepEqual(await ctx.carrier.listProvisioned(), []);
    const account = await ctx.db.selectFrom('account').select(['balance_cents', 'held_cents']).executeTakeFirstOrThrow();
    assert.deepEqual([Number(account.balance_cents), Number(account.held_cents)], [balance, 0]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
    const retried = await restore(ctx, owner, { 'idempotency-key': 'raced-by-recovery' });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it("the buyer's IPND address and person cannot be deleted while a restore that names them is pending", async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 200 });
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    await release(ctx, owner);

    ctx.carrier.inject({ kind: 'hang', ms: 1_000 });
    const pending = await restore(ctx, owner);
    assert.deepEqual([pending.status, pending.body.code], [500, 'upstream_pending'], JSON.stringify(pending.body));
    const address = await ctx.call('DELETE', `/api/v1/account/address/${owner.addressId}`, { key: owner.key });
    const person = await ctx.call('DELETE', `/api/v1/account/person/${owner.personId}`, { key: owner.key });
    assert.deepEqual([address.status, address.body.code, person.status, person.body.code], [409, 'in_use', 409, 'in_use']);

    await waitForRestore(ctx, pending.body.restore_id, 'completed');
    const number = await ctx.db.selectFrom('phone_number').select(['status', 'address_id', 'person_id']).where('did_number', '=', NUMBER).executeTakeFirstOrThrow();
    assert.deepEqual(number, { status: 'active', address_id: owner.addressId, person_id: owner.personId });
    const records = await ctx.db.selectFrom('address').select('id').where('id', '=', owner.addressId).execute();
    assert.equal(records.length, 1, 'the active number names an address that exists');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('a failed restore leaves the number in quarantine naming no records, so they can be deleted', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    await release(ctx, owner);
    ctx.carrier.inject({ kind: 'fail' });
    assert.equal((await restore(ctx, owner)).status, 500);
    const number = await ctx.db.selectFrom('phone_number').select(['status', 'address_id', 'person_id', 'account_id']).where('did_number', '=', NUMBER).executeTakeFirstOrThrow();
    assert.deepEqual(number, { status: 'quarantine', address_id: null, person_id: null, account_id: null });
    assert.equal((await ctx.call('DELETE', `/api/v1/account/address/${owner.addressId}`, { key: owner.key })).status, 200);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('after a release for non-payment: the unpaid month is charged, on its Sydney date, and lands on that month\'s invoice as a renewal would', async (t) => {
    const ctx = await createTestContext(t, dialect);
    setClock(ctx, '2027-01-10T02:00:00.000Z');
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 10_00 });
    await buy(ctx, owner);
    const bought = await ctx.db.selectFrom('rental').selectAll().executeTakeFirstOrThrow();
    assert.equal(bought.purchased_on, '2027-01-10');

    setClock(ctx, '2027-02-10T02:00:00.000Z');
    assert.equal((await runBilling(ctx.deps)).suspended, 1);
    setClock(ctx, '2027-02-24T03:00:00.000Z');
    assert.equal((await runBilling(ctx.deps)).released, 1, 'released for staying unpaid');
    assert.equal(await numberStatus(ctx), 'quarantine');
    const credit = await ctx.call('POST', `/admin/v1/accounts/${owner.accountId}/credits`, { headers: ADMIN_HEADERS, body: { amount: 30, reason: 'Top-up' } });
    assert.equal(credit.status, 201, JSON.stringify(credit.body));

    // 01:30 on 1 March in Sydney (still 28 February in UTC): no new period has begun on the 10th's anniversary.
    setClock(ctx, '2027-02-28T14:30:00.000Z');
    const restored = await restore(ctx, owner);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual([restored.body.charged, restored.body.balance, restored.body.next_renewal_on], [10, 20, '2027-03-10']);
    const charges = await ctx.db.selectFrom('rental_charge').select(['period', 'period_start', 'period_end', 'amount_cents']).execute();
    assert.deepEqual(charges.map((row) => [Number(row.period), row.period_start, row.period_end, Number(row.amount_cents)]), [[1, '2027-02-10', '2027-03-10', 10_00]]);
    const running = await ctx.db.selectFrom('rental').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual([running.status, running.suspended_since, Number(running.next_period)], ['active', null, 2]);
    assert.equal((await ctx.db.selectFrom('phone_number').select('suspended').where('did_number', '=', NUMBER).executeTakeFirstOrThrow()).suspended, 0);

    // 00:10 on 10 March in Sydney (9 March in UTC): the next month is the billing run's, once.
    setClock(ctx, '2027-03-09T13:10:00.000Z');
    assert.equal((await runBilling(ctx.deps)).renewed, 1);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });

    setClock(ctx, '2027-04-01T00:00:00.000Z');
    await issueInvoices(ctx.deps, ctx.deps.clock());
    const lines = await ctx.db
      .selectFrom('invoice_line')
      .innerJoin('invoice', 'invoice.id', 'invoice_line.invoice_id')
      .select(['invoice.month', 'invoice_line.type', 'invoice_line.amount_cents'])
      .where('invoice_line.type', '=', 'rental')
      .orderBy('invoice.month')
      .execute();
    // The restore's month was charged on 1 March in Sydney: March's invoice, with the renewal of 10 March.
    assert.deepEqual(lines.map((line) => [line.month, Number(line.amount_cents)]), [['2027-03', -10_00], ['2027-03', -10_00]]);
  });

  it('reconciliation does not report a number whose restore is pending, nor once it is restored', async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 200 });
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    await release(ctx, owner);
    ctx.carrier.inject({ kind: 'hang', ms: 1_000 });
    const pending = await restore(ctx, owner);
    assert.equal(pending.body.code, 'upstream_pending');
    const before = await reconcileUpstream(ctx.deps);
    assert.deepEqual(before.differences, []);
    assert.deepEqual(before.in_flight.map((number) => [number.did_number, number.saga]), [[NUMBER, 'restore']]);
    await waitForRestore(ctx, pending.body.restore_id, 'completed');
    const after = await reconcileUpstream(ctx.deps);
    assert.deepEqual([after.differences, after.sold, after.owned_upstream], [[], 1, 1]);
  });

  it("the operator's withdraw and price change while a restore is pending: the number is not withdrawn, and the restore charges the price it held", async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 200 });
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    const purchasedOn = (await ctx.db.selectFrom('rental').select('purchased_on').executeTakeFirstOrThrow()).purchased_on;
    const anniversary = Date.parse(`${periodStart(purchasedOn, 1)}T02:00:00.000Z`);
    ctx.advanceClock(anniversary - 2 * DAY_MS - ctx.deps.clock().getTime());
    await release(ctx, owner);
    // A month has begun since the number was paid up to: the restore holds it.
    ctx.advanceClock(anniversary - ctx.deps.clock().getTime());

    ctx.carrier.inject({ kind: 'hang', ms: 1_000 });
    const pending = await restore(ctx, owner);
    assert.equal(pending.body.code, 'upstream_pending', JSON.stringify(pending.body));
    const withdrawn = await ctx.admin('POST', '/inventory/withdraw', { body: { did_numbers: [NUMBER] } });
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
    assert.equal(await numberStatus(ctx), 'reserved');
    const priced = await ctx.admin('PUT', `/numbers/${NUMBER}/price`, { body: { setup_cost: 0, monthly_cost: 25 } });
    assert.equal(priced.status, 200, JSON.stringify(priced.body));

    await waitForRestore(ctx, pending.body.restore_id, 'completed');
    assert.equal(await numberStatus(ctx), 'active');
    const charges = await ctx.db.selectFrom('rental_charge').select('amount_cents').execute();
    assert.deepEqual(charges.map((row) => Number(row.amount_cents)), [10_00]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('a restore asked while a later release is still pending is not answered by the earlier restore', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner);
    await release(ctx, owner);
    const first = await restore(ctx, owner);
    assert.equal(first.status, 200, JSON.stringify(first.body));

    // The carrier's answer to the next release is lost: the release stays pending, for recovery.
    const carrierRelease = ctx.carrier.release.bind(ctx.carrier);
    ctx.carrier.release = async (did: string) => {
      await carrierRelease(did);
      throw new Error('connection reset');
    };
    const releasing = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: owner.key, body: { did_number: NUMBER } });
    assert.deepEqual([releasing.status, releasing.body.code], [500, 'upstream_pending']);
    ctx.carrier.release = carrierRelease;

    const again = await restore(ctx, owner);
    assert.notEqual(again.status, 200, `told it is restored while its release is under way: ${JSON.stringify(again.body)}`);
    assert.equal(again.body.code, 'upstream_pending', JSON.stringify(again.body));
    assert.deepEqual(await recoverReleases(ctx.deps), { completed: 1, unresolved: 0 });
    assert.equal(await numberStatus(ctx), 'quarantine');
    const restored = await restore(ctx, owner);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.notEqual(restored.body.restore_id, first.body.restore_id);
    assert.equal(await numberStatus(ctx), 'active');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it("a destination the operator removed from the account since the release: the restore is refused with invalid_route, and while a restore is pending it cannot be removed", async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 200 });
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    await buy(ctx, owner); // routed to device 1000000
    await release(ctx, owner);
    const destinations = await ctx.admin('GET', `/accounts/${owner.accountId}/destinations`);
    assert.equal(destinations.status, 200, JSON.stringify(destinations.body));
    const device = destinations.body.results.find((row: { route: string; destination: string }) => row.route === 'device' && row.destination === '1000000');

    ctx.carrier.inject({ kind: 'hang', ms: 1_000 });
    const pending = await restore(ctx, owner);
    assert.equal(pending.body.code, 'upstream_pending', JSON.stringify(pending.body));
    const whilePending = await ctx.admin('DELETE', `/accounts/${owner.accountId}/destinations/${device.id}`);
    assert.deepEqual([whilePending.status, whilePending.body.code], [409, 'in_use'], 'the number is about to route there again');
    await waitForRestore(ctx, pending.body.restore_id, 'completed');

    await release(ctx, owner);
    const removed = await ctx.admin('DELETE', `/accounts/${owner.accountId}/destinations/${device.id}`);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    const refused = await restore(ctx, owner);
    assert.deepEqual([refused.status, refused.body.code], [400, 'invalid_route'], JSON.stringify(refused.body));
    assert.equal(await numberStatus(ctx), 'quarantine');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});

function setClock(ctx: TestContextApi, iso: string): void {
  ctx.advanceClock(Date.parse(iso) - ctx.deps.clock().getTime());
}

async function waitForRestore(ctx: TestContextApi, id: string, status: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const row = await ctx.db.selectFrom('restore_order').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    if (row.status === status) return;
    assert.ok(Date.now() < deadline, `restore ${id} is ${row.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
