import type { Kysely } from 'kysely';

/**
 * Reconciliation's last report per carrier, which every process's metrics read, and a lease per
 * periodic task, so that of several processes one runs it at a time: taken by a conditional
 * update on its expiry, so it needs nothing of either database but a primary key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reconcile_report')
    .addColumn('carrier', 'text', (c) => c.primaryKey())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addColumn('difference_counts', 'text', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('task_lease')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}
