import { sql, type Kysely } from 'kysely';

/**
 * The release saga's record: written before the carrier is asked to release the number, settled
 * after, so that recovery finishes a release a crash interrupted. One pending release per number.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('release_order')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('did_number', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'completed', 'failed')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('release_order_one_pending')
    .on('release_order')
    .column('did_number')
    .unique()
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema.createIndex('release_order_pending_age').on('release_order').columns(['status', 'created_at']).execute();
}
