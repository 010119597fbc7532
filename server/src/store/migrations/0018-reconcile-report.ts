import type { Kysely } from 'kysely';

/**
 * Reconciliation's last report per carrier, which every process's metrics read. (One process runs
 * it at a time through the task lease of 0017.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reconcile_report')
    .addColumn('carrier', 'text', (c) => c.primaryKey())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addColumn('difference_counts', 'text', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .execute();
}
