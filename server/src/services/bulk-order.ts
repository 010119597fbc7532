import { AppError, invalidRequest } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { availableCents } from '../domain/money.js';
import type { ChangeSource } from '../domain/number-event.js';
import { parseNumber, type NumberType } from '../domain/phone-number.js';
import { findAccount } from '../store/account-store.js';
import { findBulkOrder, insertBulkOrder, type BulkLineRow } from '../store/bulk-order-store.js';
import { READ_COMMITTED } from '../store/database.js';
import { reservePendingOrder } from '../store/purchase/order-reservation.js';
import type { BulkOrderLineTable, BulkOrderTable, PurchaseOrderRow } from '../store/tables.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';
import { searchNumbers, viewerOf } from './number-catalogue.js';
import { checkPurchase, orderRowOf, provisionReserved, type CheckedPurchase, type PurchaseRequest } from './purchase-number.js';

/** Numbers one bulk order may buy. */
export const MAX_BULK_NUMBERS = 100;
/** Lines provisioned at once: the carrier's budget is shared with every other purchase. */
const PROVISION_CONCURRENCY = 8;
/** Numbers read looking for a consecutive block before giving up. */
const CONSECUTIVE_SCAN = 20_000;
/** Times criteria are chosen again when numbers chosen are sold before they are reserved. */
const CRITERIA_ATTEMPTS = 3;

export interface BulkCriteria {
  quantity: number;
  state?: string;
  city?: string;
  number_type?: NumberType;
  contains?: string;
  /** A block of consecutive numbers. */
  consecutive?: boolean;
}

export interface BulkOrderInput {
  /** Named numbers, or... */
  didNumbers?: string[];
  /** ...numbers chosen by these. */
  criteria?: BulkCriteria;
  /** Every number or none (the default), or those that can be had. */
  allOrNothing: boolean;
  purchase: Omit<PurchaseRequest, 'did_number'>;
}

export interface BulkOrderView {
  order: BulkOrderTable;
  lines: BulkLineRow[];
}

/**
 * `POST /phone-numbers/orders/`: up to 100 numbers in one order. One transaction checks every
 * line, makes one funds check for the whole order and reserves each line's number as a purchase of
 * its own (the same reservation, hold and pending order as a single purchase); all_or_nothing
 * refuses the whole order when any number cannot be reserved, otherwise those lines are refused and
 * the rest go on. Each reserved line is then provisioned and settled as any purchase (recovery
 * finishes what a crash leaves), so a carrier's refusal fails that line alone, refunded.
 */
export async function placeBulkOrder(
  deps: ServiceDeps,
  accountId: string,
  input: BulkOrderInput,
  source: ChangeSource,
  claim?: IdempotencyClaim | null,
): Promise<BulkOrderView> {
  if ((input.didNumbers === undefined) === (input.criteria === undefined)) throw invalidRequest('did_numbers', 'give did_numbers or criteria, one of them');
  let placed: { id: string; reserved: PurchaseOrderRow[] } | undefined;
  const excluded = new Set<string>();
  for (let attempt = 1; !placed; attempt++) {
    const numbers = input.didNumbers ? namedNumbers(input.didNumbers) : await chosenNumbers(deps, accountId, input.criteria!, input.allOrNothing, excluded);
    try {
      placed = await reserveLines(deps, accountId, numbers, input, source, claim);
    } catch (error) {
      // Chosen numbers sold meanwhile: choose again, without them.
      if (!(error instanceof RacedNumbers) || !input.criteria || attempt >= CRITERIA_ATTEMPTS) throw error instanceof RacedNumbers ? error.answer : error;
      for (const did of error.didNumbers) excluded.add(did);
    }
  }
  const lines = placed.reserved;
  const provisioning = (async () => {
    let next = 0;
    const worker = async () => {
      while (next < lines.length) {
        const order = lines[next++]!;
        // Each line's outcome is its purchase order's: a refusal or a pending answer is recorded there.
        await provisionReserved(deps, order, source).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PROVISION_CONCURRENCY, lines.length) }, worker));
  })();
  deps.tasks.track(provisioning);
  await provisioning;
  return (await bulkOrderOf(deps, accountId, placed.id))!;
}

export async function bulkOrderOf(deps: Pick<ServiceDeps, 'database'>, accountId: string, id: string): Promise<BulkOrderView | undefined> {
  return findBulkOrder(deps.database.db, accountId, id);
}

/** An all-or-nothing order whose numbers were not all there to reserve. */
class RacedNumbers extends Error {
  constructor(
    readonly didNumbers: string[],
    readonly answer: AppError,
  ) {
    super(answer.message);
  }
}

async function reserveLines(
  deps: ServiceDeps,
  accountId: string,
  numbers: string[],
  input: BulkOrderInput,
  source: ChangeSource,
  claim: IdempotencyClaim | null | undefined,
): Promise<{ id: string; reserved: PurchaseOrderRow[] }> {
  const at = isoNow(deps);
  const id = newId('blk');
  return deps.database.writeTransaction(async (trx) => {
    const checked: Array<{ did: string; purchase?: CheckedPurchase; refusal?: string }> = [];
    for (const did of numbers) {
      try {
        checked.push({ did, purchase: await checkPurchase(deps, trx, accountId, { ...input.purchase, did_number: did }, 'share', { alternatives: false }) });
      } catch (error) {
        if (!(error instanceof AppError) || (error.code !== 'number_unavailable' && error.code !== 'insufficient_funds')) throw error;
        checked.push({ did, refusal: error.code });
      }
    }
    const account = await findAccount(trx, accountId);
    if (!account) throw new AppError('unauthenticated', 'Invalid API key');
    const wanted = checked.filter((line) => line.purchase || line.refusal === 'insufficient_funds');
    const total = checked.reduce((sum, line) => sum + (line.purchase?.priceCents ?? 0), 0);
    const available = availableCents(account);
    // One funds check for the whole order: what every number it can have costs together.
    if (total > available || (checked.some((line) => line.refusal === 'insufficient_funds') && input.allOrNothing)) {
      throw new AppError('insufficient_funds', `Insufficient funds: the ${wanted.length} numbers cost $${(total / 100).toFixed(2)} and $${(available / 100).toFixed(2)} is available`);
    }
    const lines: BulkOrderLineTable[] = [];
    const reserved: PurchaseOrderRow[] = [];
    const raced: string[] = [];
    let outspent = false;
    for (const [position, line] of checked.entries()) {
      let refusal = line.refusal ?? null;
      let orderId: string | null = null;
      if (line.purchase) {
        const order = orderRowOf(accountId, { ...input.purchase, did_number: line.did }, line.purchase, source, at);
        const outcome = await reservePendingOrder(trx, order, newId('hld'));
        if (outcome === 'reserved') {
          reserved.push(order);
          orderId = order.id;
        } else refusal = outcome === 'unavailable' ? 'number_unavailable' : 'insufficient_funds';
      }
      if (refusal === 'number_unavailable') raced.push(line.did);
      // Each line's hold is conditional on the balance: a purchase of the account's committed since
      // the check above can leave too little for the last lines.
      if (refusal === 'insufficient_funds' && line.purchase) outspent = true;
      lines.push({ bulk_order_id: id, position, did_number: line.did, order_id: orderId, refusal });
    }
    if (input.allOrNothing && raced.length > 0) {
      throw new RacedNumbers(raced, new AppError('number_unavailable', `Not every number can be bought: ${raced.join(', ')} ${raced.length === 1 ? 'is' : 'are'} not available; nothing was bought`));
    }
    if (outspent && (input.allOrNothing || reserved.length === 0)) {
      throw new AppError('insufficient_funds', 'Insufficient funds: the balance no longer covers every number of the order (another purchase took it meanwhile); nothing was bought');
    }
    if (reserved.length === 0) throw new AppError('number_unavailable', 'None of the numbers can be bought; nothing was bought');
    await insertBulkOrder(
      trx,
      {
        id,
        account_id: accountId,
        all_or_nothing: input.allOrNothing ? 1 : 0,
        criteria: input.criteria ? JSON.stringify(input.criteria) : null,
        created_at: at,
        actor: source.actor,
        request_id: source.requestId,
      },
      lines,
    );
    await tieToIdempotencyKey(trx, claim, `bulk_order:${id}`);
    return { id, reserved };
  }, READ_COMMITTED);
}

function namedNumbers(didNumbers: string[]): string[] {
  if (didNumbers.length === 0 || didNumbers.length > MAX_BULK_NUMBERS) throw invalidRequest('did_numbers', `must name 1 to ${MAX_BULK_NUMBERS} numbers`);
  const seen = new Set<string>();
  return didNumbers.map((did, i) => {
    const parsed = parseNumber(did);
    if (!parsed) throw new AppError('invalid_number', `"${did}" is not a valid phone number`, { errors: [{ field: `did_numbers[${i}]`, message: 'not a valid phone number' }] });
    if (seen.has(parsed.e164)) throw invalidRequest(`did_numbers[${i}]`, `names ${parsed.e164} twice`);
    seen.add(parsed.e164);
    return parsed.e164;
  });
}

/** Numbers for sale to the caller that meet the criteria, in number order; a consecutive block when asked. */
async function chosenNumbers(deps: ServiceDeps, accountId: string, criteria: BulkCriteria, allOrNothing: boolean, excluded: ReadonlySet<string>): Promise<string[]> {
  if (!Number.isInteger(criteria.quantity) || criteria.quantity < 1 || criteria.quantity > MAX_BULK_NUMBERS) {
    throw invalidRequest('criteria.quantity', `must be a whole number from 1 to ${MAX_BULK_NUMBERS}`);
  }
  const filters = {
    ...(criteria.state ? { state: criteria.state } : {}),
    ...(criteria.city ? { city: criteria.city } : {}),
    ...(criteria.number_type ? { number_type: criteria.number_type } : {}),
    ...(criteria.contains ? { contains: criteria.contains } : {}),
  };
  const viewer = viewerOf(deps, accountId);
  const chosen: string[] = [];
  let after: string | undefined;
  let read = 0;
  while (chosen.length < criteria.quantity && read < CONSECUTIVE_SCAN) {
    const page = await searchNumbers(deps, filters, { limit: 500, ...(after ? { after } : {}) }, null, viewer);
    for (const row of page.rows) {
      read += 1;
      if (excluded.has(row.did_number)) {
        if (criteria.consecutive) chosen.length = 0;
        continue;
      }
      // A block is numbers one apart: a gap starts it again from this number.
      if (criteria.consecutive && chosen.length > 0 && BigInt(row.did_number) !== BigInt(chosen[chosen.length - 1]!) + 1n) chosen.length = 0;
      chosen.push(row.did_number);
      if (chosen.length === criteria.quantity) break;
    }
    if (!page.nextAfter) break;
    after = page.nextAfter;
    if (!criteria.consecutive && read >= criteria.quantity * 4) break;
  }
  if (chosen.length === criteria.quantity || (!allOrNothing && !criteria.consecutive && chosen.length > 0)) return chosen;
  throw new AppError(
    'number_unavailable',
    criteria.consecutive
      ? `No block of ${criteria.quantity} consecutive numbers meets the criteria`
      : `Only ${chosen.length} numbers meet the criteria, fewer than the ${criteria.quantity} asked for; nothing was bought`,
  );
}
