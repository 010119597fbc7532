import assert from 'node:assert/strict';
import { type AddressInfo } from 'node:net';
import { it } from 'node:test';
import { runBilling, showBillingRuns } from '../cli/src/commands/admin-billing.js';
import * as plans from '../cli/src/commands/admin-price-plans.js';
import { UsageError } from '../cli/src/failures.js';
import { createClient } from '../sdk/src/index.js';
import { captureIo } from './helpers/cli.js';
import { periodStart } from '../server/src/domain/rental-period.js';
import { createTestContext, purchaseBody, TEST_ADMIN_KEY } from './helpers/context.js';

it('operator commands as functions: price plans from --fixed and --markup, assigning one, and the billing report', async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  const account = await ctx.createAccount({ balance: 10_00 });
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const client = createClient({ baseUrl: `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`, adminKey: TEST_ADMIN_KEY });

  const prices = plans.markupPrice('geographic:10:0:0.5:up_to_95_cents', plans.fixedPrice('mobile:0:5'));
  assert.deepEqual(prices, [
    { number_type: 'mobile', setup_cost: 0, monthly_cost: 5 },
    { number_type: 'geographic', markup_percent: 10, setup_markup: 0, monthly_markup: 0.5, rounding: 'up_to_95_cents' },
  ]);
  assert.deepEqual(plans.markupPrice('tollfree:12.5'), [{ number_type: 'tollfree', markup_percent: 12.5 }]);
  for (const [parse, text] of [[plans.fixedPrice, 'mobile:5'], [plans.fixedPrice, 'satellite:0:5'], [plans.markupPrice, 'mobile:10:1'], [plans.markupPrice, 'mobile:10:0:0:sideways']] as const) {
    assert.throws(() => parse(text), UsageError, text);
  }

  const created = captureIo(true);
  await plans.createPricePlan(client, { name: 'Wholesale', prices }, created);
  const planId = JSON.parse(created.stdout).id as string;
  const shown = captureIo();
  await plans.showPricePlan(client, planId, shown);
  assert.match(shown.stdout, /^Plan:\s+pln_\w+\nName:\s+Wholesale\nAccounts: 0\n/m);
  assert.match(shown.stdout, /geographic: upstream cost \+ 10%, \+ \$0\.00 setup, \+ \$0\.50 a month, rounded up to 95 cents/);
  assert.match(shown.stdout, /mobile: \$0\.00 setup, \$5\.00 a month/);

  const assigned = captureIo();
  await plans.assignPricePlan(client, account.accountId, planId, assigned);
  assert.equal(assigned.stdout, `Account ${account.accountId} is on price plan ${planId}.\n`);
  const listed = captureIo();
  await plans.listPricePlans(client, listed);
  assert.match(listed.stdout, /^ID\s+NAME\s+PRICES\s+ACCOUNTS\npln_\w+\s+Wholesale\s+.*\s1\n$/);
  const refused = plans.deletePricePlan(client, planId, captureIo());
  await assert.rejects(refused, (error: { code?: string }) => error.code === 'in_use');
  await plans.assignPricePlan(client, account.accountId, null, captureIo());
  const updated = captureIo(true);
  await plans.updatePricePlan(client, planId, { name: 'Retail', prices: [] }, updated);
  assert.deepEqual([JSON.parse(updated.stdout).name, JSON.parse(updated.stdout).prices], ['Retail', []]);
  const deleted = captureIo();
  await plans.deletePricePlan(client, planId, deleted);
  assert.equal(deleted.stdout, `Deleted price plan ${planId} (Retail).\n`);

  const report = captureIo();
  await plans.showBillingReport(client, {}, report);
  assert.match(report.stdout, /^Billing as of \d{4}-\d{2}-\d{2}\n\nRevenue \d{4}-\d{2} to \d{4}-\d{2} \(GST included\)\nMONTH\s+TYPE\s+PURCHASES\s+RENTALS\s+REFUNDS\s+REVENUE\s+GST\ntotal\s+-\s+\$0\.00/);
  assert.match(report.stdout, /\nNumbers: 0 \(available 0, reserved 0, active 0, suspended 0, quarantine 0, withdrawn 0\)\n/);
  assert.match(report.stdout, /\nDATE\s+RENEWALS\s+AMOUNT\noverdue\s+0\s+\$0\.00\ntotal\s+0\s+\$0\.00\n\nAccounts that cannot cover them\n\(none\)\n$/);
});

it('billing run as a function: follows the run to its report with a line per tenth piped, --no-wait prints only the id, and show lists the runs', async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  const buyer = await ctx.createAccount({ balance: 100_00 });
  await ctx.seedNumbers([
    { number: '61291234561', setup: 0, monthly: 10_00 },
    { number: '61291234562', setup: 0, monthly: 10_00 },
  ]);
  for (const did of ['61291234561', '61291234562']) {
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, did) })).status, 200);
  }
  const tenure = await ctx.db.selectFrom('rental').select('purchased_on').executeTakeFirstOrThrow();
  const asOf = (period: number) => `${periodStart(tenure.purchased_on, period)}T02:00:00.000Z`;
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const client = createClient({ baseUrl: `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`, adminKey: TEST_ADMIN_KEY });

  const followed = captureIo();
  await runBilling(client, { asOf: asOf(1), wait: true }, followed, false);
  assert.equal(followed.stdout, `Billed up to ${periodStart(tenure.purchased_on, 1)}: 2 renewals charged, $20.00 in all.\n`);
  assert.match(followed.stderr, /^billing: 100% \(2 of 2 tenures, 2 renewed\)\n$/);

  const started = captureIo();
  await runBilling(client, { asOf: asOf(1), wait: false }, started, false);
  assert.match(started.stdout, /^bil_\w+\n$/);
  assert.equal(started.stderr, '');
  const id = started.stdout.trim();
  while ((await client.admin.billing.get(id)).status === 'running') await new Promise((resolve) => setTimeout(resolve, 10));

  const listed = captureIo();
  await showBillingRuns(client, undefined, listed);
  const lines = listed.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, new RegExp(`^${id}  completed    operator  as of ${periodStart(tenure.purchased_on, 1)}  0/0 tenures, 0 renewed$`), 'newest first: nothing left to charge');
  assert.match(lines[1]!, /^bil_\w+  completed    operator  as of \S+  2\/2 tenures, 2 renewed$/);
  const json = captureIo(true);
  await showBillingRuns(client, id, json);
  assert.deepEqual([JSON.parse(json.stdout).id, JSON.parse(json.stdout).status], [id, 'completed']);
});
