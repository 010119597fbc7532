import { sql, type Kysely } from 'kysely';

/**
 * Only owned numbers in the owner index. Indexing every number in stock under a NULL owner made the
 * index as big as the stock, and cost every imported row and every purchase one more index write
 * (a purchase moved its number from the NULL entries to its owner's). `account_id = ?` implies
 * account_id IS NOT NULL, so SQLite and PostgreSQL both still use the index for an account's numbers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX phone_number_by_account`.execute(db);
  await sql`CREATE INDEX phone_number_by_account ON phone_number (account_id, did_number) WHERE account_id IS NOT NULL`.execute(db);
}
