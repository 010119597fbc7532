import { formatAbn } from '../domain/abn.js';
import { isSupply, type Invoice, type InvoiceLine } from '../domain/invoice.js';
import { centsToDollars } from '../domain/money.js';
import type { IssuedInvoice } from '../services/invoice-queries.js';

export function presentInvoiceSummary(row: Invoice) {
  return {
    id: row.id,
    number: row.number,
    month: row.month,
    issue_date: row.issue_date,
    customer: { account_code: row.customer_code, name: row.customer_name },
    total: centsToDollars(row.total_cents),
    gst: centsToDollars(row.gst_cents),
    closing_balance: centsToDollars(row.closing_balance_cents),
  };
}

export function presentAdminInvoiceSummary(row: Invoice) {
  return { ...presentInvoiceSummary(row), account_id: row.account_id };
}

/** An item is what the customer paid for it: the ledger's charge, sign turned. */
function presentItem(line: InvoiceLine) {
  return {
    transaction_id: line.transaction_id,
    date: line.date,
    type: line.type as 'purchase' | 'rental' | 'refund',
    description: line.description,
    amount: centsToDollars(-line.amount_cents),
    gst: centsToDollars(-line.gst_cents),
  };
}

export function presentInvoice({ invoice, lines }: IssuedInvoice) {
  return {
    ...presentInvoiceSummary(invoice),
    title: 'Tax invoice' as const,
    period_start: invoice.period_start,
    period_end: invoice.period_end,
    supplier: { name: invoice.supplier_name, abn: formatAbn(invoice.supplier_abn), address: invoice.supplier_address },
    items: lines.filter((line) => isSupply(line.type)).map(presentItem),
    statement: {
      opening_balance: centsToDollars(invoice.opening_balance_cents),
      credits: centsToDollars(invoice.credits_cents),
      charges: centsToDollars(invoice.total_cents),
      closing_balance: centsToDollars(invoice.closing_balance_cents),
      transactions: lines.map((line) => ({
        transaction_id: line.transaction_id,
        date: line.date,
        type: line.type,
        description: line.description,
        amount: centsToDollars(line.amount_cents),
      })),
    },
  };
}

export function presentAdminInvoice(issued: IssuedInvoice) {
  return { ...presentInvoice(issued), account_id: issued.invoice.account_id };
}
