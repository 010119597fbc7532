import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../database.js';

/**
 * Available numbers by their last four digits. An ends_with search walks the stock in number order
 * until a page is full; when few numbers end that way (none at all, in the worst case) the walk
 * reads the whole range. This index finds them directly. SQLite writes the tail as
 * substr(x, -4), PostgreSQL as right(x, 4).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const tail = dialectOf(db) === 'sqlite' ? sql`substr(did_number, -4)` : sql`right(did_number, 4)`;
  await sql`CREATE INDEX stock_by_tail ON phone_number (${tail}, did_number) WHERE status = 'available'`.execute(db);
}
