import { sql, type Kysely } from 'kysely';

/**
 * The search indexes hold only available numbers (partial indexes), and none of them leads with
 * status any more. A purchase moves a number out of them once (available → reserved) and no
 * longer twice more through four of them (reserved → active); they are also smaller. One full
 * index on (status, number_type) serves counts, repricing and quarantine. The price index lets a
 * search with a price cap find out cheaply whether few numbers meet it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const index of ['phone_number_by_status', 'phone_number_by_state', 'phone_number_by_type', 'phone_number_by_city']) {
    await sql`DROP INDEX ${sql.ref(index)}`.execute(db);
  }
  await sql`CREATE INDEX stock_by_country ON phone_number (country, did_number) WHERE status = 'available'`.execute(db);
  await sql`CREATE INDEX stock_by_state ON phone_number (state, did_number) WHERE status = 'available'`.execute(db);
  await sql`CREATE INDEX stock_by_type ON phone_number (number_type, did_number) WHERE status = 'available'`.execute(db);
  await sql`CREATE INDEX stock_by_city ON phone_number (lower(city), did_number) WHERE status = 'available'`.execute(db);
  await sql`CREATE INDEX stock_by_type_price ON phone_number (number_type, monthly_cost_cents) WHERE status = 'available'`.execute(db);
  await sql`CREATE INDEX phone_number_by_status ON phone_number (status, number_type)`.execute(db);
}
