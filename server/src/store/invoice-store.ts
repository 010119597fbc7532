import { sql } from 'kysely';
import { SUPPLY_TYPES } from '../domain/invoice.js';
import type { Executor } from './database.js';
import { fetchLimit, toPage, type Page, type PageRequest } from './page.js';
import type { InvoiceLineRow, InvoiceRow, LedgerTransactionRow } from './tables.js';

/** A span of stored timestamps: from `start` (inclusive) to `end` (exclusive), ISO-8601 UTC. */
export interface InstantRange {
  start: string;
  end: string;
}

/** The latest month whose every invoice is issued. */
export async function lastCompletedInvoiceMonth(ex: Executor): Promise<string | undefined> {
  const row = await ex.selectFrom('invoice_month').select((eb) => eb.fn.max('month').as('month')).executeTakeFirst();
  return row?.month ?? undefined;
}

/** When the first account was opened: no charge is older. */
export async function firstAccountOpenedAt(ex: Executor): Promise<string | undefined> {
  const row = await ex.selectFrom('account').select((eb) => eb.fn.min('created_at').as('at')).executeTakeFirst();
  return row?.at ?? undefined;
}

/** The accounts charged for a supply in `range` that have no invoice for `month` yet, in id order. */
export async function accountsToInvoice(ex: Executor, month: string, range: InstantRange): Promise<string[]> {
  const rows = await ex
    .selectFrom('ledger_transaction as t')
    .select('t.account_id')
    .distinct()
    .where('t.type', 'in', SUPPLY_TYPES)
    .where('t.created_at', '>=', range.start)
    .where('t.created_at', '<', range.end)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('invoice as i').select('i.id').whereRef('i.account_id', '=', 't.account_id').where('i.month', '=', month))),
    )
    .orderBy('t.account_id')
    .execute();
  return rows.map((row) => row.account_id);
}

/**
 * The last invoice number given, locking the counter's row until the transaction ends: a second
 * issuer waits here (READ COMMITTED on PostgreSQL), and then reads the invoices the first one
 * inserted. Call before reading what to invoice.
 */
export async function lockInvoiceCounter(ex: Executor): Promise<number> {
  const row = await ex
    .updateTable('counter')
    .set({ value: sql`value` })
    .where('name', '=', 'invoice_number')
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

export async function setInvoiceCounter(ex: Executor, value: number): Promise<void> {
  await ex.updateTable('counter').set({ value }).where('name', '=', 'invoice_number').executeTakeFirstOrThrow();
}

/** Which of `accountIds` already have their invoice for `month`. */
export async function invoicedAccounts(ex: Executor, month: string, accountIds: readonly string[]): Promise<Set<string>> {
  if (accountIds.length === 0) return new Set();
  const rows = await ex.selectFrom('invoice').select('account_id').where('month', '=', month).where('account_id', 'in', accountIds).execute();
  return new Set(rows.map((row) => row.account_id));
}

/** The accounts' ledger transactions in `range`, each account's in the order they were made. */
export async function transactionsIn(ex: Executor, accountIds: readonly string[], range: InstantRange): Promise<LedgerTransactionRow[]> {
  if (accountIds.length === 0) return [];
  const rows = await ex
    .selectFrom('ledger_transaction')
    .selectAll()
    .where('account_id', 'in', accountIds)
    .where('created_at', '>=', range.start)
    .where('created_at', '<', range.end)
    .orderBy('account_id')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ ...row, amount_cents: Number(row.amount_cents), balance_after_cents: Number(row.balance_after_cents), gst_cents: Number(row.gst_cents) }));
}

/** Each account's balance at `before`: the sum of its transactions made earlier (0 for none). */
export async function balancesBefore(ex: Executor, accountIds: readonly string[], before: string): Promise<Map<string, number>> {
  const balances = new Map<string, number>(accountIds.map((id) => [id, 0]));
  if (accountIds.length === 0) return balances;
  const rows = await ex
    .selectFrom('ledger_transaction')
    .select((eb) => ['account_id', eb.fn.sum<string | number>('amount_cents').as('cents')])
    .where('account_id', 'in', accountIds)
    .where('created_at', '<', before)
    .groupBy('account_id')
    .execute();
  for (const row of rows) balances.set(row.account_id, Number(row.cents));
  return balances;
}

export async function accountNames(ex: Executor, accountIds: readonly string[]): Promise<Map<string, { name: string; code: string }>> {
  if (accountIds.length === 0) return new Map();
  const rows = await ex.selectFrom('account').select(['id', 'name', 'account_code']).where('id', 'in', accountIds).execute();
  return new Map(rows.map((row) => [row.id, { name: row.name, code: row.account_code }]));
}

/** Rows per INSERT: well inside SQLite's limit on bound parameters. */
const INSERT_CHUNK = 500;

export async function insertInvoices(ex: Executor, invoices: readonly InvoiceRow[], lines: readonly InvoiceLineRow[]): Promise<void> {
  for (let i = 0; i < invoices.length; i += INSERT_CHUNK) await ex.insertInto('invoice').values(invoices.slice(i, i + INSERT_CHUNK)).execute();
  for (let i = 0; i < lines.length; i += INSERT_CHUNK) await ex.insertInto('invoice_line').values(lines.slice(i, i + INSERT_CHUNK)).execute();
}

/** Records that every invoice of `month` is issued; a second run's record is a no-op. */
export async function completeInvoiceMonth(ex: Executor, month: string, at: string): Promise<void> {
  await ex
    .insertInto('invoice_month')
    .columns(['month', 'invoices', 'completed_at'])
    .expression((eb) =>
      eb
        .selectFrom('invoice')
        .select([sql.lit(month).as('month'), eb.fn.countAll<number>().as('invoices'), sql.val(at).as('completed_at')])
        .where('month', '=', month),
    )
    .onConflict((oc) => oc.column('month').doNothing())
    .execute();
}

export async function findInvoice(ex: Executor, id: string): Promise<InvoiceRow | undefined> {
  const row = await ex.selectFrom('invoice').selectAll().where('id', '=', id).executeTakeFirst();
  return row && invoiceFromRow(row);
}

export async function invoiceLines(ex: Executor, invoiceId: string): Promise<InvoiceLineRow[]> {
  const rows = await ex.selectFrom('invoice_line').selectAll().where('invoice_id', '=', invoiceId).orderBy('position').execute();
  return rows.map((row) => ({ ...row, amount_cents: Number(row.amount_cents), gst_cents: Number(row.gst_cents) }));
}

export interface InvoiceFilter {
  accountId?: string;
  month?: string;
}

/** Invoices newest first (by number); the page key is the number. */
export async function listInvoices(ex: Executor, filter: InvoiceFilter, page: PageRequest): Promise<Page<InvoiceRow>> {
  let query = ex.selectFrom('invoice').selectAll().orderBy('number', 'desc');
  if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
  if (filter.month !== undefined) query = query.where('month', '=', filter.month);
  if (page.after !== undefined) query = query.where('number', '<', Number(page.after));
  const limit = fetchLimit(page);
  if (limit !== undefined) query = query.limit(limit);
  return toPage((await query.execute()).map(invoiceFromRow), page, (row) => String(row.number));
}

function invoiceFromRow(row: InvoiceRow): InvoiceRow {
  return {
    ...row,
    number: Number(row.number),
    total_cents: Number(row.total_cents),
    gst_cents: Number(row.gst_cents),
    opening_balance_cents: Number(row.opening_balance_cents),
    credits_cents: Number(row.credits_cents),
    closing_balance_cents: Number(row.closing_balance_cents),
  };
}
