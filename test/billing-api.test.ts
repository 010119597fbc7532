import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { createClient } from '@bilby/sdk';
import { periodStart } from '../server/src/domain/rental-period.js';
import { runCli } from './helpers/cli.js';
import { ADMIN_HEADERS, createTestContext, purchaseBody, TEST_ADMIN_KEY } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

const NUMBER = '61291234567';
const middayOn = (date: string) => `${date}T02:00:00.000Z`;

describeEachDatabase('billing through the operator API, the SDK and the CLI', (dialect) => {
  it('runs billing as of an instant, shows the unpaid number suspended, settles it the moment the operator credits, and says what it did', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const buyer = await ctx.createAccount({ balance: 12_00 });
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, NUMBER) })).status, 200);
    const tenure = await ctx.db.selectFrom('rental').selectAll().where('did_number', '=', NUMBER).executeTakeFirstOrThrow();

    const bad = await ctx.call('POST', '/admin/v1/billing/runs', { headers: ADMIN_HEADERS, body: { as_of: 'next tuesday' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_request');
    assert.equal((await ctx.call('POST', '/admin/v1/billing/runs', { body: {} })).status, 401, 'the operator key is required');

    const run = await ctx.call('POST', '/admin/v1/billing/runs', { headers: ADMIN_HEADERS, body: { as_of: middayOn(periodStart(tenure.purchased_on, 1)) } });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.deepEqual(run.body, { as_of: periodStart(tenure.purchased_on, 1), renewed: 0, charged: 0, suspended: 1, reactivated: 0, still_suspended: 1, released: 0, released_at_period_end: 0 });
    assert.equal((await ctx.call('GET', `/api/v1/phone-numbers/${NUMBER}`, { key: buyer.key })).body.status, 'suspended');
    const stocked = await ctx.call('GET', `/admin/v1/numbers/${NUMBER}`, { headers: ADMIN_HEADERS });
    assert.equal(stocked.status, 200, JSON.stringify(stocked.body));
    assert.equal(stocked.body.status, 'suspended', 'the operator sees it suspended too');

    // The operator's credit settles the arrears before it answers.
    const credit = await ctx.call('POST', `/admin/v1/accounts/${buyer.accountId}/credits`, { headers: ADMIN_HEADERS, body: { amount: 20, reason: 'Payment received' } });
    assert.equal(credit.status, 201, JSON.stringify(credit.body));
    assert.equal((await ctx.call('GET', `/api/v1/phone-numbers/${NUMBER}`, { key: buyer.key })).body.status, 'active');
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: buyer.key })).body.balance, 2 + 20 - 10);

    // The SDK and the CLI, over real HTTP.
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    const admin = createClient({ baseUrl, adminKey: TEST_ADMIN_KEY });
    const viaSdk = await admin.admin.billing.run({ asOf: middayOn(periodStart(tenure.purchased_on, 1)) });
    assert.equal(viaSdk.renewed, 0, 'the period paid by the credit is not charged again');
    const env = { BILBY_BASE_URL: baseUrl, BILBY_ADMIN_KEY: TEST_ADMIN_KEY, BILBY_CONFIG: '/nonexistent/bilby.json' };
    const cli = await runCli(['billing', 'run', '--as-of', middayOn(periodStart(tenure.purchased_on, 2))], env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^Billed up to ${periodStart(tenure.purchased_on, 2)}: 1 renewals charged, \\$10\\.00 in all\\.\\n$`));
    const usage = await runCli(['billing', 'run', '--as-of', 'soon'], env);
    assert.notEqual(usage.code, 0);
    assert.match(usage.stderr, /--as-of must be an instant/);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
