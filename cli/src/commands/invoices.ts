import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AdminInvoiceFilters, AdminInvoiceSummary, BilbyClient, InvoiceSummary } from '@bilby/sdk';
import { dollars, emit, table, type Io } from '../io.js';
import { collect } from './numbers.js';

/** The account's monthly tax invoices, and the operator's view of every account's. */

const invoiceColumns: Array<[string, (r: InvoiceSummary) => unknown]> = [
  ['id', (r) => r.id],
  ['number', (r) => r.number],
  ['month', (r) => r.month],
  ['issued', (r) => r.issue_date],
  ['total', (r) => dollars(r.total)],
  ['gst', (r) => dollars(r.gst)],
  ['closing balance', (r) => dollars(r.closing_balance)],
];

export async function listInvoices(client: BilbyClient, options: { limit?: number }, io: Io): Promise<void> {
  const page = await collect(client.invoices.list(options), options.limit === undefined);
  emit(io, page, (p) => table(p.results, invoiceColumns));
}

/** Writes the invoice's PDF to `output` (default invoice-<number>.pdf here; `-` for standard output). */
export async function downloadInvoice(client: BilbyClient, id: string, options: { output?: string; admin?: boolean }, io: Io): Promise<void> {
  const source = options.admin ? client.admin.invoices : client.invoices;
  const output = options.output ?? `invoice-${(await source.get(id)).number}.pdf`;
  const pdf = await source.pdf(id);
  if (output === '-') {
    process.stdout.write(pdf);
    return;
  }
  const file = resolve(output);
  writeFileSync(file, pdf);
  emit(io, { invoice_id: id, file, bytes: pdf.byteLength }, (r) => `Saved invoice ${id} to ${r.file} (${r.bytes} bytes).`);
}

export async function listAllInvoices(client: BilbyClient, filters: AdminInvoiceFilters, io: Io): Promise<void> {
  const page = await collect(client.admin.invoices.list(filters), filters.limit === undefined);
  emit(io, page, (p) =>
    table<AdminInvoiceSummary>(p.results, [
      ['account', (r) => r.account_id],
      ['customer', (r) => `${r.customer.name} (${r.customer.account_code})`],
      ...(invoiceColumns as Array<[string, (r: AdminInvoiceSummary) => unknown]>),
    ]),
  );
}
