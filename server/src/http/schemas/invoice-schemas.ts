import { Type } from 'typebox';
import { TRANSACTION_TYPES } from '../../domain/order.js';
import { Dollars, NextCursor, Nullable, PageQuery, StringEnum } from './common-schemas.js';

const CalendarDate = (description: string) => Type.String({ description, examples: ['2026-03-31'] });
const MonthText = (description: string) => Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description, examples: ['2026-03'] });

const Customer = Type.Object({ account_code: Type.String(), name: Type.String() });

const summaryFields = {
  id: Type.String({ examples: ['inv_0190a1b2c3d4e5f60718293a4b5c6d7e'] }),
  number: Type.Integer({ minimum: 1, description: 'Sequential without gaps across every account' }),
  month: MonthText('The calendar month invoiced, in the billing time zone'),
  issue_date: CalendarDate('When it was issued'),
  customer: Customer,
  total: Dollars,
  gst: Dollars,
  closing_balance: Dollars,
};

export const InvoiceSummary = Type.Object(summaryFields, { $id: 'InvoiceSummary' });

const InvoiceItem = Type.Object({
  transaction_id: Type.String(),
  date: CalendarDate('The day it was charged'),
  type: StringEnum(['purchase', 'rental', 'refund'] as const),
  description: Type.String(),
  amount: Type.Number({ description: 'GST-inclusive dollars charged (a refund is negative)' }),
  gst: Type.Number({ description: 'The GST this item includes, rounded on its own' }),
});

const StatementEntry = Type.Object({
  transaction_id: Type.String(),
  date: CalendarDate('The day it was made'),
  type: StringEnum(TRANSACTION_TYPES),
  description: Type.String(),
  amount: Type.Number({ description: 'The change to the balance in dollars, negative for money out' }),
});

const invoiceFields = {
  ...summaryFields,
  title: Type.Literal('Tax invoice'),
  period_start: CalendarDate("The month's first day"),
  period_end: CalendarDate("The month's last day"),
  supplier: Type.Object({
    name: Type.String(),
    abn: Type.String({ description: 'The supplier’s ABN, as the ATO writes it', examples: ['51 824 753 556'] }),
    address: Nullable(Type.String()),
  }),
  items: Type.Array(InvoiceItem, { description: "The month's supplies: purchases (setup and first month), rentals and refunds" }),
  total: Type.Number({ description: 'GST-inclusive dollars: the sum of the items' }),
  gst: Type.Number({ description: 'The GST the total includes, rounded once on the total' }),
  statement: Type.Object({
    opening_balance: Dollars,
    credits: Type.Number({ description: 'Money paid in and the operator’s adjustments (not supplies)' }),
    charges: Type.Number({ description: 'The items’ total' }),
    closing_balance: Type.Number({ description: 'opening_balance + credits - charges' }),
    transactions: Type.Array(StatementEntry, { description: "Every transaction of the month, in order" }),
  }),
};

export const Invoice = Type.Object(invoiceFields, { $id: 'Invoice' });
export const InvoiceList = Type.Object({ results: Type.Array(Type.Ref('InvoiceSummary')), next_cursor: NextCursor });

const accountId = { account_id: Type.String() };
export const AdminInvoiceSummary = Type.Object({ ...summaryFields, ...accountId }, { $id: 'AdminInvoiceSummary' });
export const AdminInvoice = Type.Object({ ...invoiceFields, ...accountId }, { $id: 'AdminInvoice' });
export const AdminInvoiceList = Type.Object({ results: Type.Array(Type.Ref('AdminInvoiceSummary')), next_cursor: NextCursor });

export const AdminInvoiceQuery = Type.Object({
  account_id: Type.Optional(Type.String({ maxLength: 100, description: "Only this account's" })),
  month: Type.Optional(MonthText('Only this month’s')),
  ...PageQuery,
});

export const InvoiceIdParam = Type.Object({ id: Type.String() });

/** A PDF answer, documented as such (the body is the file's bytes). */
export const PdfAnswer = {
  description: 'The tax invoice as a PDF',
  content: { 'application/pdf': { schema: Type.String({ format: 'binary' }) } },
};
