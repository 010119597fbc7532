import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';
import type { RentalRow } from './tables.js';

export interface NewTenure {
  orderId: string;
  didNumber: string;
  accountId: string;
  purchasedOn: string;
  firstRenewalOn: string;
  at: string;
}

/** A sale's tenure begins, its first month paid: written by the purchase's final transaction. */
export async function openTenure(ex: Executor, tenure: NewTenure): Promise<void> {
  await insertTenure(ex, {
    order_id: tenure.orderId,
    did_number: tenure.didNumber,
    account_id: tenure.accountId,
    purchased_on: tenure.purchasedOn,
    next_period: 1,
    next_due_on: tenure.firstRenewalOn,
    status: 'active',
    suspended_since: null,
    release_on: null,
    ended_at: null,
    created_at: tenure.at,
    updated_at: tenure.at,
  });
}

// Prepared: it runs in every purchase, and building an insert with Kysely costs more than running it.
const insertTenure = preparedQuery((ex, row: RentalRow) => ex.insertInto('rental').values(row));

/** The number left the account: no later period of its tenure can be charged. */
export async function endTenure(ex: Executor, accountId: string, didNumber: string, at: string): Promise<void> {
  await ex
    .updateTable('rental')
    .set({ status: 'ended', suspended_since: null, ended_at: at, updated_at: at })
    .where('did_number', '=', didNumber)
    .where('account_id', '=', accountId)
    .where('status', '<>', 'ended')
    .execute();
}

/**
 * The owner's release at the end of the paid period: the tenure is not renewed and is released on
 * its first unpaid day. Undefined when the account holds no running tenure of the number. A
 * suspended number owes a period already: it has nothing paid left to keep.
 */
export async function scheduleRelease(ex: Executor, accountId: string, didNumber: string, at: string): Promise<{ releaseOn: string } | undefined> {
  const row = await ex
    .updateTable('rental')
    .set((eb) => ({ release_on: eb.ref('next_due_on'), updated_at: at }))
    .where('did_number', '=', didNumber)
    .where('account_id', '=', accountId)
    .where('status', '=', 'active')
    .returning('release_on')
    .executeTakeFirst();
  return row?.release_on ? { releaseOn: row.release_on } : undefined;
}

/** Tenures whose release day has come by `asOf` (a calendar date). */
export async function releasesDue(ex: Executor, asOf: string): Promise<{ accountId: string; didNumber: string }[]> {
  const rows = await ex
    .selectFrom('rental')
    .select(['account_id', 'did_number'])
    .where('status', '<>', 'ended')
    .where('release_on', '<=', asOf)
    .orderBy('release_on')
    .execute();
  return rows.map((row) => ({ accountId: row.account_id, didNumber: row.did_number }));
}
