import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

/**
 * An account's low-balance alert (issue 20): when a change to its balance takes it from at least
 * `low_balance_cents` to below it, a `balance.low` event is appended in that change's own
 * statement, by a trigger, whichever write moved the balance (a purchase, a renewal, an operator's
 * debit, a restore), on both engines. Once per crossing: the balance must climb back to the
 * threshold before it can fire again. The event's id is time-ordered as the application's are
 * (UUIDv7's layout: 12 hex digits of milliseconds, then random ones), and its time the database's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('account').addColumn('low_balance_cents', 'bigint').execute();
  if (dialectOf(db) === 'sqlite') {
    await sql`
      CREATE TRIGGER account_event_on_low_balance AFTER UPDATE OF balance_cents ON account
      WHEN new.low_balance_cents IS NOT NULL AND old.balance_cents >= new.low_balance_cents AND new.balance_cents < new.low_balance_cents
      BEGIN
        UPDATE account SET event_seq = event_seq + 1 WHERE id = new.id;
        INSERT INTO account_event (account_id, seq, id, kind, did_number, data, created_at)
        SELECT new.id, account.event_seq,
          'evt_' || printf('%012x', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER)) || lower(hex(randomblob(10))),
          'balance.low', NULL,
          json_object('balance_cents', new.balance_cents, 'threshold_cents', new.low_balance_cents, 'previous_balance_cents', old.balance_cents),
          strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        FROM account WHERE account.id = new.id;
      END`.execute(db);
    return;
  }
  await sql`
    CREATE FUNCTION account_event_on_low_balance() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      seq bigint;
    BEGIN
      UPDATE account SET event_seq = event_seq + 1 WHERE id = NEW.id RETURNING event_seq INTO seq;
      INSERT INTO account_event (account_id, seq, id, kind, did_number, data, created_at)
      VALUES (
        NEW.id, seq,
        'evt_' || lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || substr(md5(random()::text || clock_timestamp()::text), 1, 20),
        'balance.low', NULL,
        json_build_object('balance_cents', NEW.balance_cents, 'threshold_cents', NEW.low_balance_cents, 'previous_balance_cents', OLD.balance_cents)::text,
        to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER account_event_on_low_balance AFTER UPDATE OF balance_cents ON account
    FOR EACH ROW WHEN (NEW.low_balance_cents IS NOT NULL AND OLD.balance_cents >= NEW.low_balance_cents AND NEW.balance_cents < NEW.low_balance_cents)
    EXECUTE FUNCTION account_event_on_low_balance()`.execute(db);
}
