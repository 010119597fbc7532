import { sql } from 'kysely';
import type { Executor } from './database.js';
import { CLEARED_CONFIGURATION } from './number-store.js';
import type { ReleasedConfiguration } from './release-order-store.js';
import type { ReleaseOrderRow, RentalRow, RestoreOrderRow } from './tables.js';
import { addVerifiedCli } from './verified-cli-store.js';

/**
 * The number's latest release that did not fail, whoever made it: only the latest can be restored,
 * once it has completed (a pending one is the newest, so an earlier release is never taken for it).
 */
export async function latestRelease(ex: Executor, didNumber: string): Promise<ReleaseOrderRow | undefined> {
  return ex
    .selectFrom('release_order')
    .selectAll()
    .where('did_number', '=', didNumber)
    .where('status', '<>', 'failed')
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function findTenure(ex: Executor, orderId: string): Promise<RentalRow | undefined> {
  return ex.selectFrom('rental').selectAll().where('order_id', '=', orderId).executeTakeFirst();
}

/** The release's restore that is pending or completed, if any (a failed one leaves the release restorable). */
export async function restoreOfRelease(ex: Executor, releaseId: string): Promise<RestoreOrderRow | undefined> {
  return ex.selectFrom('restore_order').selectAll().where('release_id', '=', releaseId).where('status', '<>', 'failed').executeTakeFirst();
}

/** A restore as its caller is told of it. */
export interface RestoreDone {
  restore: RestoreOrderRow;
  /** The tenure's first unpaid day: its next renewal. */
  nextRenewalOn: string;
  balanceCents: number;
}

/** A completed restore as its caller is told of it (asked again, or retried under its Idempotency-Key). */
export async function readCompletedRestore(ex: Executor, id: string): Promise<RestoreDone | undefined> {
  const restore = await findRestore(ex, id);
  if (restore?.status !== 'completed') return undefined;
  const tenure = await findTenure(ex, restore.tenure_order_id);
  const account = await ex.selectFrom('account').select('balance_cents').where('id', '=', restore.account_id).executeTakeFirstOrThrow();
  return { restore, nextRenewalOn: tenure?.next_due_on ?? '', balanceCents: Number(account.balance_cents) };
}

export async function findRestore(ex: Executor, id: string): Promise<RestoreOrderRow | undefined> {
  return ex.selectFrom('restore_order').selectAll().where('id', '=', id).executeTakeFirst();
}

export type RestoreReservation = 'reserved' | 'unavailable' | 'insufficient_funds';

/**
 * The restore's first writes, inside the caller's transaction: the number goes from quarantine to
 * reserved for its old tenure's account (its tenure's order, which it will be linked to again),
 * with the configuration it will have again (so that its IPND records and destinations cannot be
 * removed while the restore is pending), the amount is held on the account's balance, and the
 * pending restore is recorded. Each step is conditional; when one fails the caller rolls back
 * what came before.
 */
export async function reserveRestore(ex: Executor, restore: RestoreOrderRow, configuration: ReleasedConfiguration): Promise<RestoreReservation> {
  const number = await ex
    .updateTable('phone_number')
    .set({
      ...configuration,
      status: 'reserved',
      account_id: restore.account_id,
      order_id: restore.tenure_order_id,
      quarantine_until: null,
      updated_at: restore.created_at,
    })
    .where('did_number', '=', restore.did_number)
    .where('status', '=', 'quarantine')
    .executeTakeFirst();
  if (number.numUpdatedRows !== 1n) return 'unavailable';
  const amount = Number(restore.amount_cents);
  if (amount > 0) {
    const held = await ex
      .updateTable('account')
      .set({ held_cents: sql`held_cents + ${amount}` })
      .where('id', '=', restore.account_id)
      .where(sql<boolean>`balance_cents - held_cents >= ${amount}`)
      .executeTakeFirst();
    if (held.numUpdatedRows !== 1n) return 'insufficient_funds';
  }
  await ex.insertInto('restore_order').values(restore).execute();
  return 'reserved';
}

/** Settles a pending restore; false when it was settled already (by recovery, or a late answer). */
async function settle(ex: Executor, restore: RestoreOrderRow, change: { status: 'completed' | 'failed'; failureCode?: RestoreOrderRow['failure_code']; carrierReference?: string; at: string }): Promise<boolean> {
  const settled = await ex
    .updateTable('restore_order')
    .set({ status: change.status, failure_code: change.failureCode ?? null, carrier_reference: change.carrierReference ?? null, updated_at: change.at })
    .where('id', '=', restore.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (settled.numUpdatedRows !== 1n) return false;
  const amount = Number(restore.amount_cents);
  if (amount > 0) {
    await ex.updateTable('account').set({ held_cents: sql`held_cents - ${amount}` }).where('id', '=', restore.account_id).executeTakeFirstOrThrow();
  }
  return true;
}

/**
 * The carrier has the number again: the restore completes, its hold is let go (the caller posts the
 * charges in the same transaction), the number is active for its account with the configuration it
 * had, its tenure runs again from its first unpaid period, and its caller ID is verified again.
 */
export async function completeRestore(
  ex: Executor,
  restore: RestoreOrderRow,
  change: { carrierReference: string; configuration: ReleasedConfiguration; nextPeriod: number; nextDueOn: string; at: string },
): Promise<boolean> {
  if (!(await settle(ex, restore, { status: 'completed', carrierReference: change.carrierReference, at: change.at }))) return false;
  const number = await ex
    .updateTable('phone_number')
    .set({ ...change.configuration, status: 'active', suspended: 0, updated_at: change.at })
    .where('did_number', '=', restore.did_number)
    .where('status', '=', 'reserved')
    .where('order_id', '=', restore.tenure_order_id)
    .executeTakeFirst();
  if (number.numUpdatedRows !== 1n) throw new Error(`Number ${restore.did_number} is not reserved for restore ${restore.id}`);
  const tenure = await ex
    .updateTable('rental')
    .set({
      status: 'active',
      next_period: change.nextPeriod,
      next_due_on: change.nextDueOn,
      suspended_since: null,
      release_on: null,
      ended_at: null,
      updated_at: change.at,
    })
    .where('order_id', '=', restore.tenure_order_id)
    .where('status', '=', 'ended')
    .executeTakeFirst();
  if (tenure.numUpdatedRows !== 1n) throw new Error(`Tenure ${restore.tenure_order_id} has not ended`);
  await addVerifiedCli(ex, restore.account_id, restore.did_number, change.at);
  return true;
}

/** The carrier did not provision: the hold is let go and the number goes back to its quarantine, configured as none. */
export async function failRestore(
  ex: Executor,
  restore: RestoreOrderRow,
  change: { failureCode: NonNullable<RestoreOrderRow['failure_code']>; quarantineUntil: string | null; at: string },
): Promise<boolean> {
  if (!(await settle(ex, restore, { status: 'failed', failureCode: change.failureCode, at: change.at }))) return false;
  await ex
    .updateTable('phone_number')
    .set({
      ...CLEARED_CONFIGURATION,
      status: change.quarantineUntil ? 'quarantine' : 'available',
      quarantine_until: change.quarantineUntil,
      updated_at: change.at,
    })
    .where('did_number', '=', restore.did_number)
    .where('status', '=', 'reserved')
    .where('order_id', '=', restore.tenure_order_id)
    .execute();
  return true;
}

export async function listPendingRestores(ex: Executor, createdBy: string): Promise<RestoreOrderRow[]> {
  return ex.selectFrom('restore_order').selectAll().where('status', '=', 'pending').where('created_at', '<=', createdBy).orderBy('created_at').execute();
}
