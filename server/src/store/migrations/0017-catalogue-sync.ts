import { sql, type Kysely } from 'kysely';

/**
 * The upstream catalogue's sync: the operator's pricing rule per number type, the sync runs with
 * their progress and outcome, and a lease that lets one process at a time run one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pricing_rule')
    .addColumn('number_type', 'text', (c) => c.primaryKey())
    .addColumn('markup_basis_points', 'integer', (c) => c.notNull())
    .addColumn('setup_markup_cents', 'bigint', (c) => c.notNull())
    .addColumn('monthly_markup_cents', 'bigint', (c) => c.notNull())
    .addColumn('rounding', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('pricing_rule_type_known', sql`number_type IN ('geographic', 'mobile', 'tollfree', 'local_rate')`)
    .addCheckConstraint(
      'pricing_rule_markups_in_range',
      sql`markup_basis_points BETWEEN 0 AND 100000 AND setup_markup_cents >= 0 AND monthly_markup_cents >= 0`,
    )
    .addCheckConstraint('pricing_rule_rounding_known', sql`rounding IN ('none', 'up_to_5_cents', 'up_to_95_cents', 'up_to_dollar')`)
    .execute();

  await db.schema
    .createTable('task_lease')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('catalogue_sync')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('running', 'completed', 'failed')`))
    .addColumn('started_by', 'text', (c) => c.notNull().check(sql`started_by IN ('operator', 'schedule')`))
    .addColumn('slices_total', 'integer', (c) => c.notNull())
    .addColumn('slices_done', 'integer', (c) => c.notNull())
    .addColumn('pages_read', 'integer', (c) => c.notNull())
    .addColumn('numbers_seen', 'integer', (c) => c.notNull())
    .addColumn('added', 'integer', (c) => c.notNull())
    .addColumn('repriced', 'integer', (c) => c.notNull())
    .addColumn('withdrawn', 'integer', (c) => c.notNull())
    .addColumn('unchanged', 'integer', (c) => c.notNull())
    .addColumn('skipped_types', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('catalogue_sync_by_start').on('catalogue_sync').column('started_at').execute();
}
