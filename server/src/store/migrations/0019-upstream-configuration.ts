import { sql, type Kysely } from 'kysely';

/**
 * Where upstream sends an account's calls, when the operator overrides the configured route for
 * it; and the numbers whose configuration upstream must still be brought to Bilby's (an IPND
 * record or the account's route changed): the routing saga's queue, drained after each change
 * and by maintenance. `generation` grows with every change, so a push that read an older state
 * never clears a newer one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('account').addColumn('upstream_route', 'text').execute();
  await db.schema.alterTable('account').addColumn('upstream_destination', 'text').execute();
  await db.schema
    .createTable('upstream_change')
    .addColumn('did_number', 'text', (c) => c.primaryKey())
    .addColumn('generation', 'integer', (c) => c.notNull().check(sql`generation > 0`))
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('upstream_change_due').on('upstream_change').column('next_attempt_at').execute();
}
