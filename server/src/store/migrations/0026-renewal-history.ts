import { sql, type Kysely } from 'kysely';

/**
 * A number's renewals are read from its charges (issue 19): the billing run no longer writes a
 * `renewed` event per period, since `rental_charge` and its tenure hold all it said (order, period,
 * amount, dates, owner, when; the run's actor is always `system`). The history reads them beside
 * the events, found through `rental_by_number` (every tenure of a number, ended ones too).
 *
 * The `renewed` events already written are dropped: each is a charge's row read the same way.
 *
 * `rental_due_on` goes: every renewal moved its entry, from among the tenures due that day (in
 * no order the run's batches follow) to the next month's, and the one reader it had, the report of
 * renewals due within 30 days, asks for nearly every running tenure, which a scan reads as fast.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX rental_by_number ON rental (did_number, account_id)`.execute(db);
  await sql`DELETE FROM number_event WHERE kind = 'renewed'`.execute(db);
  await sql`DROP INDEX rental_due_on`.execute(db);
}
