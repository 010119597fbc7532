import { sql, type Kysely } from 'kysely';

/**
 * Deleting an address or an owner first asks whether an owned number names it. Nothing indexed
 * those columns, so the question read every number: 1.4 s on 10,000,000 numbers, inside the write
 * transaction that every purchase waits on. Only owned numbers name a record, so the indexes hold
 * only those, and `address_id = ?` implies the index's condition on both databases.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX phone_number_by_address ON phone_number (address_id) WHERE address_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX phone_number_by_person ON phone_number (person_id) WHERE person_id IS NOT NULL`.execute(db);
}
