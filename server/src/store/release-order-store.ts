import { sql } from 'kysely';
import type { Executor } from './database.js';
import { releaseOwnedNumber } from './number-store.js';
import { endTenure } from './rental-store.js';
import type { ReleaseOrderRow } from './tables.js';
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

/**
 * The release's last step once the carrier has released the number: it leaves the account (into
 * quarantine, or straight back on sale) and its verified caller ID goes. Conditional on the
 * release still pending, so of a request and recovery finishing it at once, one does.
 */
export async function completeRelease(
  ex: Executor,
  release: Pick<ReleaseOrderRow, 'id' | 'account_id' | 'did_number'>,
  quarantineUntil: string | null,
  at: string,
): Promise<boolean> {
  const settled = await ex
    .updateTable('release_order')
    .set({ status: 'completed', updated_at: at })
    .where('id', '=', release.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (settled.numUpdatedRows === 0n) return false;
  await releaseOwnedNumber(ex, release.account_id, release.did_number, quarantineUntil, at);
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
