import assert from 'node:assert/strict';
import { monthInstants } from '../../server/src/domain/billing-month.js';
import { invoiceGst } from '../../server/src/domain/gst.js';
import { isSupply } from '../../server/src/domain/invoice.js';
import { addMonths } from '../../server/src/domain/month.js';
import type { TransactionType } from '../../server/src/domain/order.js';
import type { Db } from '../../server/src/store/database.js';

/**
 * The invoices' invariants, read back from the tables:
 * - numbers run 1, 2, 3 … without a gap, up to the counter;
 * - an invoice's lines are exactly its account's transactions of its month, in order, each on one statement;
 * - its total is its supplies' charges, its GST one eleventh of the total, and closing = opening + the lines;
 * - opening is the sum of the account's transactions before the month.
 */
export async function assertInvoiceInvariants(db: Db, timeZone: string): Promise<void> {
  const invoices = await db.selectFrom('invoice').selectAll().orderBy('number').execute();
  const counter = await db.selectFrom('counter').select('value').where('name', '=', 'invoice_number').executeTakeFirstOrThrow();
  assert.deepEqual(
    invoices.map((invoice) => Number(invoice.number)),
    Array.from({ length: Number(counter.value) }, (_, i) => i + 1),
    'INV-INVOICE-NUMBERS: 1 … counter, no gap',
  );
  for (const invoice of invoices) {
    const range = monthInstants(invoice.month, addMonths(invoice.month, 1), timeZone);
    const ledger = await db.selectFrom('ledger_transaction').selectAll().where('account_id', '=', invoice.account_id).orderBy('created_at').orderBy('id').execute();
    const month = ledger.filter((t) => t.created_at >= range.start && t.created_at < range.end);
    const lines = await db.selectFrom('invoice_line').selectAll().where('invoice_id', '=', invoice.id).orderBy('position').execute();
    assert.deepEqual(
      lines.map((line) => [line.transaction_id, Number(line.amount_cents), Number(line.gst_cents)]),
      month.map((t) => [t.id, Number(t.amount_cents), Number(t.gst_cents)]),
      `INV-INVOICE-LINES: invoice ${invoice.number} holds its month's transactions`,
    );
    const charges = lines.filter((line) => isSupply(line.type as TransactionType)).map((line) => -Number(line.amount_cents));
    assert.equal(Number(invoice.total_cents), charges.reduce((sum, cents) => sum + cents, 0), `INV-INVOICE-TOTAL: ${invoice.number}`);
    assert.equal(Number(invoice.gst_cents), invoiceGst(charges), `INV-INVOICE-GST: ${invoice.number}`);
    const opening = ledger.filter((t) => t.created_at < range.start).reduce((sum, t) => sum + Number(t.amount_cents), 0);
    assert.equal(Number(invoice.opening_balance_cents), opening, `INV-INVOICE-OPENING: ${invoice.number}`);
    const moved = lines.reduce((sum, line) => sum + Number(line.amount_cents), 0);
    assert.equal(Number(invoice.closing_balance_cents), opening + moved, `INV-INVOICE-CLOSING: ${invoice.number}`);
  }
}
