import { sql } from 'kysely';
import type { Executor } from './database.js';
import { releaseOwnedNumber } from './number-store.js';
import { endTenure } from './rental-store.js';
import type { PhoneNumberRow, PhoneNumberTable, ReleaseOrderRow } from './tables.js';
import { removeVerifiedCli } from './verified-cli-store.js';

/**
 * The account's pending release of the number, made now unless one is pending already (a retry,
 * or a release a crash interrupted): the number is released once, whoever asks again.
 */
export async function openRelease(ex: Executor, release: { id: string; accountId: string; didNumber: string; at: string }): Promise<ReleaseOrderRow> {
  await ex
    .insertInto('release_order')
    .values({ id: release.id, account_id: release.accountId, did_number: release.didNumber, status: 'pending', created_at: release.at, updated_at: release.at })
    // The index's own predicate, as a literal: SQLite matches a partial index only by its text.
    .onConflict((oc) => oc.column('did_number').where(sql.ref('status'), '=', sql.lit('pending')).doNothing())
    .execute();
  return ex
    .selectFrom('release_order')
    .selectAll()
    .where('did_number', '=', release.didNumber)
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
}

/** The columns of a number's configuration a release keeps, so that a restore puts them back. */
export const RELEASED_CONFIGURATION_COLUMNS = [
  'description',
  'primary_route',
  'primary_destination',
  'primary_timeout',
  'backup_route',
  'backup_destination',
  'backup_timeout',
  'max_channels',
  'block_premium',
  'block_prefs',
  'sms_routes',
  'address_id',
  'person_id',
  'purchased_at',
] as const satisfies readonly (keyof PhoneNumberTable)[];

export type ReleasedConfiguration = Pick<PhoneNumberRow, (typeof RELEASED_CONFIGURATION_COLUMNS)[number]>;

/** When a completed release may be restored until, and the quarantine that follows. */
export interface ReleaseTerms {
  /** Null: not restorable (no grace days). */
  restorableUntil: string | null;
  /** Null: straight back on sale. */
  quarantineUntil: string | null;
}

/**
 * The release's last step once the carrier has released the number: it leaves the account (into
 * quarantine, or straight back on sale) and its verified caller ID goes. Conditional on the
 * release still pending, so of a request and recovery finishing it at once, one does. The release
 * keeps the number's configuration and its tenure, for a restore.
 */
export async function completeRelease(
  ex: Executor,
  release: Pick<ReleaseOrderRow, 'id' | 'account_id' | 'did_number'>,
  terms: ReleaseTerms,
  at: string,
): Promise<boolean> {
  const number = await ex
    .selectFrom('phone_number')
    .select(['order_id', ...RELEASED_CONFIGURATION_COLUMNS])
    .where('did_number', '=', release.did_number)
    .where('account_id', '=', release.account_id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  const { order_id: tenureOrderId, ...configuration } = number ?? { order_id: null };
  const settled = await ex
    .updateTable('release_order')
    .set({
      status: 'completed',
      updated_at: at,
      tenure_order_id: tenureOrderId,
      configuration: number ? JSON.stringify(configuration) : null,
      restorable_until: number ? terms.restorableUntil : null,
      quarantine_until: terms.quarantineUntil,
    })
    .where('id', '=', release.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (settled.numUpdatedRows === 0n) return false;
  await releaseOwnedNumber(ex, release.account_id, release.did_number, terms.quarantineUntil, at);
  await endTenure(ex, release.account_id, release.did_number, at);
  await removeVerifiedCli(ex, release.account_id, release.did_number);
  return true;
}

/** The carrier refused to release the number: it stays the account's. */
export async function failRelease(ex: Executor, releaseId: string, at: string): Promise<void> {
  await ex.updateTable('release_order').set({ status: 'failed', updated_at: at }).where('id', '=', releaseId).where('status', '=', 'pending').execute();
}

export async function listPendingReleases(ex: Executor, createdBy: string): Promise<ReleaseOrderRow[]> {
  return ex.selectFrom('release_order').selectAll().where('status', '=', 'pending').where('created_at', '<=', createdBy).orderBy('created_at').execute();
}
