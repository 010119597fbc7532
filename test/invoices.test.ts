import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { parseAbn } from '../server/src/domain/abn.js';
import { monthInstants, startOfDay } from '../server/src/domain/billing-month.js';
import { invoiceGst } from '../server/src/domain/gst.js';
import { newId } from '../server/src/domain/ids.js';
import { isSupply } from '../server/src/domain/invoice.js';
import { addMonths } from '../server/src/domain/month.js';
import { LEDGER_REVENUE, type TransactionType } from '../server/src/domain/order.js';
import { ConfigError, loadConfig } from '../server/src/config.js';
import { issueInvoices } from '../server/src/services/issue-invoices.js';
import { advanceTenures, postRentalCharges } from '../server/src/store/billing-store.js';
import { postLedgerTransaction } from '../server/src/store/ledger-store.js';
import type { LedgerTransactionRow } from '../server/src/store/tables.js';
import { createClient, NotFoundError } from '../sdk/src/index.js';
import { runCli } from './helpers/cli.js';
import { createTestContext, purchaseBody, TEST_ADMIN_KEY, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvoiceInvariants } from './helpers/invoice-invariants.js';
import { assertInvariants } from './helpers/invariants.js';

const ZONE = 'Australia/Sydney';
const cents = (dollars: number) => Math.round(dollars * 100);

/** Moves the services' clock to `iso`. */
function setClock(ctx: TestContextApi, iso: string): void {
  ctx.advanceClock(Date.parse(iso) - ctx.deps.clock().getTime());
}

async function buy(ctx: TestContextApi, account: TestAccount, didNumber: string): Promise<void> {
  const res = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, didNumber) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** A supply the billing run or a refund would post, straight through the ledger store. */
async function post(ctx: TestContextApi, account: TestAccount, type: TransactionType, amountCents: number, description: string): Promise<void> {
  await ctx.database.writeTransaction((trx) =>
    postLedgerTransaction(trx, {
      id: newId('txn'),
      accountId: account.accountId,
      type,
      amountCents,
      counterAccount: LEDGER_REVENUE,
      releasesHeldCents: 0,
      orderId: null,
      description,
      at: ctx.deps.clock().toISOString(),
    }),
  );
}

/** A rental period charged as the billing run charges it (its ledger transaction, its period's row, the tenure moved on), dated now. */
async function chargeRental(ctx: TestContextApi, account: TestAccount, didNumber: string, start: string, end: string): Promise<void> {
  const at = ctx.deps.clock().toISOString();
  await ctx.database.writeTransaction(async (trx) => {
    const tenure = await trx.selectFrom('rental').selectAll().where('did_number', '=', didNumber).where('status', '<>', 'ended').executeTakeFirstOrThrow();
    const number = await trx.selectFrom('phone_number').select('monthly_cost_cents').where('did_number', '=', didNumber).executeTakeFirstOrThrow();
    const balance = await trx.selectFrom('account').select('balance_cents').where('id', '=', account.accountId).executeTakeFirstOrThrow();
    const amountCents = Number(number.monthly_cost_cents);
    const period = Number(tenure.next_period);
    const charge = { orderId: tenure.order_id, didNumber, accountId: account.accountId, period, start, end, amountCents, balanceAfterCents: Number(balance.balance_cents) - amountCents };
    await postRentalCharges(trx, [{ ...charge, transactionId: newId('txn') }], new Map([[account.accountId, amountCents]]), at);
    const moved = { orderId: tenure.order_id, didNumber, accountId: account.accountId, nextPeriod: period + 1, nextDueOn: end, paidUp: true, wasSuspended: false };
    await advanceTenures(trx, [moved], at, at);
  });
}

async function ledgerOf(ctx: TestContextApi, accountId: string): Promise<LedgerTransactionRow[]> {
  const rows = await ctx.db.selectFrom('ledger_transaction').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({ ...row, amount_cents: Number(row.amount_cents), balance_after_cents: Number(row.balance_after_cents), gst_cents: Number(row.gst_cents) }));
}

interface InvoiceJson {
  id: string;
  number: number;
  month: string;
  title: string;
  total: number;
  gst: number;
  supplier: { name: string; abn: string; address: string | null };
  items: Array<{ transaction_id: string; date: string; type: string; description: string; amount: number; gst: number }>;
  statement: { opening_balance: number; credits: number; charges: number; closing_balance: number; transactions: Array<{ transaction_id: string; amount: number }> };
}

/** Every figure of the invoice, checked against the account's ledger for the month. */
async function assertMatchesLedger(ctx: TestContextApi, invoice: InvoiceJson, accountId: string): Promise<void> {
  const ledger = await ledgerOf(ctx, accountId);
  const range = monthInstants(invoice.month, addMonths(invoice.month, 1), ZONE);
  const month = ledger.filter((t) => t.created_at >= range.start && t.created_at < range.end);
  const supplies = month.filter((t) => isSupply(t.type));
  assert.ok(supplies.length > 0, 'the month had charges');
  assert.deepEqual(
    invoice.items.map((item) => [item.transaction_id, cents(item.amount), cents(item.gst), item.description]),
    supplies.map((t) => [t.id, -t.amount_cents, -t.gst_cents, t.description]),
  );
  const totalCents = -supplies.reduce((sum, t) => sum + t.amount_cents, 0);
  assert.equal(cents(invoice.total), totalCents, 'total = the charges');
  assert.equal(
    invoice.items.reduce((sum, item) => sum + cents(item.amount), 0),
    totalCents,
    'the items add up to the total',
  );
  assert.equal(cents(invoice.gst), invoiceGst(supplies.map((t) => -t.amount_cents)), 'GST rounded once on the total');
  assert.deepEqual(invoice.statement.transactions.map((t) => [t.transaction_id, cents(t.amount)]), month.map((t) => [t.id, t.amount_cents]));
  const opening = ledger.filter((t) => t.created_at < range.start).reduce((sum, t) => sum + t.amount_cents, 0);
  const monthSum = month.reduce((sum, t) => sum + t.amount_cents, 0);
  assert.equal(cents(invoice.statement.opening_balance), opening);
  assert.equal(cents(invoice.statement.closing_balance), opening + monthSum, 'closing = opening + the month’s amounts');
  assert.equal(cents(invoice.statement.closing_balance), month[month.length - 1]!.balance_after_cents, 'closing = the balance after the month’s last transaction');
  assert.equal(cents(invoice.statement.credits) - cents(invoice.statement.charges), monthSum);
  assert.equal(cents(invoice.statement.charges), totalCents);
}

async function invoiceNumbers(ctx: TestContextApi): Promise<number[]> {
  const rows = await ctx.db.selectFrom('invoice').select('number').orderBy('number').execute();
  return rows.map((row) => Number(row.number));
}

async function counterValue(ctx: TestContextApi): Promise<number> {
  const row = await ctx.db.selectFrom('counter').select('value').where('name', '=', 'invoice_number').executeTakeFirstOrThrow();
  return Number(row.value);
}

/** pdftotext's rendering of the PDF, or null (and the test skipped) where poppler is missing outside CI. */
function pdfText(t: TestContext, pdf: Buffer): string | null {
  if (spawnSync('pdftotext', ['-v']).error) {
    const reason = 'pdftotext (poppler-utils) is not installed: apt-get install -y poppler-utils';
    if (process.env.CI === 'true') assert.fail(`${reason}; CI=true needs it`);
    t.skip(reason);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bilby-pdf-'));
  try {
    writeFileSync(join(dir, 'invoice.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', join(dir, 'invoice.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** "$1,234.50" as the PDF writes it. */
const money = (dollars: number) => `${dollars < 0 ? '-' : ''}$${Math.abs(dollars).toLocaleString('en-AU', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describeEachDatabase('tax invoices', (dialect) => {
  it('issues one invoice per account for each ended month with charges, in the billing time zone, its figures the ledger’s', async (t) => {
    const ctx = await createTestContext(t, dialect);
    setClock(ctx, '2027-03-10T01:00:00.000Z');
    const a = await ctx.createAccount({ balance: 100_00, name: 'Alpha Pty Ltd' });
    const b = await ctx.createAccount({ balance: 50_00, name: 'Beta' });
    await ctx.seedNumbers([
      { number: '0291234561', setup: 5_00, monthly: 10_00 },
      { number: '0291234562', setup: 0, monthly: 1_05 },
      { number: '0291234563', setup: 0, monthly: 1_05 },
      { number: '0291234564', setup: 2_00, monthly: 3_00 },
    ]);
    await buy(ctx, a, '0291234561');
    await buy(ctx, a, '0291234562');
    await buy(ctx, a, '0291234563');
    setClock(ctx, '2027-03-20T02:00:00.000Z');
    await chargeRental(ctx, a, '61291234561', '2027-03-20', '2027-04-19');
    await post(ctx, a, 'refund', 2_00, 'Refund for 61291234563');
    const credit = await ctx.admin('POST', `/accounts/${a.accountId}/credits`, { body: { amount: 20, reason: 'Bank transfer' } });
    assert.equal(credit.status, 201, JSON.stringify(credit.body));

    // 00:05 on 1 April in Sydney: the month has ended, but not long enough ago for a late commit.
    setClock(ctx, '2027-03-31T13:05:00.000Z');
    assert.deepEqual(await issueInvoices(ctx.deps, ctx.deps.clock()), { months: [], issued: 0 });
    setClock(ctx, '2027-03-31T13:11:00.000Z');
    assert.deepEqual(await issueInvoices(ctx.deps, ctx.deps.clock()), { months: ['2027-03'], issued: 1 });

    // 00:30 on 1 April in Sydney, still March in UTC: April's.
    setClock(ctx, '2027-03-31T13:30:00.000Z');
    await buy(ctx, b, '0291234564');
    setClock(ctx, '2027-04-20T02:00:00.000Z');
    await chargeRental(ctx, a, '61291234561', '2027-04-20', '2027-05-19');
    setClock(ctx, '2027-05-01T00:00:00.000Z');
    assert.deepEqual(await issueInvoices(ctx.deps, ctx.deps.clock()), { months: ['2027-04'], issued: 2 });
    assert.deepEqual(await issueInvoices(ctx.deps, ctx.deps.clock()), { months: [], issued: 0 }, 'a rerun issues nothing');
    assert.deepEqual(await invoiceNumbers(ctx), [1, 2, 3]);

    const listA = await ctx.call('GET', '/api/v1/account/invoices/', { key: a.key });
    assert.equal(listA.status, 200);
    assert.deepEqual(listA.body.results.map((r: { month: string; number: number }) => [r.month, r.number]), [['2027-04', 2], ['2027-03', 1]]);
    const paged = await ctx.call('GET', '/api/v1/account/invoices', { key: a.key, query: { limit: '1' } });
    assert.equal(paged.body.results[0].number, 2);
    const second = await ctx.call('GET', '/api/v1/account/invoices', { key: a.key, query: { limit: '1', cursor: paged.body.next_cursor } });
    assert.deepEqual([second.body.results.map((r: { number: number }) => r.number), second.body.next_cursor], [[1], null]);

    const march = (await ctx.call('GET', `/api/v1/account/invoices/${listA.body.results[1].id}`, { key: a.key })).body as InvoiceJson;
    assert.equal(march.title, 'Tax invoice');
    assert.deepEqual(march.supplier, { name: 'Bilby Telecom Pty Ltd', abn: '51 824 753 556', address: '1 George Street, Sydney NSW 2000' });
    assert.deepEqual(march.items.map((item) => item.type), ['purchase', 'purchase', 'purchase', 'rental', 'refund']);
    assert.deepEqual([march.total, march.gst], [25.1, 2.28]);
    // Each item's GST rounded alone would sum to a cent more than the invoice's.
    assert.equal(march.items.reduce((sum, item) => sum + cents(item.gst), 0), 229);
    assert.deepEqual([march.statement.opening_balance, march.statement.credits, march.statement.closing_balance], [0, 120, 94.9]);
    await assertMatchesLedger(ctx, march, a.accountId);

    const april = (await ctx.call('GET', `/api/v1/account/invoices/${listA.body.results[0].id}`, { key: a.key })).body as InvoiceJson;
    await assertMatchesLedger(ctx, april, a.accountId);
    assert.equal(april.statement.opening_balance, march.statement.closing_balance, 'a month opens where the last closed');
    const balanceA = (await ctx.call('GET', '/api/v1/balance/', { key: a.key })).body.balance;
    assert.equal(april.statement.closing_balance, balanceA);

    const listB = await ctx.call('GET', '/api/v1/account/invoices/', { key: b.key });
    assert.deepEqual(listB.body.results.map((r: { month: string; number: number }) => [r.month, r.number]), [['2027-04', 3]], 'B had no charge in March');
    const invoiceB = (await ctx.call('GET', `/api/v1/account/invoices/${listB.body.results[0].id}`, { key: b.key })).body as InvoiceJson;
    await assertMatchesLedger(ctx, invoiceB, b.accountId);
    assert.deepEqual([invoiceB.statement.opening_balance, invoiceB.total, invoiceB.statement.closing_balance], [50, 5, 45]);

    for (const path of [`/api/v1/account/invoices/${march.id}`, `/api/v1/account/invoices/${march.id}/pdf`, '/api/v1/account/invoices/inv_nothing']) {
      const refused = await ctx.call('GET', path, { key: b.key });
      assert.deepEqual([refused.status, refused.body.code], [404, 'invoice_not_found'], path);
    }
    assert.equal((await ctx.call('GET', '/api/v1/account/invoices/', {})).status, 401);

    const all = await ctx.admin('GET', '/invoices');
    assert.deepEqual(all.body.results.map((r: { number: number; account_id: string }) => [r.number, r.account_id]), [
      [3, b.accountId],
      [2, a.accountId],
      [1, a.accountId],
    ]);
    const ofMonth = await ctx.admin('GET', '/invoices', { query: { month: '2027-04', account_id: a.accountId } });
    assert.deepEqual(ofMonth.body.results.map((r: { number: number }) => r.number), [2]);
    assert.equal((await ctx.admin('GET', '/invoices', { query: { month: 'April' } })).status, 400);
    const adminView = await ctx.admin('GET', `/invoices/${march.id}`);
    assert.deepEqual({ ...adminView.body, account_id: undefined }, { ...march, account_id: undefined });
    assert.equal(adminView.body.account_id, a.accountId);
    const adminPdf = await ctx.app.inject({ method: 'GET', url: `/admin/v1/invoices/${march.id}/pdf`, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    assert.equal(adminPdf.statusCode, 200);
    assert.equal((await ctx.admin('GET', '/invoices/inv_nothing')).body.code, 'invoice_not_found');
    await assertInvoiceInvariants(ctx.db, ZONE);
    await assertInvariants(ctx.db, ctx.carrier);
  });

  it('renders the PDF with "Tax invoice", the supplier’s ABN, each item, the GST and the total, as the ledger has them', async (t) => {
    const ctx = await createTestContext(t, dialect);
    setClock(ctx, '2027-06-15T03:00:00.000Z');
    const a = await ctx.createAccount({ balance: 2_000_00, name: 'Gamma Holdings' });
    await ctx.seedNumbers([
      { number: '0291234571', setup: 5_00, monthly: 10_00 },
      { number: '1300123456', setup: 1_000_00, monthly: 33_33 },
    ]);
    await buy(ctx, a, '0291234571');
    await buy(ctx, a, '1300123456');
    await chargeRental(ctx, a, '61291234571', '2027-06-15', '2027-07-14');
    setClock(ctx, '2027-07-02T00:00:00.000Z');
    await issueInvoices(ctx.deps, ctx.deps.clock());
    const [summary] = (await ctx.call('GET', '/api/v1/account/invoices/', { key: a.key })).body.results;
    const invoice = (await ctx.call('GET', `/api/v1/account/invoices/${summary.id}`, { key: a.key })).body as InvoiceJson;
    await assertMatchesLedger(ctx, invoice, a.accountId);

    const res = await ctx.app.inject({ method: 'GET', url: `/api/v1/account/invoices/${summary.id}/pdf`, headers: { 'x-crazytel-api-key': a.key } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.match(String(res.headers['content-disposition']), /filename="invoice-1\.pdf"/);
    assert.equal(res.rawPayload.subarray(0, 5).toString(), '%PDF-');
    const text = pdfText(t, res.rawPayload);
    if (text === null) return;
    assert.match(text, /Tax invoice/);
    assert.match(text, /Bilby Telecom Pty Ltd/);
    assert.match(text, /ABN 51 824 753 556/);
    assert.match(text, /Invoice number\s+1\b/);
    assert.match(text, /Issue date\s+2027-07-02/);
    assert.match(text, /Gamma Holdings/);
    const lines = text.split('\n');
    for (const item of invoice.items) {
      // A long description may wrap onto the next line; the figures stay on its first.
      const at = lines.findIndex((line) => line.trimStart().startsWith(`${item.date} `) && line.includes(item.description.split(' ').slice(0, 3).join(' ')));
      assert.ok(at >= 0, `${item.description} in\n${text}`);
      assert.match(lines[at]!, new RegExp(`\\s${escape(money(item.amount))}\\s+${escape(money(item.gst))}$`), item.description);
      const written = `${lines[at]} ${lines[at + 1]}`.replace(/\$[\d,.]+/g, '').replace(/\s+/g, ' ');
      assert.ok(written.includes(item.description), `${item.description} in ${written}`);
    }
    const ledger = (await ledgerOf(ctx, a.accountId)).filter((t) => isSupply(t.type));
    const totalCents = -ledger.reduce((sum, t) => sum + t.amount_cents, 0);
    assert.match(text, new RegExp(`Total \\(GST inclusive\\)\\s+${escape(money(totalCents / 100))}`));
    assert.match(text, new RegExp(`GST included in the total\\s+${escape(money(invoiceGst(ledger.map((t) => -t.amount_cents)) / 100))}`));
    assert.ok(totalCents > 1_000_00, 'a total over a thousand dollars, written with its thousands separator');
    assert.match(text, new RegExp(`Closing balance\\s+${escape(money(invoice.statement.closing_balance))}`));
  });

  it('numbers invoices 1, 2, 3 … without a gap across accounts while two servers issue them at once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    setClock(ctx, '2027-08-05T01:00:00.000Z');
    const accounts: TestAccount[] = [];
    const numbers = ['0291234581', '0291234582', '0291234583', '0291234584', '0291234585', '0291234586', '0291234587'];
    await ctx.seedNumbers(numbers);
    for (const didNumber of numbers) {
      const account = await ctx.createAccount();
      await buy(ctx, account, didNumber);
      accounts.push(account);
    }
    const peer = await ctx.createPeerApp();
    setClock(ctx, '2027-09-01T00:00:00.000Z');
    const asOf = ctx.deps.clock();
    const reports = await Promise.all([
      issueInvoices(ctx.deps, asOf, { batchSize: 1 }),
      issueInvoices({ ...ctx.deps, database: peer.database }, asOf, { batchSize: 1 }),
      issueInvoices(ctx.deps, asOf, { batchSize: 3 }),
    ]);
    assert.equal(reports.reduce((sum, report) => sum + report.issued, 0), numbers.length, 'each invoice issued once');
    assert.deepEqual(await invoiceNumbers(ctx), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(await counterValue(ctx), 7);
    const owners = await ctx.db.selectFrom('invoice').select(['account_id', 'month']).execute();
    assert.deepEqual(owners.map((row) => row.account_id).sort(), accounts.map((account) => account.accountId).sort());
    assert.ok(owners.every((row) => row.month === '2027-08'));
    const months = await ctx.db.selectFrom('invoice_month').selectAll().execute();
    assert.deepEqual(months.map((row) => [row.month, Number(row.invoices)]), [['2027-08', 7]]);
    await assertInvoiceInvariants(ctx.db, ZONE);
  });

  it('after a run that failed midway, a rerun issues only the missing invoices, and the failed batch took no number', async (t) => {
    const ctx = await createTestContext(t, dialect);
    setClock(ctx, '2027-10-05T01:00:00.000Z');
    const numbers = ['0291234591', '0291234592', '0291234593', '0291234594', '0291234595'];
    await ctx.seedNumbers(numbers);
    const accounts: TestAccount[] = [];
    for (const didNumber of numbers) {
      const account = await ctx.createAccount();
      await buy(ctx, account, didNumber);
      accounts.push(account);
    }
    // The third account's purchase is already on a statement, so the batch that holds it fails.
    const third = [...accounts].sort((x, y) => (x.accountId < y.accountId ? -1 : 1))[2]!;
    const purchase = (await ledgerOf(ctx, third.accountId)).find((row) => row.type === 'purchase')!;
    const blocker = {
      id: 'inv_blocker', number: 999_999, account_id: third.accountId, month: '2000-01', period_start: '2000-01-01', period_end: '2000-01-31',
      issue_date: '2000-02-01', issued_at: '2000-02-01T00:00:00.000Z', supplier_name: 'x', supplier_abn: '51824753556', supplier_address: null,
      customer_name: 'x', customer_code: 'x', total_cents: 0, gst_cents: 0, opening_balance_cents: 0, credits_cents: 0, closing_balance_cents: 0,
    };
    await ctx.db.insertInto('invoice').values(blocker).execute();
    await ctx.db.insertInto('invoice_line').values({ invoice_id: blocker.id, position: 0, transaction_id: purchase.id, type: 'purchase', date: '2000-01-01', description: 'x', amount_cents: 0, gst_cents: 0 }).execute();

    setClock(ctx, '2027-11-03T00:00:00.000Z');
    await assert.rejects(issueInvoices(ctx.deps, ctx.deps.clock(), { batchSize: 2 }));
    await ctx.db.deleteFrom('invoice_line').where('invoice_id', '=', blocker.id).execute();
    await ctx.db.deleteFrom('invoice').where('id', '=', blocker.id).execute();
    assert.deepEqual(await invoiceNumbers(ctx), [1, 2], 'the first batch stands');
    assert.equal(await counterValue(ctx), 2, 'the failed batch gave its numbers back');
    assert.equal((await ctx.db.selectFrom('invoice_month').selectAll().where('month', '=', '2027-10').execute()).length, 0, 'October is not done');

    assert.deepEqual(await issueInvoices(ctx.deps, ctx.deps.clock(), { batchSize: 2 }), { months: ['2027-10'], issued: 3 });
    assert.deepEqual(await invoiceNumbers(ctx), [1, 2, 3, 4, 5]);
    assert.deepEqual(await issueInvoices(ctx.deps, ctx.deps.clock()), { months: [], issued: 0 });
    for (const account of accounts) {
      const list = await ctx.call('GET', '/api/v1/account/invoices/', { key: account.key });
      assert.equal(list.body.results.length, 1);
      await assertMatchesLedger(ctx, (await ctx.call('GET', `/api/v1/account/invoices/${list.body.results[0].id}`, { key: account.key })).body, account.accountId);
    }
    await assertInvoiceInvariants(ctx.db, ZONE);
  });
});

describe('tax invoices without a supplier, and the supplier settings', () => {
  it('issues none until the supplier’s name and ABN are configured', async (t) => {
    const ctx = await createTestContext(t, 'sqlite');
    const { supplier, ...settings } = ctx.deps.settings;
    assert.ok(supplier);
    const report = await issueInvoices({ ...ctx.deps, settings }, new Date(ctx.deps.clock().getTime() + 62 * 86_400_000));
    assert.deepEqual(report, { months: [], issued: 0, waiting: 'supplier_not_configured' });
  });

  it("takes BILBY_SUPPLIER_NAME and an ABN that passes the ATO's check, and reports a bad one with the others", () => {
    assert.equal(loadConfig({}).supplier, undefined);
    assert.deepEqual(loadConfig({ BILBY_SUPPLIER_NAME: 'Bilby Telecom', BILBY_SUPPLIER_ABN: '51 824 753 556', BILBY_SUPPLIER_ADDRESS: '1 George St' }).supplier, {
      name: 'Bilby Telecom',
      abn: '51824753556',
      address: '1 George St',
    });
    assert.throws(
      () => loadConfig({ BILBY_SUPPLIER_NAME: 'Bilby Telecom', BILBY_SUPPLIER_ABN: '51 824 753 557', PORT: 'x' }),
      (error: unknown) =>
        error instanceof ConfigError && error.problems.length === 2 && error.problems.some((problem) => problem.startsWith('BILBY_SUPPLIER_ABN must be')),
    );
    assert.throws(() => loadConfig({ BILBY_SUPPLIER_ABN: '51824753556' }), /BILBY_SUPPLIER_NAME is required/);
    assert.throws(() => loadConfig({ BILBY_SUPPLIER_NAME: 'Bilby Telecom' }), /BILBY_SUPPLIER_ABN is required/);
    assert.equal(parseAbn('53 004 085 616'), '53004085616');
    assert.equal(parseAbn('5300408561'), null);
    assert.equal(parseAbn('03 004 085 616'), null);
  });

  it('takes months in the billing time zone: Sydney’s April begins at 13:00 UTC on 31 March, October’s after the clocks go forward', () => {
    assert.equal(startOfDay('2027-04-01', ZONE).toISOString(), '2027-03-31T13:00:00.000Z');
    assert.deepEqual(monthInstants('2027-10', '2027-11', ZONE), { start: '2027-09-30T14:00:00.000Z', end: '2027-10-31T13:00:00.000Z' });
    // Havana's clocks skip from midnight to 1 a.m.: the day begins at 1 a.m.
    assert.equal(startOfDay('2027-03-14', 'America/Havana').toISOString(), '2027-03-14T05:00:00.000Z');
  });
});

describe('invoices from the command line', () => {
  it('lists the account’s invoices and downloads one as a PDF; the operator lists every account’s', async (t) => {
    const ctx = await createTestContext(t, 'sqlite');
    setClock(ctx, '2027-01-10T01:00:00.000Z');
    const a = await ctx.createAccount({ name: 'Delta' });
    await ctx.seedNumbers(['0291234601']);
    await buy(ctx, a, '0291234601');
    setClock(ctx, '2027-02-02T00:00:00.000Z');
    await issueInvoices(ctx.deps, ctx.deps.clock());
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'bilby-invoice-cli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const env = { BILBY_BASE_URL: baseUrl, BILBY_API_KEY: a.key, HOME: dir };

    const list = await runCli(['invoices', 'list', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    const [invoice] = JSON.parse(list.stdout).results as Array<{ id: string; number: number; total: number }>;
    assert.deepEqual([invoice!.number, invoice!.total], [1, 15]);
    const table = await runCli(['invoices', 'list'], env);
    assert.match(table.stdout, new RegExp(`${invoice!.id}\\s+1\\s+2027-01\\s+2027-02-02\\s+\\$15\\.00\\s+\\$1\\.36`));

    const file = join(dir, 'january.pdf');
    const download = await runCli(['invoices', 'download', invoice!.id, '--output', file], env);
    assert.equal(download.code, 0, download.stderr);
    assert.match(download.stdout, /Saved invoice inv_\w+ to .*january\.pdf/);
    const served = await ctx.app.inject({ method: 'GET', url: `/api/v1/account/invoices/${invoice!.id}/pdf`, headers: { 'x-crazytel-api-key': a.key } });
    assert.deepEqual(readFileSync(file), served.rawPayload, 'the file is the served PDF');

    const missing = await runCli(['invoices', 'download', 'inv_nothing', '--output', join(dir, 'x.pdf')], env);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /inv_nothing/);

    const other = await ctx.createAccount();
    const sdk = createClient({ baseUrl, apiKey: a.key, adminKey: TEST_ADMIN_KEY });
    assert.equal((await sdk.invoices.get(invoice!.id)).items.length, 1);
    assert.deepEqual(Buffer.from(await sdk.invoices.pdf(invoice!.id)), served.rawPayload);
    await assert.rejects(createClient({ baseUrl, apiKey: other.key }).invoices.pdf(invoice!.id), (error: unknown) => error instanceof NotFoundError && error.code === 'invoice_not_found');
    assert.equal((await sdk.admin.invoices.get(invoice!.id)).account_id, a.accountId);
    assert.deepEqual((await sdk.admin.invoices.list({ account_id: other.accountId })).results, []);

    const operator = await runCli(['admin', 'invoices', 'list', '--month', '2027-01', '--json'], { BILBY_BASE_URL: baseUrl, BILBY_ADMIN_KEY: TEST_ADMIN_KEY, HOME: dir });
    assert.equal(operator.code, 0, operator.stderr);
    assert.deepEqual(JSON.parse(operator.stdout).results.map((r: { account_id: string }) => r.account_id), [a.accountId]);
    const operatorFile = join(dir, 'operator.pdf');
    const operatorDownload = await runCli(['admin', 'invoices', 'download', invoice!.id, '--output', operatorFile], { BILBY_BASE_URL: baseUrl, BILBY_ADMIN_KEY: TEST_ADMIN_KEY, HOME: dir });
    assert.equal(operatorDownload.code, 0, operatorDownload.stderr);
    assert.deepEqual(readFileSync(operatorFile), served.rawPayload);
  });
});
