import { sql, type Kysely } from 'kysely';

/**
 * Restoring a released number (issue 19).
 *
 * - `release_order` keeps what a restore needs once the release completes: the tenure it ended
 *   (`tenure_order_id`), the number's configuration as it was (`configuration`, JSON), until when
 *   its account may restore it (`restorable_until`) and when its quarantine ends (`quarantine_until`),
 *   to which a failed restore returns it.
 * - `restore_order`: a restore as a saga, like a purchase's order. The periods it charges (from
 *   `first_period` to `last_period`, each at `monthly_cents`) add up to `amount_cents`, which is held
 *   on the account's balance (`account.held_cents`) while it is pending. At most one is pending per
 *   number, and at most one per release is not failed: a release is restored once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['tenure_order_id', 'configuration', 'restorable_until', 'quarantine_until']) {
    await db.schema.alterTable('release_order').addColumn(column, 'text').execute();
  }

  await db.schema
    .createTable('restore_order')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('did_number', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull().references('release_order.id'))
    .addColumn('tenure_order_id', 'text', (c) => c.notNull().references('rental.order_id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('pending', 'completed', 'failed')`))
    .addColumn('amount_cents', 'bigint', (c) => c.notNull().check(sql`amount_cents >= 0`))
    .addColumn('monthly_cents', 'bigint', (c) => c.notNull().check(sql`monthly_cents >= 0`))
    .addColumn('first_period', 'integer', (c) => c.notNull())
    .addColumn('last_period', 'integer', (c) => c.notNull())
    .addColumn('failure_code', 'text')
    .addColumn('carrier_reference', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('restore_order_periods', sql`last_period >= first_period - 1`)
    .addCheckConstraint('restore_order_amount', sql`amount_cents = (last_period - first_period + 1) * monthly_cents`)
    .execute();
  await sql`CREATE UNIQUE INDEX restore_order_one_pending ON restore_order (did_number) WHERE status = 'pending'`.execute(db);
  await sql`CREATE UNIQUE INDEX restore_order_once_per_release ON restore_order (release_id) WHERE status <> 'failed'`.execute(db);
  await db.schema.createIndex('restore_order_pending_age').on('restore_order').columns(['status', 'created_at']).execute();
}
