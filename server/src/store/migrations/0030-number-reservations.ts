import { sql, type Kysely } from 'kysely';

/**
 * Numbers a customer holds for a few minutes before buying (issue 20). A hold counts only while
 * `expires_at` is ahead, in every statement that reads it (searches, purchases, reservations), so
 * it ends at that instant whatever process is running or has crashed; the rows left behind are
 * swept later, and their `reservation.expired` events written then. `limit_at` is as far as the
 * holder may extend it.
 *
 * The number's own row carries the hold too (`held_by`, `held_until`): the statements that sell a
 * number (the purchase's reservation) and those that hold one both write that row, so on
 * PostgreSQL the later of two waits for the earlier and reads its hold, where a check of the
 * reservation table could miss a hold not yet committed. Searches read it there as well.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('number_reservation')
    .addColumn('did_number', 'text', (c) => c.primaryKey().references('phone_number.did_number'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('limit_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('number_reservation_by_account').on('number_reservation').columns(['account_id', 'did_number']).execute();
  await db.schema.createIndex('number_reservation_by_expiry').on('number_reservation').columns(['expires_at']).execute();
  await db.schema.alterTable('phone_number').addColumn('held_by', 'text').execute();
  await db.schema.alterTable('phone_number').addColumn('held_until', 'text').execute();
  await sql`CREATE INDEX phone_number_held ON phone_number (held_by, held_until) WHERE held_by IS NOT NULL`.execute(db);
}
