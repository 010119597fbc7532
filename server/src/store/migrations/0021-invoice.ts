import { sql, type Kysely } from 'kysely';

/**
 * Monthly statements and tax invoices (issue 19).
 *
 * - `invoice`: one per account and calendar month (billing time zone) with charges, unique on both,
 *   written once and never changed. Its number comes from the `invoice_number` counter in the
 *   transaction that inserts it, so numbers run without gaps. The supplier, the customer and the
 *   statement's figures are kept as issued.
 * - `invoice_line`: the month's ledger transactions of the account, in order; the supplies
 *   (purchase, rental, refund) are the invoice's items, the rest (credits, adjustments) appear on
 *   the statement only. A transaction is on one statement at most.
 * - `invoice_month`: the months whose every invoice is issued, so a run starts after the last.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('invoice')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'bigint', (c) => c.notNull().unique().check(sql`number >= 1`))
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('issue_date', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('supplier_name', 'text', (c) => c.notNull())
    .addColumn('supplier_abn', 'text', (c) => c.notNull())
    .addColumn('supplier_address', 'text')
    .addColumn('customer_name', 'text', (c) => c.notNull())
    .addColumn('customer_code', 'text', (c) => c.notNull())
    .addColumn('total_cents', 'bigint', (c) => c.notNull())
    .addColumn('gst_cents', 'bigint', (c) => c.notNull())
    .addColumn('opening_balance_cents', 'bigint', (c) => c.notNull())
    .addColumn('credits_cents', 'bigint', (c) => c.notNull())
    .addColumn('closing_balance_cents', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('invoice_one_per_account_month', ['account_id', 'month'])
    .addCheckConstraint('invoice_statement_adds_up', sql`closing_balance_cents = opening_balance_cents + credits_cents - total_cents`)
    .execute();
  await db.schema.createIndex('invoice_by_month').on('invoice').columns(['month', 'number']).execute();
  await db.schema.createIndex('invoice_by_account').on('invoice').columns(['account_id', 'number']).execute();

  await db.schema
    .createTable('invoice_line')
    .addColumn('invoice_id', 'text', (c) => c.notNull().references('invoice.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('transaction_id', 'text', (c) => c.notNull().unique().references('ledger_transaction.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('gst_cents', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('invoice_line_pk', ['invoice_id', 'position'])
    .execute();

  await db.schema
    .createTable('invoice_month')
    .addColumn('month', 'text', (c) => c.primaryKey())
    .addColumn('invoices', 'integer', (c) => c.notNull())
    .addColumn('completed_at', 'text', (c) => c.notNull())
    .execute();

  await sql`INSERT INTO counter (name, value) VALUES ('invoice_number', 0)`.execute(db);
}
