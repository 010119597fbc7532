import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../database.js';

/**
 * PostgreSQL only: bilby_check(ok, message) raises `message` unless ok is true. A statement that
 * commits on its own (no transaction around it) calls it to refuse a state it must not write: the
 * error undoes every write of the statement, as a rollback would.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  await sql`
    CREATE FUNCTION bilby_check(ok boolean, message text) RETURNS boolean LANGUAGE plpgsql AS $$
    BEGIN
      IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING MESSAGE = message;
      END IF;
      RETURN true;
    END
    $$`.execute(db);
}
