import { AppError, invalidRequest } from '../domain/errors.js';
import { parseNumber } from '../domain/phone-number.js';
import { holdEventStream } from '../store/account-event-store.js';
import { countHeldNumbers, endHolds, extendHolds, holdersOfEndedHolds, holdNumbers, listHeldNumbers, sweepEndedHolds, type HeldNumber } from '../store/reservation-store.js';
import type { ServiceDeps } from './deps.js';
import { numberUnavailable, viewerOf } from './number-catalogue.js';
import { callerPlan } from './purchase-number.js';

/** Numbers one request may reserve, extend or release. */
export const MAX_RESERVATION_NUMBERS = 100;
const MINUTE_MS = 60_000;
/** Ended holds swept per pass. */
const SWEEP_BATCH = 500;

export interface ReservationOutcome {
  reserved: HeldNumber[];
  /** Numbers not for sale, or held by another account. */
  unavailable: string[];
}

/**
 * `POST /phone-numbers/reservations`: holds the numbers for the caller for `minutes` (the
 * configured default when absent): nobody else can buy them until then, and they buy them as
 * usual. A number the caller holds already is extended. Numbers others hold, or that are not for
 * sale, are left out (`unavailable`); a single number that cannot be held is a 404 number_unavailable.
 */
export async function reserveNumbers(deps: ServiceDeps, accountId: string, input: { didNumbers: string[]; single: boolean; minutes?: number }): Promise<ReservationOutcome> {
  const didNumbers = normalised(input.didNumbers);
  const now = deps.clock();
  const { minutes, maxMinutes, maxPerAccount } = deps.settings.reservations;
  const wanted = requireMinutes(input.minutes ?? minutes, maxMinutes);
  const times = {
    now: now.toISOString(),
    expiresAt: new Date(now.getTime() + wanted * MINUTE_MS).toISOString(),
    limitAt: new Date(now.getTime() + maxMinutes * MINUTE_MS).toISOString(),
  };
  const reserved = await deps.database.writeTransaction(async (trx) => {
    // The accounts first (PostgreSQL), in id order, as every transaction that appends their events
    // takes them: the caller's (the count of its holds stays true until this commits) and those
    // whose ended holds of these numbers are swept first (their expiry told), so they can be taken.
    const holders = await holdersOfEndedHolds(trx, didNumbers, times.now);
    for (const id of [...new Set([accountId, ...holders])].sort()) await holdEventStream(trx, id);
    await sweepEndedHolds(trx, times.now, didNumbers.length, didNumbers);
    const held = await holdNumbers(trx, accountId, didNumbers, times);
    const running = await countHeldNumbers(trx, accountId, times.now);
    if (running > maxPerAccount) {
      throw new AppError('limit_reached', `An account may hold at most ${maxPerAccount} numbers at once: buy or release some first`);
    }
    return held;
  });
  const heldNumbers = new Set(reserved.map((hold) => hold.did_number));
  const unavailable = didNumbers.filter((did) => !heldNumbers.has(did));
  if (input.single && unavailable.length > 0) {
    throw await numberUnavailable(deps.database.db, unavailable[0]!, await callerPlan(deps, accountId), viewerOf(deps, accountId));
  }
  return { reserved: reserved.sort((a, b) => (a.did_number < b.did_number ? -1 : 1)), unavailable };
}

/** `GET /phone-numbers/reservations`: the caller's holds still running, on numbers still for sale. */
export function reservationsOf(deps: ServiceDeps, accountId: string): Promise<HeldNumber[]> {
  return listHeldNumbers(deps.database.db, accountId, deps.clock().toISOString());
}

/**
 * `PATCH /phone-numbers/reservations[/{did_number}]`: the caller's running holds of the numbers
 * (all of them when none is named) end `minutes` from now, each at most at its limit.
 */
export async function extendReservations(
  deps: ServiceDeps,
  accountId: string,
  input: { didNumbers: string[] | null; single: boolean; minutes?: number },
): Promise<HeldNumber[]> {
  const didNumbers = input.didNumbers === null ? null : normalised(input.didNumbers);
  const { minutes, maxMinutes } = deps.settings.reservations;
  const wanted = requireMinutes(input.minutes ?? minutes, maxMinutes);
  const now = deps.clock();
  const extended = await deps.database.writeTransaction((trx) =>
    extendHolds(trx, accountId, didNumbers, now.toISOString(), new Date(now.getTime() + wanted * MINUTE_MS).toISOString()),
  );
  if (input.single && extended.length === 0) throw notHeld(didNumbers![0]!);
  return extended.sort((a, b) => (a.did_number < b.did_number ? -1 : 1));
}

/** `DELETE /phone-numbers/reservations[/{did_number}]`: the caller's running holds of the numbers (all when none is named) end now. */
export async function releaseReservations(deps: ServiceDeps, accountId: string, input: { didNumbers: string[] | null; single: boolean }): Promise<string[]> {
  const didNumbers = input.didNumbers === null ? null : normalised(input.didNumbers);
  const released = await deps.database.writeTransaction((trx) => endHolds(trx, accountId, didNumbers, deps.clock().toISOString()));
  if (input.single && released.length === 0) throw notHeld(didNumbers![0]!);
  return released.sort();
}

/**
 * Deletes the holds that have ended and tells their holders (`reservation.expired`), a batch at a
 * time until none is left. The hold ended at its instant already; this only tidies and tells.
 */
export async function sweepEndedReservations(deps: Pick<ServiceDeps, 'database' | 'clock'>): Promise<number> {
  let swept = 0;
  for (;;) {
    const now = deps.clock().toISOString();
    const due = await deps.database.db.selectFrom('number_reservation').select('did_number').where('expires_at', '<=', now).limit(1).executeTakeFirst();
    if (!due) return swept;
    const n = await deps.database.writeTransaction((trx) => sweepEndedHolds(trx, now, SWEEP_BATCH));
    swept += n;
    if (n < SWEEP_BATCH) return swept;
  }
}

function normalised(didNumbers: string[]): string[] {
  if (didNumbers.length === 0) throw invalidRequest('did_numbers', 'names no number');
  if (didNumbers.length > MAX_RESERVATION_NUMBERS) throw invalidRequest('did_numbers', `names more than ${MAX_RESERVATION_NUMBERS} numbers`);
  const e164s = didNumbers.map((did, i) => {
    const parsed = parseNumber(did);
    if (!parsed) throw new AppError('invalid_number', `"${did}" is not a valid phone number`, { errors: [{ field: `did_numbers[${i}]`, message: 'not a valid phone number' }] });
    return parsed.e164;
  });
  return [...new Set(e164s)];
}

function requireMinutes(minutes: number, maxMinutes: number): number {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > maxMinutes) throw invalidRequest('minutes', `must be a whole number of minutes from 1 to ${maxMinutes}`);
  return minutes;
}

function notHeld(didNumber: string): AppError {
  return new AppError('not_found', `${didNumber} is not held by this account (its reservation ended, or it never had one)`);
}
