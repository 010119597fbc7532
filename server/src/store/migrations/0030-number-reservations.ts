import type { Kysely } from 'kysely';

/**
 * Numbers a customer holds for a few minutes before buying (issue 20). A hold counts only while
 * `expires_at` is ahead, in every statement that reads it (searches, purchases, reservations), so
 * it ends at that instant whatever process is running or has crashed; the rows left behind are
 * swept later, and their `reservation.expired` events written then. `limit_at` is as far as the
 * holder may extend it.
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
}
