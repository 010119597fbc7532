import type { Kysely } from 'kysely';

/**
 * Bulk and criteria orders (issue 20): one order of up to 100 numbers, a line per number. Each line
 * that got its number reserved is a purchase order of its own (`order_id`), settled and recovered
 * as any purchase; a line refused at the reservation says why (`refusal`). The bulk order keeps no
 * state of its own to recover: where it stands is read from its lines' orders.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('bulk_order')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('all_or_nothing', 'integer', (c) => c.notNull())
    // JSON: the criteria the numbers were chosen by; null for named numbers.
    .addColumn('criteria', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('request_id', 'text')
    .execute();
  await db.schema.createIndex('bulk_order_by_account').on('bulk_order').columns(['account_id', 'id']).execute();
  await db.schema
    .createTable('bulk_order_line')
    .addColumn('bulk_order_id', 'text', (c) => c.notNull().references('bulk_order.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('did_number', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.references('purchase_order.id'))
    .addColumn('refusal', 'text')
    .addPrimaryKeyConstraint('bulk_order_line_pk', ['bulk_order_id', 'position'])
    .execute();
}
