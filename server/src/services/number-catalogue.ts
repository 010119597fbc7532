import { AppError, invalidRequest } from '../domain/errors.js';
import { dollarsToCents } from '../domain/money.js';
import { e164Prefix, fragmentDigits, prefixUpperBound } from '../domain/number-pattern.js';
import type { ListedNumber } from '../domain/number-record.js';
import type { Page, PageRequest } from '../domain/page.js';
import { parseNumber, type Country, type NumberType } from '../domain/phone-number.js';
import type { Executor } from '../store/database.js';
import { findAlternatives, findAvailableNumber, listAvailableCities } from '../store/number-store.js';
import type { StockViewer } from '../store/reservation-store.js';
import { searchAvailable, type AvailableSearch, type PricedListingRow } from '../store/stock-search.js';
import { priceFor, type PricePlan } from '../domain/price-plan.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { planForSearch } from './price-plans.js';

export interface SearchFilters {
  country?: Country;
  state?: string;
  city?: string;
  number_type?: NumberType;
  starts_with?: string;
  contains?: string;
  ends_with?: string;
  max_monthly_cost?: number;
}

const ALTERNATIVES = 5;

/**
 * Available numbers matching every filter given, in did_number order, at the prices of the
 * caller's plan (`pricePlanId`; null or left out: the default prices). The plan prices the page
 * after the query; the query reads only what pricing needs besides.
 */
export async function searchNumbers(
  deps: Pick<ServiceDeps, 'database'>,
  filters: SearchFilters,
  page: PageRequest,
  pricePlanId: string | null = null,
  viewer?: StockViewer,
): Promise<Page<ListedNumber>> {
  const country = filters.country ?? 'AU';
  const search: AvailableSearch = { country, ...(viewer ? { viewer } : {}) };
  if (filters.state) search.state = filters.state;
  if (filters.city) search.city = filters.city;
  if (filters.number_type) search.numberType = filters.number_type;
  if (filters.starts_with !== undefined) {
    const prefix = e164Prefix(filters.starts_with, country);
    if (!prefix) throw invalidRequest('starts_with', 'must be digits, in any accepted number form');
    search.from = prefix;
    const bound = prefixUpperBound(prefix);
    if (bound) search.to = bound;
  }
  if (filters.contains !== undefined) {
    const digits = fragmentDigits(filters.contains);
    if (!digits) throw invalidRequest('contains', 'must be digits or keypad letters');
    search.contains = digits;
  }
  if (filters.ends_with !== undefined) {
    const digits = fragmentDigits(filters.ends_with);
    if (!digits) throw invalidRequest('ends_with', 'must be digits or keypad letters');
    search.endsWith = digits;
  }
  if (filters.max_monthly_cost !== undefined) {
    const cents = dollarsToCents(filters.max_monthly_cost);
    if (cents === null || cents < 0) throw invalidRequest('max_monthly_cost', 'must be a non-negative amount in dollars');
    search.maxMonthlyCents = cents;
  }
  const plan = await planForSearch(deps, pricePlanId);
  if (!plan) return searchAvailable(deps.database.reads, search, page);
  const found = await searchAvailable(deps.database.reads, { ...search, plan }, page);
  return { rows: found.rows.map((row) => listedAt(row, plan)), nextAfter: found.nextAfter };
}

/** The listing with the plan's price for the number, and nothing of what it was priced by. */
function listedAt(row: PricedListingRow, plan: PricePlan): ListedNumber {
  const price = priceFor(row, plan);
  return {
    did_number: row.did_number,
    number_type: row.number_type,
    country: row.country,
    state: row.state,
    city: row.city,
    area_code: row.area_code,
    setup_cost_cents: price.setupCents,
    monthly_cost_cents: price.monthlyCents,
  };
}

/** The number if `viewer` can buy it now (at the caller's plan's price), else 404 number_unavailable with alternatives. */
export async function checkAvailability(
  deps: Pick<ServiceDeps, 'database'>,
  didNumber: string,
  pricePlanId: string | null = null,
  viewer?: StockViewer,
): Promise<ListedNumber> {
  const parsed = parseNumber(didNumber);
  if (!parsed) throw new AppError('invalid_number', `"${didNumber}" is not a valid phone number`);
  const row = await findAvailableNumber(deps.database.db, parsed.e164, viewer);
  const plan = await planForSearch(deps, pricePlanId);
  if (!row) throw await numberUnavailable(deps.database.db, parsed.e164, plan, viewer);
  return plan ? listedAt(row, plan) : row;
}

/** The 404 for a number that cannot be bought, carrying up to five numbers that can, at the asker's plan's prices. */
export async function numberUnavailable(ex: Executor, e164: string, plan?: PricePlan, viewer?: StockViewer): Promise<AppError> {
  const parsed = parseNumber(e164);
  const alternatives = parsed
    ? await findAlternatives(
        ex,
        { country: parsed.country, numberType: parsed.numberType, areaCode: parsed.areaCode, excluding: e164 },
        ALTERNATIVES,
        viewer,
      )
    : [];
  return new AppError('number_unavailable', `${e164} is not available`, {
    alternatives: plan ? alternatives.map((row) => listedAt(row, plan)) : alternatives,
  });
}

export async function listCities(deps: Pick<ServiceDeps, 'database'>, country: Country, state?: string): Promise<string[]> {
  return listAvailableCities(deps.database.db, country, state);
}

/** The caller as the stock sees it now: the numbers other accounts hold are not for sale to it. */
export function viewerOf(deps: Pick<ServiceDeps, 'clock'>, accountId: string): StockViewer {
  return { accountId, now: isoNow(deps) };
}
