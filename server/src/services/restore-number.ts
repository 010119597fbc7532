import type { ProvisionOutcome, ProvisionRequest } from '../carriers/carrier.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { availableCents } from '../domain/money.js';
import { SYSTEM_SOURCE, type ChangeSource } from '../domain/number-event.js';
import type { OrderFailureCode } from '../domain/order.js';
import type { PlannedCharge } from '../domain/renewal-plan.js';
import type { RouteType } from '../domain/routing.js';
import { calendarDateOf, periodsDue, periodStart } from '../domain/rental-period.js';
import { holdEventStream } from '../store/account-event-store.js';
import { findAccount, readBalanceCents } from '../store/account-store.js';
import { postRentalCharges } from '../store/billing-store.js';
import type { Executor } from '../store/database.js';
import { ipndRecordExists } from '../store/ipnd-store.js';
import { recordNumberEvents } from '../store/number-event-store.js';
import { renewalPrices } from '../store/price-plan-store.js';
import type { ReleasedConfiguration } from '../store/release-order-store.js';
import {
  completeRestore,
  failRestore,
  findRestore,
  findTenure,
  latestRelease,
  listPendingRestores,
  readCompletedRestore,
  reserveRestore,
  restoreOfRelease,
  type RestoreDone,
} from '../store/restore-order-store.js';
import type { ReleaseOrderRow, RestoreOrderRow } from '../store/tables.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';
import { provisionWithTimeout, refuseWhileCarrierRefuses } from './purchase-number.js';
import { numberNotFound, requireOwnedNumberFormat } from './release-number.js';
import { BACKUP_ROUTE_FIELDS, PRIMARY_ROUTE_FIELDS, resolveRoute } from './resolve-route.js';

export type { RestoreDone };

/**
 * Gives the account that released a number the number back, within the release's grace days, as
 * a saga like a purchase: (1) one short transaction reserves the number from its quarantine, holds
 * the charge and records a pending restore; (2) the carrier provisions it again, outside any
 * transaction; (3) a second short transaction completes the restore (the number active with the
 * configuration it had, its tenure running again) or puts the number back in quarantine. A crash
 * between the steps leaves a pending restore that recovery settles by asking the carrier.
 *
 * The tenure goes on where it stopped: the same anniversary, and only the periods begun and not
 * yet paid are charged (none when the number comes back within its paid month). Asking again once
 * restored answers the same restore, so a retry never charges twice.
 */
export function restoreNumber(deps: ServiceDeps, accountId: string, didNumber: string, source: ChangeSource, claim?: IdempotencyClaim | null): Promise<RestoreDone> {
  const saga = runSaga(deps, accountId, requireOwnedNumberFormat(didNumber), source, claim);
  deps.tasks.track(saga);
  return saga;
}

async function runSaga(deps: ServiceDeps, accountId: string, e164: string, source: ChangeSource, claim: IdempotencyClaim | null | undefined): Promise<RestoreDone> {
  const reserved = await reserve(deps, accountId, e164, claim);
  if ('done' in reserved) return reserved.done;
  const { restore, release } = reserved;
  deps.faults?.reached('after_restore_reserve');

  const outcome = provisionWithTimeout(deps, restoreProvisionRequest(restore, release));
  const answer = await outcome.answer;
  if (answer === 'timeout' || answer === 'unknown') {
    if (answer === 'timeout') deps.tasks.track(settleLateAnswer(deps, restore, release, outcome.provision, source));
    throw restorePending(restore);
  }
  if (answer.status === 'failed') {
    await settleFailed(deps, restore, release, answer.cause === 'number_unavailable' ? 'number_unavailable' : 'upstream_error');
    if (answer.cause === 'number_unavailable') {
      throw new AppError('not_restorable', `${e164} can no longer be restored: the carrier no longer has it to give back`);
    }
    throw new AppError('upstream_error', `The carrier could not provision ${e164} again; it is still released`, { retryable: true });
  }
  deps.faults?.reached('after_restore_carrier_ok');
  const done = await settleProvisioned(deps, restore, release, answer.reference, source);
  deps.faults?.reached('after_restore_commit');
  if (done) return done;
  const settled = await findRestore(deps.database.db, restore.id);
  if (settled?.status === 'completed') return restoreDone(deps.database.db, restore.id);
  // Recovery failed the restore while the carrier was still answering: undo the carrier's side too.
  await deps.carrier.release(e164);
  throw new AppError('upstream_error', `Restore ${restore.id} was settled as ${settled?.status}`, { retryable: true });
}

type Reserved = { restore: RestoreOrderRow; release: ReleaseOrderRow } | { done: RestoreDone };

/** Step 1: every check inside the write transaction; a failed check rolls back having written nothing. */
async function reserve(deps: ServiceDeps, accountId: string, e164: string, claim: IdempotencyClaim | null | undefined): Promise<Reserved> {
  const now = deps.clock();
  const at = now.toISOString();
  const outcome = await deps.database.writeTransaction(async (trx): Promise<Reserved | { unavailable: true } | { insufficient: number }> => {
    const release = await latestRelease(trx, e164);
    if (!release || release.account_id !== accountId) throw notReleasedByYou(e164);
    if (release.status === 'pending') {
      throw new AppError('upstream_pending', `The carrier has not confirmed the release of ${e164} yet; restore it once it has`, { retryable: false });
    }
    const earlier = await restoreOfRelease(trx, release.id);
    if (earlier?.status === 'completed') return { done: await restoreDone(trx, earlier.id) };
    if (earlier?.status === 'pending') throw restorePending(earlier);
    if (!release.restorable_until || !release.tenure_order_id || !release.configuration || release.restorable_until <= at) {
      throw new AppError('not_restorable', `${e164} can no longer be restored: its grace period after the release has ended`);
    }
    const tenure = await findTenure(trx, release.tenure_order_id);
    if (tenure?.status !== 'ended') throw new AppError('not_restorable', `${e164} can no longer be restored`);
    const configuration = JSON.parse(release.configuration) as ReleasedConfiguration;
    await requireRecordsStillThere(trx, accountId, configuration);
    await requireRoutesStillThere(trx, accountId, configuration);
    refuseWhileCarrierRefuses(deps, await numberCarrier(trx, e164));

    const due = periodsDue(tenure.purchased_on, tenure.next_period, calendarDateOf(now, deps.settings.billing.timeZone));
    const monthly = due.length === 0 ? 0 : ((await renewalPrices(trx, [{ did_number: e164, account_id: accountId }])).get(e164) ?? 0);
    const restore: RestoreOrderRow = {
      id: newId('rst'),
      account_id: accountId,
      did_number: e164,
      release_id: release.id,
      tenure_order_id: tenure.order_id,
      status: 'pending',
      amount_cents: due.length * monthly,
      monthly_cents: monthly,
      first_period: tenure.next_period,
      last_period: tenure.next_period + due.length - 1,
      failure_code: null,
      carrier_reference: null,
      created_at: at,
      updated_at: at,
    };
    const account = await findAccount(trx, accountId);
    if (!account) throw new AppError('unauthenticated', 'Invalid API key');
    const available = availableCents(account);
    if (available < restore.amount_cents) return { insufficient: available };
    const reservation = await reserveRestore(trx, restore, configuration);
    if (reservation === 'unavailable') return { unavailable: true };
    // The number is reserved already: throwing rolls that back.
    if (reservation === 'insufficient_funds') throw insufficientFunds(e164, 0);
    await tieToIdempotencyKey(trx, claim, restore.id);
    return { restore, release };
  });
  if ('unavailable' in outcome) throw new AppError('not_restorable', `${e164} can no longer be restored: it is no longer in quarantine`);
  if ('insufficient' in outcome) throw insufficientFunds(e164, outcome.insufficient);
  return outcome;
}

/**
 * The IPND records the number named must still be the account's: the carrier is given them again.
 * Share-locked, as a purchase's are, so that a deletion waits and then finds the reserved number naming them.
 */
async function requireRecordsStillThere(ex: Executor, accountId: string, configuration: ReleasedConfiguration): Promise<void> {
  for (const kind of ['address', 'person'] as const) {
    const id = kind === 'address' ? configuration.address_id : configuration.person_id;
    if (!id || !(await ipndRecordExists(ex, kind, accountId, id, 'share'))) {
      throw new AppError(kind === 'address' ? 'invalid_address' : 'invalid_person', `The ${kind} ${id ?? ''} the number had is gone; add it again and buy the number`);
    }
  }
}

/** The destinations the number routed to must still be the account's (the operator may have removed one): share-locked, as a purchase's. */
async function requireRoutesStillThere(ex: Executor, accountId: string, configuration: ReleasedConfiguration): Promise<void> {
  await resolveRoute(ex, accountId, configuration.primary_route ?? '', configuration.primary_destination, PRIMARY_ROUTE_FIELDS, 'share');
  if (configuration.backup_route) {
    await resolveRoute(ex, accountId, configuration.backup_route, configuration.backup_destination, BACKUP_ROUTE_FIELDS, 'share');
  }
}

async function numberCarrier(ex: Executor, e164: string): Promise<string> {
  const row = await ex.selectFrom('phone_number').select('carrier').where('did_number', '=', e164).executeTakeFirst();
  return row?.carrier ?? '';
}

function restoreProvisionRequest(restore: RestoreOrderRow, release: ReleaseOrderRow): ProvisionRequest {
  const configuration = JSON.parse(release.configuration ?? '{}') as ReleasedConfiguration;
  return {
    orderId: restore.id,
    didNumber: restore.did_number,
    accountId: restore.account_id,
    addressId: configuration.address_id ?? '',
    personId: configuration.person_id ?? '',
    // A number is active only with a route, so its released configuration always has one.
    routing: { route: configuration.primary_route as RouteType, destination: configuration.primary_destination },
  };
}

/**
 * Step 3 when the carrier provisioned: the restore completes and its periods are charged, in one
 * transaction, which also reads the answer. Undefined when it was settled already.
 */
async function settleProvisioned(
  deps: ServiceDeps,
  restore: RestoreOrderRow,
  release: ReleaseOrderRow,
  reference: string,
  source: ChangeSource,
): Promise<RestoreDone | undefined> {
  const tenure = await findTenure(deps.database.db, restore.tenure_order_id);
  if (!tenure) throw new Error(`Tenure ${restore.tenure_order_id} does not exist`);
  const configuration = JSON.parse(release.configuration ?? '{}') as ReleasedConfiguration;
  const nextPeriod = Number(restore.last_period) + 1;
  return deps.database.writeTransaction(async (trx) => {
    const at = isoNow(deps);
    await holdEventStream(trx, restore.account_id);
    const nextDueOn = periodStart(tenure.purchased_on, nextPeriod);
    if (!(await completeRestore(trx, restore, { carrierReference: reference, configuration, nextPeriod, nextDueOn, at }))) return undefined;
    const balanceBefore = await readBalanceCents(trx, restore.account_id);
    const charges = restoreCharges(restore, tenure.purchased_on, balanceBefore);
    if (charges.length > 0) await postRentalCharges(trx, charges, new Map([[restore.account_id, Number(restore.amount_cents)]]), at);
    await recordNumberEvents(trx, [
      {
        kind: 'restored',
        didNumber: restore.did_number,
        accountId: restore.account_id,
        source,
        at,
        details: { release_id: release.id, order_id: restore.tenure_order_id, restore_id: restore.id, amount_cents: Number(restore.amount_cents) },
      },
    ]);
    const completed: RestoreOrderRow = { ...restore, status: 'completed', carrier_reference: reference, updated_at: at };
    return { restore: completed, nextRenewalOn: nextDueOn, balanceCents: balanceBefore - Number(restore.amount_cents) };
  });
}

/** The restore's periods as ledger charges, the balance falling with each. */
function restoreCharges(restore: RestoreOrderRow, purchasedOn: string, balanceCents: number): (PlannedCharge & { transactionId: string })[] {
  const charges: (PlannedCharge & { transactionId: string })[] = [];
  let balance = balanceCents;
  for (let period = Number(restore.first_period); period <= Number(restore.last_period); period++) {
    balance -= Number(restore.monthly_cents);
    charges.push({
      orderId: restore.tenure_order_id,
      didNumber: restore.did_number,
      accountId: restore.account_id,
      period,
      start: periodStart(purchasedOn, period),
      end: periodStart(purchasedOn, period + 1),
      amountCents: Number(restore.monthly_cents),
      balanceAfterCents: balance,
      transactionId: newId('txn'),
    });
  }
  return charges;
}

async function settleFailed(deps: ServiceDeps, restore: RestoreOrderRow, release: ReleaseOrderRow, failureCode: OrderFailureCode): Promise<boolean> {
  return deps.database.writeTransaction((trx) => failRestore(trx, restore, { failureCode, quarantineUntil: release.quarantine_until, at: isoNow(deps) }));
}

/** A carrier answer that came after the caller was told upstream_pending settles the restore then. */
async function settleLateAnswer(
  deps: ServiceDeps,
  restore: RestoreOrderRow,
  release: ReleaseOrderRow,
  provision: Promise<ProvisionOutcome>,
  source: ChangeSource,
): Promise<void> {
  let outcome: ProvisionOutcome;
  try {
    outcome = await provision;
  } catch {
    return; // Unknown outcome: recovery will ask the carrier.
  }
  if (outcome.status === 'provisioned') {
    await settleProvisioned(deps, restore, release, outcome.reference, source);
    const settled = await findRestore(deps.database.db, restore.id);
    if (settled?.status === 'failed') await deps.carrier.release(restore.did_number);
  } else {
    await settleFailed(deps, restore, release, 'upstream_error');
  }
}

/**
 * Settles restores a crash or an unclear carrier answer left pending, asking the carrier whether it
 * holds the number for the restore: provisioned → complete (charge), absent → fail (the number back
 * in quarantine, the hold let go). Conditional on the restore still pending, so several processes
 * may recover at once and each restore is settled once.
 */
export async function recoverRestores(deps: ServiceDeps): Promise<{ completed: number; failed: number; unresolved: number }> {
  const cutoff = new Date(deps.clock().getTime() - deps.settings.recoveryGraceMs).toISOString();
  const report = { completed: 0, failed: 0, unresolved: 0 };
  for (const restore of await listPendingRestores(deps.database.db, cutoff)) {
    const release = await deps.database.db.selectFrom('release_order').selectAll().where('id', '=', restore.release_id).executeTakeFirstOrThrow();
    let state;
    try {
      const request = restoreProvisionRequest(restore, release);
      state = deps.carrier.confirm ? await deps.carrier.confirm(request) : await deps.carrier.lookup({ orderId: restore.id, didNumber: restore.did_number });
    } catch (error) {
      deps.log.warn({ err: error, restore_id: restore.id }, 'recovery could not ask the carrier about a restore');
      report.unresolved++;
      continue;
    }
    if (state.status === 'provisioned') {
      if (await settleProvisioned(deps, restore, release, state.reference, SYSTEM_SOURCE)) report.completed++;
    } else if (await settleFailed(deps, restore, release, 'upstream_timeout')) {
      report.failed++;
    }
    deps.log.info({ restore_id: restore.id, did_number: restore.did_number }, 'recovery settled a restore');
  }
  return report;
}

async function restoreDone(ex: Executor, restoreId: string): Promise<RestoreDone> {
  const done = await readCompletedRestore(ex, restoreId);
  if (!done) throw new Error(`Restore ${restoreId} has not completed`);
  return done;
}

function insufficientFunds(e164: string, availableCents: number): AppError {
  return new AppError('insufficient_funds', `Insufficient funds: restoring ${e164} costs the month now due, and $${(availableCents / 100).toFixed(2)} is available`);
}

function restorePending(restore: RestoreOrderRow): AppError {
  return new AppError('upstream_pending', 'The carrier has not confirmed the number yet; the restore is pending', { restore_id: restore.id, retryable: false });
}

function notReleasedByYou(e164: string): AppError {
  const error = numberNotFound(e164);
  error.message = `${e164} is not a number you released`;
  return error;
}
