import { sql, type Kysely } from 'kysely';

/**
 * Searches by city compare lower(city); without an index on that expression they scan the stock
 * in number order until enough rows match, which on millions of numbers takes seconds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX phone_number_by_city ON phone_number (status, lower(city), did_number)`.execute(db);
}
