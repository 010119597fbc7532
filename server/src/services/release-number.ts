import { CarrierRefusedError } from '../carriers/carrier.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { SYSTEM_SOURCE, type ChangeSource } from '../domain/number-event.js';
import { parseNumber } from '../domain/phone-number.js';
import { holdEventStream } from '../store/account-event-store.js';
import { recordNumberEvents } from '../store/number-event-store.js';
import { endQuarantines, findOwnedNumber } from '../store/number-store.js';
import { completeRelease, failRelease, listPendingReleases, openRelease, type ReleaseTerms } from '../store/release-order-store.js';
import { releasesDue, scheduleRelease } from '../store/rental-store.js';
import type { ReleaseOrderRow } from '../store/tables.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Gives a number up, as a saga: (1) a pending release is recorded; (2) the carrier releases the
 * number, outside any transaction (so we never keep selling what the carrier still routes for the
 * old owner); (3) the number leaves the account and waits out its quarantine before it is sold
 * again. A crash or an unclear answer after step 1 leaves the release pending, and recovery
 * finishes it: a release the customer asked for is completed, never undone. The month already
 * paid is not refunded. The release is recorded in the number's history as `source`'s, or as
 * Bilby's own when recovery finishes it.
 */
export async function releaseNumber(
  deps: ServiceDeps,
  accountId: string,
  didNumber: string,
  source: ChangeSource,
  claim?: IdempotencyClaim | null,
): Promise<string> {
  const e164 = requireOwnedNumberFormat(didNumber);
  const release = await deps.database.writeTransaction(async (trx) => {
    if (!(await findOwnedNumber(trx, accountId, e164))) return undefined;
    return openRelease(trx, { id: newId('rel'), accountId, didNumber: e164, at: isoNow(deps) });
  });
  if (!release || release.account_id !== accountId) throw numberNotFound(e164);
  try {
    await deps.carrier.release(e164);
  } catch (error) {
    if (error instanceof CarrierRefusedError) {
      await deps.database.writeStatement((ex) => failRelease(ex, release.id, isoNow(deps)));
      deps.log.warn({ err: error, did_number: e164 }, 'carrier refused to release the number');
      throw new AppError('upstream_error', `The carrier could not release ${e164}; the number is unchanged`, { retryable: true });
    }
    deps.log.warn({ err: error, did_number: e164, release_id: release.id }, 'carrier release failed with an unknown outcome');
    throw new AppError('upstream_pending', `The carrier has not confirmed the release of ${e164}; it will be completed`, { retryable: false });
  }
  deps.faults?.reached('after_carrier_release');
  const completed = await finishRelease(deps, release, source, claim);
  if (!completed && (await findOwnedNumber(deps.database.db, accountId, e164))) throw numberNotFound(e164);
  return e164;
}

/**
 * The owner's release at the end of the period already paid: the number stays the account's until
 * its first unpaid day, is never renewed, and the billing run releases it that day (as
 * releaseNumber does). A suspended number has no paid period left and is released now.
 */
export async function releaseAtPeriodEnd(
  deps: ServiceDeps,
  accountId: string,
  didNumber: string,
  source: ChangeSource,
  claim?: IdempotencyClaim | null,
): Promise<{ didNumber: string; releaseOn: string | null }> {
  const e164 = requireOwnedNumberFormat(didNumber);
  const scheduled = await deps.database.writeTransaction(async (trx) => {
    if (!(await findOwnedNumber(trx, accountId, e164))) throw numberNotFound(e164);
    const release = await scheduleRelease(trx, accountId, e164, isoNow(deps));
    if (release) await tieToIdempotencyKey(trx, claim, `release_on:${e164}:${release.releaseOn}`);
    return release;
  });
  if (scheduled) return { didNumber: e164, releaseOn: scheduled.releaseOn };
  return { didNumber: await releaseNumber(deps, accountId, e164, source, claim), releaseOn: null };
}

/** The billing run's part: every number whose release day has come by `asOf` is released. */
export async function releaseScheduledNumbers(deps: ServiceDeps, asOf: string): Promise<number> {
  let released = 0;
  for (const due of await releasesDue(deps.database.db, asOf)) {
    try {
      await releaseNumber(deps, due.accountId, due.didNumber, SYSTEM_SOURCE);
      released++;
    } catch (error) {
      deps.log.warn({ err: error, did_number: due.didNumber }, 'could not release a number at the end of its paid period yet; the next run tries again');
    }
  }
  return released;
}

/** Step 3, for the request or for recovery; false when the release was finished already. */
async function finishRelease(deps: ServiceDeps, release: ReleaseOrderRow, source: ChangeSource, claim?: IdempotencyClaim | null): Promise<boolean> {
  const now = deps.clock();
  const terms = releaseTerms(now, deps.settings.billing.releaseGraceDays, deps.settings.quarantineDays);
  const quarantineUntil = terms.quarantineUntil;
  return deps.database.writeTransaction(async (trx) => {
    const at = now.toISOString();
    await holdEventStream(trx, release.account_id);
    if (!(await completeRelease(trx, release, terms, at))) return false;
    await recordNumberEvents(trx, [
      {
        kind: 'released',
        didNumber: release.did_number,
        accountId: release.account_id,
        source,
        at,
        details: { release_id: release.id, quarantine_until: quarantineUntil, restorable_until: terms.restorableUntil },
      },
    ]);
    await tieToIdempotencyKey(trx, claim, `released:${release.did_number}`);
    return true;
  });
}

/**
 * A release's grace days (when its account may restore the number) come first; its quarantine
 * (when nobody can buy it) follows them.
 */
function releaseTerms(now: Date, graceDays: number, quarantineDays: number): ReleaseTerms {
  const after = (days: number) => (days > 0 ? new Date(now.getTime() + days * DAY_MS).toISOString() : null);
  return { restorableUntil: after(graceDays), quarantineUntil: after(graceDays + quarantineDays) };
}

/**
 * Finishes releases a crash or an unclear carrier answer left pending: asks the carrier to release
 * the number again (a number it no longer holds releases at once) and completes them. Returns how
 * many it completed; a release the carrier still cannot confirm stays pending for the next pass.
 */
export async function recoverReleases(deps: ServiceDeps): Promise<{ completed: number; unresolved: number }> {
  const cutoff = new Date(deps.clock().getTime() - deps.settings.recoveryGraceMs).toISOString();
  const report = { completed: 0, unresolved: 0 };
  for (const release of await listPendingReleases(deps.database.db, cutoff)) {
    try {
      await deps.carrier.release(release.did_number);
    } catch (error) {
      deps.log.warn({ err: error, release_id: release.id }, 'recovery could not release the number at the carrier');
      report.unresolved++;
      continue;
    }
    if (await finishRelease(deps, release, SYSTEM_SOURCE)) {
      report.completed++;
      deps.log.info({ release_id: release.id, did_number: release.did_number }, 'recovery completed a release');
    }
  }
  return report;
}

/** Puts numbers whose quarantine is over back on sale. Run periodically. */
export async function returnQuarantinedNumbers(deps: ServiceDeps): Promise<number> {
  return endQuarantines(deps.database.db, isoNow(deps));
}

export function requireOwnedNumberFormat(didNumber: string): string {
  const parsed = parseNumber(didNumber);
  if (!parsed) throw new AppError('invalid_number', `"${didNumber}" is not a valid phone number`);
  return parsed.e164;
}

export function numberNotFound(e164: string): AppError {
  return new AppError('number_not_found', `${e164} is not one of your numbers`);
}
