import { sql } from 'kysely';
import type { CarrierName } from '../domain/carrier-name.js';
import type { Executor } from './database.js';
import type { UpstreamChangeRow } from './tables.js';

/**
 * Asks that upstream be brought to the numbers' configuration: queued in the transaction that
 * changes them, so a change committed is a change upstream hears of, whatever crashes next.
 */
export async function requestUpstreamChange(ex: Executor, didNumbers: readonly string[], at: string): Promise<void> {
  if (didNumbers.length === 0) return;
  await ex
    .insertInto('upstream_change')
    .values(didNumbers.map((did) => ({ did_number: did, generation: 1, requested_at: at, next_attempt_at: at, last_error: null })))
    .onConflict((oc) =>
      oc.column('did_number').doUpdateSet({
        generation: sql`upstream_change.generation + 1`,
        requested_at: at,
        attempts: 0,
        next_attempt_at: at,
        last_error: null,
      }),
    )
    .execute();
}

/** The same for every number of `carrier` an account holds or is buying (its upstream route changed). */
export async function requestAccountUpstreamChange(ex: Executor, accountId: string, carrier: CarrierName, at: string): Promise<number> {
  const numbers = await ex
    .selectFrom('phone_number')
    .select('did_number')
    .where('account_id', '=', accountId)
    .where('carrier', '=', carrier)
    .where('status', 'in', ['active', 'reserved'])
    .execute();
  const dids = numbers.map((row) => row.did_number);
  for (let start = 0; start < dids.length; start += 500) await requestUpstreamChange(ex, dids.slice(start, start + 500), at);
  return dids.length;
}

export async function findUpstreamChange(ex: Executor, didNumber: string): Promise<UpstreamChangeRow | undefined> {
  return ex.selectFrom('upstream_change').selectAll().where('did_number', '=', didNumber).executeTakeFirst();
}

/** Changes whose next attempt is due, oldest first. */
export async function dueUpstreamChanges(ex: Executor, at: string, limit: number): Promise<UpstreamChangeRow[]> {
  return ex
    .selectFrom('upstream_change')
    .selectAll()
    .where('next_attempt_at', '<=', at)
    .orderBy('next_attempt_at')
    .orderBy('did_number')
    .limit(limit)
    .execute();
}

/** Done: upstream has the configuration read at `generation`. A newer change stays queued. */
export async function clearUpstreamChange(ex: Executor, didNumber: string, generation: number): Promise<boolean> {
  const result = await ex
    .deleteFrom('upstream_change')
    .where('did_number', '=', didNumber)
    .where('generation', '=', generation)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Not done this time: tried again at `nextAttemptAt`, unless a newer change came meanwhile. */
export async function postponeUpstreamChange(
  ex: Executor,
  change: Pick<UpstreamChangeRow, 'did_number' | 'generation'>,
  nextAttemptAt: string,
  error: string,
): Promise<void> {
  await ex
    .updateTable('upstream_change')
    .set({ attempts: sql`attempts + 1`, next_attempt_at: nextAttemptAt, last_error: error.slice(0, 500) })
    .where('did_number', '=', change.did_number)
    .where('generation', '=', change.generation)
    .execute();
}

/** How many of an account's numbers still wait for upstream to hear of a change. */
export async function countAccountUpstreamChanges(ex: Executor, accountId: string): Promise<number> {
  const row = await ex
    .selectFrom('upstream_change')
    .innerJoin('phone_number', 'phone_number.did_number', 'upstream_change.did_number')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('phone_number.account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Takes a change due at `now` for one process's push until `leaseUntil` (a crash lets the lease run
 * out and another process take it): false when another push took it first or it is not due, which
 * is also how a claim held by another push looks.
 */
export async function claimUpstreamChange(
  ex: Executor,
  change: Pick<UpstreamChangeRow, 'did_number' | 'generation' | 'next_attempt_at'>,
  now: string,
  leaseUntil: string,
): Promise<boolean> {
  const result = await ex
    .updateTable('upstream_change')
    .set({ next_attempt_at: leaseUntil })
    .where('did_number', '=', change.did_number)
    .where('generation', '=', change.generation)
    .where('next_attempt_at', '=', change.next_attempt_at)
    .where('next_attempt_at', '<=', now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
