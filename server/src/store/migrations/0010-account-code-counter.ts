import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../database.js';

/**
 * Account codes come from a counter row instead of `max(account_code) + 1`. Every account opened
 * on PostgreSQL read the whole code index, so any two opened at once were a serialization conflict:
 * under load, one commit per round of retries, and the unlucky ones ran out of retries (a 500). The
 * counter starts after the highest numeric code an earlier version gave.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('counter')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  const numeric = dialectOf(db) === 'postgres' ? sql`account_code ~ '^[0-9]+$'` : sql`account_code <> '' AND account_code NOT GLOB '*[^0-9]*'`;
  await sql`
    INSERT INTO counter (name, value)
    SELECT 'account_code', coalesce(max(CAST(account_code AS bigint)), 1000000) FROM account WHERE ${numeric}`.execute(db);
}
