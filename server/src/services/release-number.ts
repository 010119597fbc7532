import { AppError } from '../domain/errors.js';
import { parseNumber } from '../domain/phone-number.js';
import { endQuarantines, findOwnedNumber, releaseOwnedNumber } from '../store/number-store.js';
import { removeVerifiedCli } from '../store/verified-cli-store.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Gives a number up: the carrier releases it first (so we never keep selling what the carrier still
 * routes for the old owner), then it leaves the account and waits out its quarantine before it is
 * sold again. The month already paid is not refunded.
 */
export async function releaseNumber(deps: ServiceDeps, accountId: string, didNumber: string, claim?: IdempotencyClaim | null): Promise<string> {
  const e164 = requireOwnedNumberFormat(didNumber);
  if (!(await findOwnedNumber(deps.database.db, accountId, e164))) throw numberNotFound(e164);
  try {
    await deps.carrier.release(e164);
  } catch (error) {
    deps.log.warn({ err: error, did_number: e164 }, 'carrier release failed');
    throw new AppError('upstream_error', `The carrier could not release ${e164}; the number is unchanged`, {
      retryable: true,
    });
  }
  const now = deps.clock();
  const quarantineUntil =
    deps.settings.quarantineDays > 0 ? new Date(now.getTime() + deps.settings.quarantineDays * DAY_MS).toISOString() : null;
  const released = await deps.database.writeTransaction(async (trx) => {
    if (!(await releaseOwnedNumber(trx, accountId, e164, quarantineUntil, now.toISOString()))) return false;
    await removeVerifiedCli(trx, accountId, e164);
    await tieToIdempotencyKey(trx, claim, `released:${e164}`);
    return true;
  });
  if (!released) throw numberNotFound(e164);
  return e164;
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
