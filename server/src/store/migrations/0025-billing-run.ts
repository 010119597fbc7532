import { sql, type Kysely } from 'kysely';

/**
 * The billing runs (issue 19) as the operator follows them: each run's progress while it goes (the
 * tenures read so far, of those due when it began) and its report once it ends. A run that stops
 * part way (the server shut down, a crash, its lease lost) is `interrupted`: what it charged stands.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('billing_run')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('running', 'completed', 'failed', 'interrupted')`))
    .addColumn('started_by', 'text', (c) => c.notNull().check(sql`started_by IN ('operator', 'schedule')`))
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('tenures_total', 'integer')
    .addColumn('tenures_done', 'integer', (c) => c.notNull())
    .addColumn('renewed', 'integer', (c) => c.notNull())
    .addColumn('charged_cents', 'bigint', (c) => c.notNull())
    .addColumn('suspended', 'integer', (c) => c.notNull())
    .addColumn('reactivated', 'integer', (c) => c.notNull())
    .addColumn('still_suspended', 'integer', (c) => c.notNull())
    .addColumn('released', 'integer', (c) => c.notNull())
    .addColumn('released_at_period_end', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('billing_run_by_start').on('billing_run').columns(['started_at', 'id']).execute();
}
