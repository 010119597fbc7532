import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@bilby/sdk';
import { periodStart } from '../server/src/domain/rental-period.js';
import { runCli } from './helpers/cli.js';
import { ADMIN_HEADERS, createTestContext, purchaseBody, TEST_ADMIN_KEY, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

const NUMBER = '61291234567';
const middayOn = (date: string) => `${date}T02:00:00.000Z`;

/** The run once it has ended, followed as the operator would. */
async function finished(ctx: TestContextApi, id: string): Promise<any> {
  for (;;) {
    const run = await ctx.call('GET', `/admin/v1/billing/runs/${id}`, { headers: ADMIN_HEADERS });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    if (run.body.status !== 'running') return run.body;
    await sleep(10);
  }
}

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

    const started = await ctx.call('POST', '/admin/v1/billing/runs', {
      headers: { ...ADMIN_HEADERS, 'idempotency-key': 'first-run' },
      body: { as_of: middayOn(periodStart(tenure.purchased_on, 1)) },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.match(started.body.id, /^bil_\w+$/);
    assert.deepEqual([started.body.status, started.body.started_by, started.body.as_of, started.body.tenures_done], ['running', 'operator', periodStart(tenure.purchased_on, 1), 0]);
    const run = await finished(ctx, started.body.id);
    const { id: _id, started_at: _s, updated_at: _u, finished_at: finishedAt, ...report } = run;
    assert.ok(finishedAt);
    assert.deepEqual(report, {
      status: 'completed',
      started_by: 'operator',
      as_of: periodStart(tenure.purchased_on, 1),
      tenures_total: 1,
      tenures_done: 1,
      renewed: 0,
      charged: 0,
      suspended: 1,
      reactivated: 0,
      still_suspended: 1,
      released: 0,
      released_at_period_end: 0,
      error: null,
    });
    const retried = await ctx.call('POST', '/admin/v1/billing/runs', {
      headers: { ...ADMIN_HEADERS, 'idempotency-key': 'first-run' },
      body: { as_of: middayOn(periodStart(tenure.purchased_on, 1)) },
    });
    assert.deepEqual([retried.status, retried.body.id], [202, started.body.id], 'a retry with the key answers the same run');
    const listed = await ctx.call('GET', '/admin/v1/billing/runs', { headers: ADMIN_HEADERS });
    assert.deepEqual(listed.body.results.map((r: { id: string }) => r.id), [started.body.id], 'one run for the key');
    assert.equal((await ctx.call('GET', '/admin/v1/billing/runs/bil_nope', { headers: ADMIN_HEADERS })).status, 404);
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
    const seen: string[] = [];
    const viaSdk = await admin.admin.billing.run({ asOf: middayOn(periodStart(tenure.purchased_on, 1)), pollIntervalMs: 20, onProgress: (r) => seen.push(r.status) });
    assert.deepEqual([viaSdk.status, viaSdk.renewed], ['completed', 0], 'the period paid by the credit is not charged again');
    assert.deepEqual([seen[0], seen.at(-1)], ['running', 'completed'], 'the SDK followed the run from its start to its end');
    assert.equal((await admin.admin.billing.get(viaSdk.id)).status, 'completed');
    const unwaited = await admin.admin.billing.run({ asOf: middayOn(periodStart(tenure.purchased_on, 1)), wait: false });
    assert.equal(unwaited.status, 'running');
    assert.equal((await finished(ctx, unwaited.id)).renewed, 0);
    assert.deepEqual((await admin.admin.billing.list({ limit: 2 })).map((r) => r.id), [unwaited.id, viaSdk.id], 'newest first');
    const env = { BILBY_BASE_URL: baseUrl, BILBY_ADMIN_KEY: TEST_ADMIN_KEY, BILBY_CONFIG: '/nonexistent/bilby.json' };
    const cli = await runCli(['billing', 'run', '--as-of', middayOn(periodStart(tenure.purchased_on, 2))], env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^Billed up to ${periodStart(tenure.purchased_on, 2)}: 1 renewals charged, \\$10\\.00 in all\\.\\n$`));
    const noWait = await runCli(['billing', 'run', '--no-wait', '--as-of', middayOn(periodStart(tenure.purchased_on, 2))], env);
    assert.equal(noWait.code, 0, noWait.stderr);
    assert.match(noWait.stdout, /^bil_\w+\n$/);
    const followed = await finished(ctx, noWait.stdout.trim());
    assert.deepEqual([followed.status, followed.renewed], ['completed', 0], 'the period the CLI charged is not charged again');
    const shown = await runCli(['billing', 'show', noWait.stdout.trim()], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Run:\s+bil_\w+ \(completed, started by operator at .+\)\nTenures:\s+0\/0\nBilled up to /);
    const usage = await runCli(['billing', 'run', '--as-of', 'soon'], env);
    assert.notEqual(usage.code, 0);
    assert.match(usage.stderr, /--as-of must be an instant/);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
