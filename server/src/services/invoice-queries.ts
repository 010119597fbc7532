import { AppError, invalidRequest } from '../domain/errors.js';
import type { Invoice, InvoiceLine } from '../domain/invoice.js';
import { isMonth } from '../domain/month.js';
import type { Page, PageRequest } from '../domain/page.js';
import { findInvoice, invoiceLines, listInvoices, type InvoiceFilter } from '../store/invoice-store.js';
import type { ServiceDeps } from './deps.js';

/** An invoice with its lines: the month's transactions, the supplies among them its items. */
export interface IssuedInvoice {
  invoice: Invoice;
  lines: InvoiceLine[];
}

/** The account's invoices, newest first. */
export function invoicesOf(deps: ServiceDeps, accountId: string, page: PageRequest): Promise<Page<Invoice>> {
  return listInvoices(deps.database.db, { accountId }, checkedPage(page));
}

/** One of the account's invoices; another account's is not found, as one that does not exist. */
export async function invoiceOf(deps: ServiceDeps, accountId: string, invoiceId: string): Promise<IssuedInvoice> {
  const invoice = await findInvoice(deps.database.db, invoiceId);
  if (!invoice || invoice.account_id !== accountId) throw invoiceNotFound(invoiceId);
  return { invoice, lines: await invoiceLines(deps.database.db, invoice.id) };
}

/** The operator's view: every account's invoices, newest first, optionally of one account or month. */
export function operatorInvoices(deps: ServiceDeps, filter: InvoiceFilter, page: PageRequest): Promise<Page<Invoice>> {
  if (filter.month !== undefined && !isMonth(filter.month)) throw invalidRequest('month', 'must be a month, YYYY-MM');
  return listInvoices(deps.database.db, filter, checkedPage(page));
}

export async function operatorInvoice(deps: ServiceDeps, invoiceId: string): Promise<IssuedInvoice> {
  const invoice = await findInvoice(deps.database.db, invoiceId);
  if (!invoice) throw invoiceNotFound(invoiceId);
  return { invoice, lines: await invoiceLines(deps.database.db, invoice.id) };
}

function invoiceNotFound(invoiceId: string): AppError {
  return new AppError('invoice_not_found', `No invoice ${invoiceId}`);
}

/** Invoice pages are keyed by the invoice number. */
function checkedPage(page: PageRequest): PageRequest {
  if (page.after !== undefined && !/^[1-9]\d{0,15}$/.test(page.after)) throw invalidRequest('cursor', 'is not a cursor this API returned');
  return page;
}
