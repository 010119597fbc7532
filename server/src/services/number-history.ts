import { AppError } from '../domain/errors.js';
import type { NumberEvent } from '../domain/number-event.js';
import type { Page, PageRequest } from '../domain/page.js';
import { parseNumber } from '../domain/phone-number.js';
import { listNumberEvents } from '../store/number-event-store.js';
import { findNumber, findOwnedNumber } from '../store/number-store.js';
import type { ServiceDeps } from './deps.js';
import { numberNotFound, requireOwnedNumberFormat } from './release-number.js';

/**
 * A number's history as one account sees it: the events of its own tenures only, newest first, so
 * a number bought after another account released it shows nothing of the earlier owner's. Unknown
 * (number_not_found) unless the account holds the number or once did.
 */
export async function accountNumberHistory(deps: ServiceDeps, accountId: string, didNumber: string, page: PageRequest): Promise<Page<NumberEvent>> {
  const e164 = requireOwnedNumberFormat(didNumber);
  const ex = deps.database.db;
  const events = await listNumberEvents(ex, { didNumber: e164, accountId }, page);
  if (events.rows.length > 0 || page.after !== undefined) return events;
  // No event at all: the account never held the number, or holds it from before histories began.
  if (!(await findOwnedNumber(ex, accountId, e164))) throw numberNotFound(e164);
  return events;
}

/** Every owner's events of a number, newest first, for the operator. */
export async function numberHistory(deps: ServiceDeps, didNumber: string, page: PageRequest): Promise<Page<NumberEvent>> {
  const parsed = parseNumber(didNumber);
  if (!parsed) throw new AppError('invalid_number', `${didNumber} is not a valid Australian or New Zealand number`);
  const ex = deps.database.db;
  const events = await listNumberEvents(ex, { didNumber: parsed.e164 }, page);
  if (events.rows.length > 0 || page.after !== undefined) return events;
  if (!(await findNumber(ex, parsed.e164))) {
    throw new AppError('number_not_found', `${parsed.e164} is not in the inventory`);
  }
  return events;
}
