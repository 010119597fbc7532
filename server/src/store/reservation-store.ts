import { sql, type RawBuilder } from 'kysely';
import type { NewAccountEvent } from '../domain/account-event.js';
import type { HeldNumber, StockViewer } from '../domain/reservation.js';
import { appendAccountEvents } from './account-event-store.js';
import { dialectOf, type Executor } from './dialect.js';
import { jsonRows } from './json-rows.js';

export type { HeldNumber, StockViewer };

/**
 * True of a phone_number row another account holds at the viewer's instant: a condition on the row
 * itself, for the statements that choose numbers for sale (searches, the purchase's reservation).
 */
export function heldByOthers(viewer: StockViewer, table: string = 'phone_number'): RawBuilder<boolean> {
  const held = sql.ref(`${table}.held_by`);
  const until = sql.ref(`${table}.held_until`);
  return sql<boolean>`(${held} IS NOT NULL AND ${held} <> ${viewer.accountId} AND ${until} > ${viewer.now})`;
}

/** The account's holds still running at `now` on numbers still for sale, by number. */
export async function listHeldNumbers(ex: Executor, accountId: string, now: string): Promise<HeldNumber[]> {
  return ex
    .selectFrom('number_reservation as r')
    .innerJoin('phone_number as p', 'p.did_number', 'r.did_number')
    .select(['r.did_number', 'r.expires_at', 'r.limit_at', 'r.created_at'])
    .where('r.account_id', '=', accountId)
    .where('r.expires_at', '>', now)
    .where('p.status', '=', 'available')
    .where('p.held_by', '=', accountId)
    .orderBy('r.did_number')
    .execute();
}

/** How many numbers still for sale the account holds at `now` (one it bought holds nothing). */
export async function countHeldNumbers(ex: Executor, accountId: string, now: string): Promise<number> {
  const row = await ex
    .selectFrom('phone_number')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('held_by', '=', accountId)
    .where('held_until', '>', now)
    .where('status', '=', 'available')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Holds each of `didNumbers` that is for sale and held by nobody else until `expiresAt` (at most
 * `limitAt`); a number the account holds already is extended instead (up to its own limit). The
 * number's row is taken first (held_by), as a purchase takes it: of a hold and a purchase at once,
 * one waits for the other and sees what it did. Returns the holds made or extended; the numbers
 * missing from them could not be held.
 */
export async function holdNumbers(
  ex: Executor,
  accountId: string,
  didNumbers: readonly string[],
  times: { now: string; expiresAt: string; limitAt: string },
): Promise<HeldNumber[]> {
  if (didNumbers.length === 0) return [];
  const wanted = jsonRows(ex, didNumbers.map((did) => [did]), { did_number: 'text' });
  const taken = await sql<{ did_number: string }>`
    UPDATE phone_number SET held_by = ${accountId}, held_until = ${times.expiresAt}
    WHERE did_number IN (SELECT w.did_number FROM ${wanted} AS w) AND status = 'available'
      AND (held_by IS NULL OR held_by = ${accountId} OR held_until <= ${times.now})
    RETURNING did_number`.execute(ex);
  if (taken.rows.length === 0) return [];
  const mine = jsonRows(ex, taken.rows.map((row) => [row.did_number]), { did_number: 'text' });
  // WHERE before ON CONFLICT: SQLite would read an ON after the SELECT's FROM as a join's.
  const result = await sql<HeldNumber>`
    INSERT INTO number_reservation (did_number, account_id, expires_at, limit_at, created_at, updated_at)
    SELECT m.did_number, ${accountId}, ${times.expiresAt}, ${times.limitAt}, ${times.now}, ${times.now} FROM ${mine} AS m
    WHERE true
    ON CONFLICT (did_number) DO UPDATE SET
      account_id = excluded.account_id,
      expires_at = CASE WHEN number_reservation.account_id = excluded.account_id AND number_reservation.expires_at > ${times.now}
        AND number_reservation.limit_at < excluded.expires_at THEN number_reservation.limit_at ELSE excluded.expires_at END,
      limit_at = CASE WHEN number_reservation.account_id = excluded.account_id AND number_reservation.expires_at > ${times.now}
        THEN number_reservation.limit_at ELSE excluded.limit_at END,
      created_at = CASE WHEN number_reservation.account_id = excluded.account_id AND number_reservation.expires_at > ${times.now}
        THEN number_reservation.created_at ELSE excluded.created_at END,
      updated_at = excluded.updated_at
    RETURNING did_number, expires_at, limit_at, created_at`.execute(ex);
  await syncHeldUntil(ex, accountId, result.rows);
  return result.rows;
}

/** The numbers' rows end their holds when the holds do (an extension capped at its limit). */
async function syncHeldUntil(ex: Executor, accountId: string, holds: readonly HeldNumber[]): Promise<void> {
  const capped = holds.map((hold) => [hold.did_number, hold.expires_at]);
  if (capped.length === 0) return;
  await sql`
    UPDATE phone_number SET held_until = j.expires_at
    FROM ${jsonRows(ex, capped, { did_number: 'text', expires_at: 'text' })} AS j
    WHERE phone_number.did_number = j.did_number AND phone_number.held_by = ${accountId}`.execute(ex);
}

/** Moves the account's running holds of `didNumbers` (all of them when null) to end at `expiresAt`, each at most at its limit. */
export async function extendHolds(ex: Executor, accountId: string, didNumbers: readonly string[] | null, now: string, expiresAt: string): Promise<HeldNumber[]> {
  let query = ex
    .updateTable('number_reservation')
    .set((eb) => ({
      expires_at: eb.case().when('limit_at', '>', expiresAt).then(expiresAt).else(eb.ref('limit_at')).end(),
      updated_at: now,
    }))
    .where('account_id', '=', accountId)
    .where('expires_at', '>', now);
  if (didNumbers !== null) query = query.where('did_number', 'in', [...didNumbers]);
  const extended = await query.returning(['did_number', 'expires_at', 'limit_at', 'created_at']).execute();
  await syncHeldUntil(ex, accountId, extended);
  return extended;
}

/** Ends the account's running holds of `didNumbers` (all of them when null); returns the numbers let go. */
export async function endHolds(ex: Executor, accountId: string, didNumbers: readonly string[] | null, now: string): Promise<string[]> {
  let query = ex.deleteFrom('number_reservation').where('account_id', '=', accountId).where('expires_at', '>', now);
  if (didNumbers !== null) query = query.where('did_number', 'in', [...didNumbers]);
  const ended = (await query.returning('did_number').execute()).map((row) => row.did_number);
  if (ended.length > 0) {
    await ex.updateTable('phone_number').set({ held_by: null, held_until: null }).where('did_number', 'in', ended).where('held_by', '=', accountId).execute();
  }
  return ended;
}

/** The accounts whose holds of these numbers ended by `now`, not yet swept. */
export async function holdersOfEndedHolds(ex: Executor, didNumbers: readonly string[], now: string): Promise<string[]> {
  if (didNumbers.length === 0) return [];
  const rows = await ex.selectFrom('number_reservation').select('account_id').distinct().where('did_number', 'in', [...didNumbers]).where('expires_at', '<=', now).execute();
  return rows.map((row) => row.account_id);
}

/**
 * Deletes up to `limit` holds that ended by `now` (of `didNumbers` only, when given) and writes a
 * `reservation.expired` for each whose number its holder did not buy, in the caller's transaction.
 * Each hold is deleted by one process only (the DELETE's RETURNING), so each event is written once.
 */
export async function sweepEndedHolds(ex: Executor, now: string, limit: number, didNumbers?: readonly string[]): Promise<number> {
  const lock = dialectOf(ex) === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const only = didNumbers ? sql`AND did_number IN (SELECT j.did_number FROM ${jsonRows(ex, didNumbers.map((did) => [did]), { did_number: 'text' })} AS j)` : sql``;
  const ended = await sql<{ did_number: string; account_id: string; expires_at: string }>`
    DELETE FROM number_reservation WHERE did_number IN (
      SELECT did_number FROM number_reservation WHERE expires_at <= ${now} ${only} ORDER BY expires_at LIMIT ${limit} ${lock})
    RETURNING did_number, account_id, expires_at`.execute(ex);
  if (ended.rows.length === 0) return 0;
  await ex
    .updateTable('phone_number')
    .set({ held_by: null, held_until: null })
    .where('did_number', 'in', ended.rows.map((row) => row.did_number))
    .where('held_until', '<=', now)
    .execute();
  const numbers = await ex
    .selectFrom('phone_number')
    .select(['did_number', 'status', 'account_id'])
    .where('did_number', 'in', ended.rows.map((row) => row.did_number))
    .execute();
  const byDid = new Map(numbers.map((row) => [row.did_number, row]));
  const events: NewAccountEvent[] = ended.rows
    .filter((hold) => {
      const number = byDid.get(hold.did_number);
      // Bought by its holder: the hold did its work, and ends without a word.
      return !(number && number.account_id === hold.account_id && (number.status === 'reserved' || number.status === 'active'));
    })
    .map((hold) => ({
      accountId: hold.account_id,
      kind: 'reservation.expired',
      didNumber: hold.did_number,
      at: now,
      data: { did_number: hold.did_number, expired_at: hold.expires_at },
    }));
  await appendAccountEvents(ex, events);
  return ended.rows.length;
}
