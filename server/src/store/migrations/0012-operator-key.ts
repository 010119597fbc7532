import type { Kysely } from 'kysely';

/**
 * Operator keys Bilby made for itself, by name, as hashes: `serve --demo` without BILBY_ADMIN_KEY
 * makes one the first time and accepts it on every later start on the same database.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('operator_key')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
