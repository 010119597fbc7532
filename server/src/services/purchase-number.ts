import type { ProvisionOutcome, ProvisionRequest } from '../carriers/carrier.js';
import { AppError } from '../domain/errors.js';
import { isUuid, newId } from '../domain/ids.js';
import type { ChangeSource } from '../domain/number-event.js';
import { availableCents, purchasePrice } from '../domain/money.js';
import type { OrderFailureCode, PurchaseOrder } from '../domain/order.js';
import { australianDigits, parseNumber } from '../domain/phone-number.js';
import { priceFor, type NumberPrice, type PricePlan } from '../domain/price-plan.js';
import { appendAccountEvents } from '../store/account-event-store.js';
import { findAccount } from '../store/account-store.js';
import { READ_COMMITTED, type Executor } from '../store/database.js';
import { holdPendingOrder } from '../store/order-store.js';
import { reservePendingOrder } from '../store/purchase/order-reservation.js';
import { readPurchaseFacts, type PurchaseFacts, type PurchasedNumber } from '../store/purchase/purchase-facts.js';
import type { PurchaseOrderRow } from '../store/tables.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { numberUnavailable, viewerOf } from './number-catalogue.js';
import { findAvailableNumber } from '../store/number-store.js';
import { planForSearch } from './price-plans.js';
import { ipndRecordInvalid } from './require-ipnd-record.js';
import { requireOwnDestination, routeShape, type ResolvedRoute } from './resolve-route.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';
import { completeOrder, failOrder } from './settle-order.js';

/** The seed's purchase body. */
export interface PurchaseRequest {
  did_number: string;
  address_id: string;
  person_id: string;
  primary_route: string;
  primary_destination?: string | null;
  description?: string | null;
}

export interface PurchaseQuote {
  didNumber: string;
  chargeCents: number;
  balanceCents: number;
  balanceAfterCents: number;
}

export interface PurchaseDone {
  order: PurchaseOrder;
  balanceCents: number;
}

export interface CheckedPurchase {
  number: PurchasedNumber;
  route: ResolvedRoute;
  price: NumberPrice;
  priceCents: number;
  balanceCents: number;
}

/**
 * Runs every check of a purchase in the contract's order and returns the quote, charging nothing.
 * Used on its own for `?dry_run=true`.
 */
export async function quotePurchase(deps: ServiceDeps, accountId: string, request: PurchaseRequest): Promise<PurchaseQuote> {
  const checked = await checkPurchase(deps, deps.database.db, accountId, request);
  // A purchase finds a number someone else holds when it reserves it; a quote reserves nothing.
  const viewer = viewerOf(deps, accountId);
  if (!(await findAvailableNumber(deps.database.db, checked.number.did_number, viewer))) {
    throw await numberUnavailable(deps.database.db, checked.number.did_number, await callerPlan(deps, accountId), viewer);
  }
  return {
    didNumber: checked.number.did_number,
    chargeCents: checked.priceCents,
    balanceCents: checked.balanceCents,
    balanceAfterCents: checked.balanceCents - checked.priceCents,
  };
}

/**
 * Buys a number as a saga: (1) one short transaction reserves the number, holds the funds and
 * records a pending order; (2) the carrier is called outside any transaction; (3) a second short
 * transaction completes the order or compensates. A crash between the steps leaves a pending order
 * that recovery settles by asking the carrier.
 *
 * The purchase is recorded in the number's history as `source`'s, also when its carrier answers late.
 *
 * A purchase goes on when its client leaves, and shutdown waits for it like any background task:
 * closing the carrier and database under it would leave its order pending until the next start.
 */
export function purchaseNumber(
  deps: ServiceDeps,
  accountId: string,
  request: PurchaseRequest,
  source: ChangeSource,
  claim?: IdempotencyClaim | null,
): Promise<PurchaseDone> {
  const saga = runSaga(deps, accountId, request, source, claim);
  deps.tasks.track(saga);
  return saga;
}

async function runSaga(
  deps: ServiceDeps,
  accountId: string,
  request: PurchaseRequest,
  source: ChangeSource,
  claim: IdempotencyClaim | null | undefined,
): Promise<PurchaseDone> {
  const order = await reserve(deps, accountId, request, source, claim);
  deps.faults?.reached('after_reserve');
  return provisionReserved(deps, order, source);
}

/**
 * Steps 2 and 3 of a purchase whose order step 1 reserved (one purchase, or a line of a bulk
 * order): the carrier is called outside any transaction, then the order completed or compensated.
 * Rejects with the buyer's AppError: the carrier's refusal, or upstream_pending.
 */
export async function provisionReserved(deps: ServiceDeps, order: PurchaseOrderRow, source: ChangeSource): Promise<PurchaseDone> {
  const outcome = provisionWithTimeout(deps, provisionRequestOf(order));
  const answer = await outcome.answer;
  if (answer === 'timeout') {
    deps.tasks.track(settleLateAnswer(deps, order.id, outcome.provision, source));
    await tellPending(deps, order);
    throw new AppError('upstream_pending', 'The carrier has not confirmed the number yet; the order is pending', {
      order_id: order.id,
      retryable: false,
    });
  }
  if (answer === 'unknown') {
    // The carrier may or may not have provisioned: only recovery, asking it, can tell.
    await tellPending(deps, order);
    throw new AppError('upstream_pending', 'The carrier did not give a clear answer; the order is pending', {
      order_id: order.id,
      retryable: false,
    });
  }
  if (answer.status === 'failed') {
    deps.faults?.reached('after_carrier_failure');
    await failOrder(deps, order.id, failureCodeOf(answer));
    throw await refusalAnswer(deps, order, answer);
  }
  deps.faults?.reached('after_carrier_ok');
  const settled = await completeOrder(deps, order.id, answer.reference, source);
  deps.faults?.reached('after_final_commit');
  if (settled.order.status !== 'completed') {
    // Recovery failed the order while the carrier was still answering: undo the carrier's side too.
    await deps.carrier.release(order.did_number);
    throw new AppError('upstream_error', `Order ${order.id} was settled as ${settled.order.status}`, {
      order_id: order.id,
      retryable: true,
    });
  }
  return { order: settled.order, balanceCents: settled.balanceCents };
}

/**
 * With `lock` (inside the reservation) the address, owner and destination the purchase names are
 * share-locked, so none of them can be deleted before it commits: with the number's conditional
 * reservation and the balance's conditional hold, that is every fact the purchase relies on, and it
 * can run READ COMMITTED on PostgreSQL.
 */
export async function checkPurchase(
  deps: ServiceDeps,
  ex: Executor,
  accountId: string,
  request: PurchaseRequest,
  lock?: 'share',
  options: { alternatives?: boolean } = {},
): Promise<CheckedPurchase> {
  const shape = routeShape(request.primary_route, request.primary_destination);
  const factsOf = (didNumber: string) =>
    readPurchaseFacts(
      ex,
      {
        accountId,
        addressId: isUuid(request.address_id) ? request.address_id : null,
        personId: isUuid(request.person_id) ? request.person_id : null,
        route: shape.ok ? shape.route : null,
        destination: shape.ok ? shape.target : null,
        didNumber,
      },
      lock,
    );
  const { didNumber, facts } = await factsOfNumber(request.did_number, factsOf);
  if (!facts.hasAddress) throw ipndRecordInvalid('address');
  if (!facts.hasPerson) throw ipndRecordInvalid('person');
  if (!shape.ok) throw shape.error;
  const route = requireOwnDestination(shape, request.primary_destination, facts.destination ?? undefined);
  const number = facts.number;
  if (number?.status !== 'available') {
    // A bulk order's refused line names its number alone: alternatives would be thrown away.
    if (options.alternatives === false) throw new AppError('number_unavailable', `${didNumber} is not available`);
    throw await numberUnavailable(ex, didNumber, await planForSearch(deps, facts.pricePlanId, ex), viewerOf(deps, accountId));
  }
  // The buyer's own price: its plan's, read with the other facts (inside the reservation, in its transaction).
  const price = priceFor(number, facts.plan);
  const priceCents = purchasePrice(price.setupCents, price.monthlyCents);
  if (!facts.account) throw new AppError('unauthenticated', 'Invalid API key');
  const available = availableCents(facts.account);
  if (available < priceCents) throw insufficientFunds(priceCents, available);
  return { number, route, price, priceCents, balanceCents: facts.account.balance_cents };
}

/**
 * The facts about the number a purchase names, read under its E.164 digits. A number Bilby holds
 * was validated when it went into stock, so the number is parsed only when its quick reading
 * finds nothing: to tell an invalid number from one that is not for sale.
 */
async function factsOfNumber(
  input: string,
  factsOf: (didNumber: string) => Promise<PurchaseFacts>,
): Promise<{ didNumber: string; facts: PurchaseFacts }> {
  const quick = australianDigits(input);
  const quickFacts = quick === null ? undefined : await factsOf(quick);
  if (quick !== null && quickFacts?.number) return { didNumber: quick, facts: quickFacts };
  const parsed = parseNumber(input);
  if (!parsed) throw new AppError('invalid_number', `"${input}" is not a valid phone number`);
  if (quick === parsed.e164 && quickFacts) return { didNumber: quick, facts: quickFacts };
  return { didNumber: parsed.e164, facts: await factsOf(parsed.e164) };
}

function insufficientFunds(priceCents: number, available: number): AppError {
  return new AppError(
    'insufficient_funds',
    `Insufficient funds: the number costs $${(priceCents / 100).toFixed(2)} and $${(available / 100).toFixed(2)} is available`,
  );
}

/**
 * Step 1. Every check runs inside the write transaction, so nothing another request does can slip
 * between a check and the reservation; a failed check rolls back having written nothing. The
 * Idempotency-Key is tied to the order in the same transaction: whenever the process dies from here
 * on, a retry with the key answers from this order and never buys again.
 */
async function reserve(
  deps: ServiceDeps,
  accountId: string,
  request: PurchaseRequest,
  source: ChangeSource,
  claim: IdempotencyClaim | null | undefined,
): Promise<PurchaseOrderRow> {
  const at = isoNow(deps);
  const unavailable = await deps.database.writeTransaction(async (trx) => {
    const checked = await checkPurchase(deps, trx, accountId, request, 'share');
    const order = orderRowOf(accountId, request, checked, source, at);
    refuseWhileCarrierRefuses(deps, checked.number.carrier);
    const reservation = await reservePendingOrder(trx, order, newId('hld'));
    if (reservation === 'unavailable') return order.did_number;
    if (reservation === 'insufficient_funds') throw insufficientFunds(checked.priceCents, 0);
    await tieToIdempotencyKey(trx, claim, order.id);
    return order;
  }, READ_COMMITTED);
  if (typeof unavailable === 'string') throw await numberUnavailable(deps.database.db, unavailable, await callerPlan(deps, accountId), viewerOf(deps, accountId));
  return unavailable;
}

/** The pending order a checked purchase reserves. */
export function orderRowOf(accountId: string, request: PurchaseRequest, checked: CheckedPurchase, source: ChangeSource, at: string): PurchaseOrderRow {
  return {
    id: newId('ord'),
    account_id: accountId,
    did_number: checked.number.did_number,
    status: 'pending',
    amount_cents: checked.priceCents,
    setup_cost_cents: checked.price.setupCents,
    monthly_cost_cents: checked.price.monthlyCents,
    address_id: request.address_id,
    person_id: request.person_id,
    primary_route: checked.route.route,
    primary_destination: checked.route.destination,
    description: request.description ?? null,
    failure_code: null,
    carrier_reference: null,
    upstream_setup_cost_cents: nullableCents(checked.number.upstream_setup_cost_cents),
    upstream_monthly_cost_cents: nullableCents(checked.number.upstream_monthly_cost_cents),
    created_at: at,
    updated_at: at,
    completed_at: null,
    actor: source.actor,
    request_id: source.requestId,
  };
}

/** The buyer's plan, for the prices of the alternatives a refusal offers. */
export async function callerPlan(deps: ServiceDeps, accountId: string): Promise<PricePlan | undefined> {
  return planForSearch(deps, (await findAccount(deps.database.db, accountId))?.price_plan_id ?? null);
}

function nullableCents(cents: number | null): number | null {
  return cents === null ? null : Number(cents);
}

/**
 * While the carrier refuses the reseller's account (out of funds, key refused) a purchase fails at
 * once: the operator has been alerted, and the buyer is told only to try later.
 */
export function refuseWhileCarrierRefuses(deps: ServiceDeps, numberCarrier: string): void {
  // An upstream's refusal is its own: the reseller's own ranges sell on meanwhile.
  if (numberCarrier === deps.carrier.name && deps.carrier.health?.().status === 'refusing') throw purchasesPaused();
}

function purchasesPaused(orderId?: string): AppError {
  return new AppError('upstream_error', 'Numbers cannot be bought right now; please try again later', {
    ...(orderId ? { order_id: orderId } : {}),
    retryable: true,
  });
}

type Failed = Extract<ProvisionOutcome, { status: 'failed' }>;

function failureCodeOf(outcome: Failed): OrderFailureCode {
  return outcome.cause === 'number_unavailable' ? 'number_unavailable' : 'upstream_error';
}

/** The buyer's answer to a refusal: the carrier's own problems stay the operator's. */
async function refusalAnswer(deps: ServiceDeps, order: PurchaseOrderRow, outcome: Failed): Promise<AppError> {
  if (outcome.cause === 'number_unavailable') return numberUnavailable(deps.database.db, order.did_number, await callerPlan(deps, order.account_id), viewerOf(deps, order.account_id));
  if (outcome.cause === 'upstream_account') return purchasesPaused(order.id);
  return new AppError('upstream_error', `The carrier could not provision ${order.did_number}: ${outcome.reason}`, {
    order_id: order.id,
    retryable: true,
  });
}

/** What the carrier is asked to provision for an order. */
export function provisionRequestOf(order: PurchaseOrderRow): ProvisionRequest {
  return {
    orderId: order.id,
    didNumber: order.did_number,
    accountId: order.account_id,
    addressId: order.address_id,
    personId: order.person_id,
    routing: { route: order.primary_route, destination: order.primary_destination },
  };
}

export type Answer = ProvisionOutcome | 'timeout' | 'unknown';

/** Step 2: the carrier call, raced against the configured timeout. */
export function provisionWithTimeout(
  deps: ServiceDeps,
  request: ProvisionRequest,
): { answer: Promise<Answer>; provision: Promise<ProvisionOutcome> } {
  const provision = deps.carrier.provision(request);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deps.settings.carrierTimeoutMs);
  });
  const answered = provision.then(
    (outcome): Answer => outcome,
    (error: unknown): Answer => {
      deps.log.warn({ err: error, order_id: request.orderId }, 'carrier call failed with an unknown outcome');
      return 'unknown';
    },
  );
  const answer = Promise.race([answered, timeout]).finally(() => clearTimeout(timer));
  return { answer, provision };
}

/**
 * `purchase.pending` for the buyer's integrations while the order is still pending: its
 * `number.purchased` or `purchase.failed` follows when it settles. It records an answer, not a
 * change: if it cannot be written the buyer is still told upstream_pending.
 */
async function tellPending(deps: ServiceDeps, order: PurchaseOrderRow): Promise<void> {
  const at = isoNow(deps);
  try {
    await deps.database.writeTransaction(async (trx) => {
      // Settled meanwhile (a late answer, recovery): its own event says so, and pending would follow it.
      if (!(await holdPendingOrder(trx, order.id))) return;
      await appendAccountEvents(trx, [
        {
          accountId: order.account_id,
          kind: 'purchase.pending',
          didNumber: order.did_number,
          at,
          data: { did_number: order.did_number, order_id: order.id, actor: order.actor, request_id: order.request_id },
        },
      ]);
    });
  } catch (error) {
    deps.log.warn({ err: error, order_id: order.id }, 'could not record purchase.pending');
  }
}

/** A carrier answer that came after the client was told upstream_pending settles the order then. */
async function settleLateAnswer(deps: ServiceDeps, orderId: string, provision: Promise<ProvisionOutcome>, source: ChangeSource): Promise<void> {
  let outcome: ProvisionOutcome;
  try {
    outcome = await provision;
  } catch {
    return; // Unknown outcome: recovery will ask the carrier.
  }
  const settled =
    outcome.status === 'provisioned'
      ? await completeOrder(deps, orderId, outcome.reference, source)
      : await failOrder(deps, orderId, failureCodeOf(outcome));
  if (outcome.status === 'provisioned' && settled.order.status === 'failed') {
    // Recovery gave up on the order before the carrier answered: give the number back upstream.
    await deps.carrier.release(settled.order.did_number);
  }
  deps.log.info({ order_id: orderId, status: settled.order.status }, 'late carrier answer settled order');
}
