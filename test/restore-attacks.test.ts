import assert from 'node:assert/strict';
import { it } from 'node:test';
import { periodStart } from '../server/src/domain/rental-period.js';
import { runBilling } from '../server/src/services/run-billing.js';
import { createTestContext, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
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
});
