import { invoiceGst } from '../domain/gst.js';
import { billingMonthOf, monthDates, monthInstants } from '../domain/billing-month.js';
import { newId } from '../domain/ids.js';
import { isSupply } from '../domain/invoice.js';
import { addMonths } from '../domain/month.js';
import { calendarDateOf } from '../domain/rental-period.js';
import { READ_COMMITTED } from '../store/database.js';
import {
  accountNames,
  accountsToInvoice,
  balancesBefore,
  completeInvoiceMonth,
  firstAccountOpenedAt,
  insertInvoices,
  invoicedAccounts,
  lastCompletedInvoiceMonth,
  lockInvoiceCounter,
  setInvoiceCounter,
  transactionsIn,
} from '../store/invoice-store.js';
import type { InvoiceLineRow, InvoiceRow, LedgerTransactionRow } from '../store/tables.js';
import type { ServiceDeps, SupplierSettings } from './deps.js';

/**
 * How long after a month ends its invoices wait: a transaction stamped just before the end may
 * commit a moment after it (or on a server whose clock is a little behind), and an invoice, once
 * issued, never takes in another line.
 */
export const MONTH_SETTLE_MS = 10 * 60_000;

export interface IssueOptions {
  /** Accounts per write transaction: each one's month of transactions is read and written in it. @default 200 */
  batchSize?: number;
}

export interface InvoiceRunReport {
  /** The months this run finished, oldest first. */
  months: string[];
  /** Invoices this run issued. */
  issued: number;
  /** Why nothing could be issued: no supplier configured (BILBY_SUPPLIER_NAME and BILBY_SUPPLIER_ABN). */
  waiting?: 'supplier_not_configured';
}

/**
 * Issues the tax invoice and statement of every account for every month (in the billing time zone)
 * that ended before `asOf` (by MONTH_SETTLE_MS) and had charges, and that is not issued yet.
 *
 * Idempotent and safe to run from several processes at once: an account's invoice for a month is
 * unique, numbers come from one counter locked in the transaction that inserts the invoices (so a
 * rolled-back batch gives its numbers back and they run without gaps), and a month is marked done
 * only once every invoice in it is issued, so a run after a crash issues just the missing ones.
 *
 * @example
 * await issueInvoices(deps, deps.clock()); // after a billing run has charged the month's rentals
 */
export async function issueInvoices(deps: ServiceDeps, asOf: Date, options: IssueOptions = {}): Promise<InvoiceRunReport> {
  const supplier = deps.settings.supplier;
  if (!supplier) return { months: [], issued: 0, waiting: 'supplier_not_configured' };
  const { db } = deps.database;
  const timeZone = deps.settings.billing.timeZone;
  const lastDue = addMonths(billingMonthOf(new Date(asOf.getTime() - MONTH_SETTLE_MS), timeZone), -1);
  const lastDone = await lastCompletedInvoiceMonth(db);
  let month: string;
  if (lastDone !== undefined) month = addMonths(lastDone, 1);
  else {
    const firstAccount = await firstAccountOpenedAt(db);
    if (firstAccount === undefined) return { months: [], issued: 0 };
    month = billingMonthOf(new Date(firstAccount), timeZone);
  }
  const issuedAt = new Date(Math.max(asOf.getTime(), deps.clock().getTime()));
  const report: InvoiceRunReport = { months: [], issued: 0 };
  for (; month <= lastDue; month = addMonths(month, 1)) {
    const { issued, finished } = await issueMonth(deps, supplier, month, issuedAt, options.batchSize ?? 200);
    report.issued += issued;
    if (!finished) break;
    await completeInvoiceMonth(db, month, issuedAt.toISOString());
    report.months.push(month);
  }
  if (report.issued > 0) deps.log.info({ months: report.months, invoices: report.issued }, 'invoices issued');
  return report;
}

/** Issues the month's missing invoices; not finished when the server began closing before the last batch. */
async function issueMonth(
  deps: ServiceDeps,
  supplier: SupplierSettings,
  month: string,
  issuedAt: Date,
  batchSize: number,
): Promise<{ issued: number; finished: boolean }> {
  const timeZone = deps.settings.billing.timeZone;
  const range = monthInstants(month, addMonths(month, 1), timeZone);
  const accounts = await accountsToInvoice(deps.database.db, month, range);
  let issued = 0;
  for (let i = 0; i < accounts.length; i += batchSize) {
    if (deps.stopping?.aborted) return { issued, finished: false };
    const batch = accounts.slice(i, i + batchSize);
    issued += await deps.database.writeTransaction(async (trx) => {
      const lastNumber = await lockInvoiceCounter(trx);
      const done = await invoicedAccounts(trx, month, batch);
      const due = batch.filter((id) => !done.has(id));
      const transactions = await transactionsIn(trx, due, range);
      const byAccount = groupByAccount(transactions);
      const charged = due.filter((id) => byAccount.get(id)?.some((t) => isSupply(t.type)));
      if (charged.length === 0) return 0;
      const openings = await balancesBefore(trx, charged, range.start);
      const names = await accountNames(trx, charged);
      const invoices: InvoiceRow[] = [];
      const lines: InvoiceLineRow[] = [];
      for (const accountId of charged) {
        const built = buildInvoice({
          id: newId('inv'),
          number: lastNumber + invoices.length + 1,
          accountId,
          customer: names.get(accountId)!,
          month,
          supplier,
          issuedAt,
          timeZone,
          openingCents: openings.get(accountId) ?? 0,
          transactions: byAccount.get(accountId)!,
        });
        invoices.push(built.invoice);
        lines.push(...built.lines);
      }
      await insertInvoices(trx, invoices, lines);
      await setInvoiceCounter(trx, lastNumber + invoices.length);
      return invoices.length;
    }, READ_COMMITTED);
  }
  return { issued, finished: true };
}

function groupByAccount(transactions: LedgerTransactionRow[]): Map<string, LedgerTransactionRow[]> {
  const groups = new Map<string, LedgerTransactionRow[]>();
  for (const transaction of transactions) {
    const group = groups.get(transaction.account_id);
    if (group) group.push(transaction);
    else groups.set(transaction.account_id, [transaction]);
  }
  return groups;
}

interface InvoiceInput {
  id: string;
  number: number;
  accountId: string;
  customer: { name: string; code: string };
  month: string;
  supplier: SupplierSettings;
  issuedAt: Date;
  timeZone: string;
  openingCents: number;
  /** The account's transactions of the month, in order. */
  transactions: LedgerTransactionRow[];
}

/** The invoice and its lines: the supplies' charges make the total, the rest the statement's credits. */
export function buildInvoice(input: InvoiceInput): { invoice: InvoiceRow; lines: InvoiceLineRow[] } {
  const lines: InvoiceLineRow[] = input.transactions.map((t, position) => ({
    invoice_id: input.id,
    position,
    transaction_id: t.id,
    type: t.type,
    date: calendarDateOf(new Date(t.created_at), input.timeZone),
    description: t.description,
    amount_cents: t.amount_cents,
    gst_cents: t.gst_cents,
  }));
  // An item's price is what the account paid: a charge of -1500 in the ledger is an item of 1500.
  const itemCents = lines.filter((line) => isSupply(line.type)).map((line) => -line.amount_cents);
  const totalCents = itemCents.reduce((sum, cents) => sum + cents, 0);
  const creditsCents = lines.filter((line) => !isSupply(line.type)).reduce((sum, line) => sum + line.amount_cents, 0);
  const dates = monthDates(input.month);
  const invoice: InvoiceRow = {
    id: input.id,
    number: input.number,
    account_id: input.accountId,
    month: input.month,
    period_start: dates.first,
    period_end: dates.last,
    issue_date: calendarDateOf(input.issuedAt, input.timeZone),
    issued_at: input.issuedAt.toISOString(),
    supplier_name: input.supplier.name,
    supplier_abn: input.supplier.abn,
    supplier_address: input.supplier.address,
    customer_name: input.customer.name,
    customer_code: input.customer.code,
    total_cents: totalCents,
    gst_cents: invoiceGst(itemCents),
    opening_balance_cents: input.openingCents,
    credits_cents: creditsCents,
    closing_balance_cents: input.openingCents + creditsCents - totalCents,
  };
  return { invoice, lines };
}
