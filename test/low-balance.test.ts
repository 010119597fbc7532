import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runBilling } from '../server/src/services/run-billing.js';
import { createTestContext, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

async function lowEvents(ctx: TestContextApi, account: TestAccount) {
  const answer = await ctx.call('GET', '/api/v1/events/', { key: account.key });
  return (answer.body.results as Array<{ kind: string; id: string; data: Record<string, number> }>).filter((e) => e.kind === 'balance.low');
}

describeEachDatabase('low-balance alert', (dialect) => {
  it('tells balance.low once each time the balance falls below the threshold, whichever write moved it', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const account = await ctx.createAccount({ balance: 30_00 });
    const numbers = ['61291234501', '61291234502', '61291234503'];
    await ctx.seedNumbers(numbers.map((number) => ({ number, setup: 2_50, monthly: 10_00 })));
    const set = await ctx.call('PUT', '/api/v1/account/low-balance-alert', { key: account.key, body: { threshold: 20 } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual([set.body.balance, set.body.low_balance_alert], [30, 20]);
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: account.key })).body.low_balance_alert, 20);
    assert.deepEqual(await lowEvents(ctx, account), [], 'setting it tells nothing');

    const buy = (did: string) => ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, did) });
    assert.equal((await buy(numbers[0]!)).status, 200);
    let told = await lowEvents(ctx, account);
    assert.equal(told.length, 1, 'the purchase took it from 30 to 17.50');
    assert.deepEqual([told[0]!.data.balance, told[0]!.data.threshold, told[0]!.data.previous_balance], [17.5, 20, 30]);
    assert.match(told[0]!.id, /^evt_[0-9a-f]{32}$/);
    assert.equal((await buy(numbers[1]!)).status, 200);
    assert.equal((await lowEvents(ctx, account)).length, 1, 'still below: not told again');

    const credited = await ctx.admin('POST', `/accounts/${account.accountId}/credits`, { body: { amount: 25, reason: 'top-up' } });
    assert.equal(credited.status, 201, JSON.stringify(credited.body));
    const debited = await ctx.admin('POST', `/accounts/${account.accountId}/debits`, { body: { amount: 15, reason: 'correction' } });
    assert.equal(debited.status, 201, JSON.stringify(debited.body));
    told = await lowEvents(ctx, account);
    assert.equal(told.length, 2, 'back above at 30, then the debit took it to 15');
    assert.deepEqual([told[1]!.data.balance, told[1]!.data.previous_balance], [15, 30]);
    const ids = (await ctx.call('GET', '/api/v1/events/', { key: account.key })).body.results.map((e: { id: string }) => e.id);
    assert.deepEqual([...ids].sort(), ids, 'the trigger’s ids sort in time order with the others (the pruning relies on it)');

    // A renewal: topped up to 25, the numbers' second months (10.00 each) take the balance below 20
    // again (the one that 25 cannot cover as well is suspended).
    await ctx.admin('POST', `/accounts/${account.accountId}/credits`, { body: { amount: 10, reason: 'top-up' } });
    ctx.advanceClock(32 * 86_400_000);
    const report = await runBilling(ctx.deps);
    assert.ok(report.renewed >= 1, JSON.stringify(report));
    told = await lowEvents(ctx, account);
    assert.equal(told.length, 3, 'the renewal took it from 25 below 20');
    assert.equal(told[2]!.data.previous_balance, 25);

    const off = await ctx.call('PUT', '/api/v1/account/low-balance-alert', { key: account.key, body: { threshold: null } });
    assert.equal(off.body.low_balance_alert, null);
    for (const body of [{ threshold: -1 }, { threshold: 'ten' }, { threshold: 1.005 }, {}]) {
      const answer = await ctx.call('PUT', '/api/v1/account/low-balance-alert', { key: account.key, body });
      assert.deepEqual([answer.status, answer.body.code], [400, 'invalid_request'], JSON.stringify(body));
    }
    await assertInvariants(ctx.db, ctx.carrier);
  });
});
