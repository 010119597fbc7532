import type { Account } from '../domain/account.js';
import { AppError, invalidRequest } from '../domain/errors.js';
import type { OwnedNumber } from '../domain/number-record.js';
import type { LedgerTransaction, PurchaseOrder } from '../domain/order.js';
import type { Page, PageRequest } from '../domain/page.js';
import { parseNumber, type NumberType } from '../domain/phone-number.js';
import { priceFor, type PricePlan } from '../domain/price-plan.js';
import { ROUTE_TYPES, TERMINAL_ROUTES, terminalRouteDescription } from '../domain/routing.js';
import { findAccount } from '../store/account-store.js';
import { listDestinations } from '../store/destination-store.js';
import { listTransactions } from '../store/ledger-store.js';
import { findOwnedNumber, listOwnedNumbers, type OwnedFilter } from '../store/number-store.js';
import { findAccountOrder, listOrders } from '../store/order-store.js';
import { fetchLimit, toPage } from '../store/page.js';
import type { PhoneNumberRow } from '../store/tables.js';
import { listVerifiedClis } from '../store/verified-cli-store.js';
import type { ServiceDeps } from './deps.js';
import { planForSearch } from './price-plans.js';
import { numberNotFound, requireOwnedNumberFormat } from './release-number.js';

/** The read side of an account: what a customer sees of its own objects, and nothing of anyone else's. */

export async function accountOf(deps: ServiceDeps, accountId: string): Promise<Account> {
  const account = await findAccount(deps.database.db, accountId);
  if (!account) throw new AppError('unauthenticated', 'Invalid API key');
  return account;
}

export interface RoutableDestination {
  route: string;
  destination: string | null;
  description: string;
}

/**
 * A page of the account's routable targets in route order, then the terminal routes that need no
 * destination. Paged here rather than in SQL: the terminal routes are no rows, the route order is
 * the domain's, and an account's destinations are its own devices, trunks and boxes, not stock.
 * A page's key is its last entry's route and destination, so a page after a deleted entry still
 * starts at the entry that followed it.
 */
export async function destinationsOf(deps: ServiceDeps, accountId: string, page: PageRequest = {}): Promise<Page<RoutableDestination>> {
  const rows = await listDestinations(deps.database.db, accountId);
  const own = rows.map((row) => ({ route: row.route, destination: row.destination, description: row.description }));
  const terminal = TERMINAL_ROUTES.map((route) => ({ route, destination: null, description: terminalRouteDescription(route) }));
  const all = [...own, ...terminal].sort(compareDestinations);
  const after = page.after === undefined ? undefined : destinationKey(page.after);
  const start = after ? all.filter((entry) => compareDestinations(entry, after) <= 0).length : 0;
  const limit = fetchLimit(page);
  const fetched = all.slice(start, limit === undefined ? undefined : start + limit);
  return toPage(fetched, page, (entry) => JSON.stringify([entry.route, entry.destination]));
}

type DestinationKey = Pick<RoutableDestination, 'route' | 'destination'>;

function compareDestinations(a: DestinationKey, b: DestinationKey): number {
  const order = (route: string) => ROUTE_TYPES.indexOf(route as (typeof ROUTE_TYPES)[number]);
  const terminal = (entry: { destination: string | null }) => (entry.destination === null ? 1 : 0);
  return terminal(a) - terminal(b) || order(a.route) - order(b.route) || (a.destination ?? '').localeCompare(b.destination ?? '');
}

function destinationKey(after: string): DestinationKey {
  let key: unknown;
  try {
    key = JSON.parse(after);
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== 'string' || (key[1] !== null && typeof key[1] !== 'string')) {
    throw invalidRequest('cursor', 'is not a cursor this API returned');
  }
  return { route: key[0], destination: key[1] as string | null };
}

export function verifiedClisOf(deps: ServiceDeps, accountId: string): Promise<string[]> {
  return listVerifiedClis(deps.database.db, accountId);
}

export interface OwnedNumberFilters {
  did_number?: string;
  state?: string;
  city?: string;
  number_type?: NumberType;
}

/** The caller's numbers, each at its owner's price (`pricePlanId`: the caller's plan, null for the default prices). */
export async function numbersOf(
  deps: ServiceDeps,
  accountId: string,
  pricePlanId: string | null,
  filters: OwnedNumberFilters,
  page: PageRequest,
): Promise<Page<OwnedNumber>> {
  const filter: OwnedFilter = {};
  if (filters.did_number) {
    // A did_number filter that is no valid number matches nothing rather than failing the list.
    filter.didNumber = parseNumber(filters.did_number)?.e164 ?? `invalid:${filters.did_number}`;
  }
  if (filters.state) filter.state = filters.state;
  if (filters.city) filter.city = filters.city;
  if (filters.number_type) filter.numberType = filters.number_type;
  const found = await listOwnedNumbers(deps.database.db, accountId, filter, page);
  const plan = await planForSearch(deps, pricePlanId);
  return plan ? { ...found, rows: found.rows.map((row) => atOwnersPrice(row, plan)) } : found;
}

export async function numberOf(deps: ServiceDeps, accountId: string, pricePlanId: string | null, didNumber: string): Promise<OwnedNumber> {
  const e164 = requireOwnedNumberFormat(didNumber);
  const row = await findOwnedNumber(deps.database.db, accountId, e164);
  if (!row) throw numberNotFound(e164);
  return ownedAtOwnersPrice(deps, pricePlanId, row);
}

/**
 * An owned number at the price its owner pays, in the order renewals charge it (priceFor): the
 * number's own price, then its owner's plan's, then the default. The row holds only the default.
 */
export async function ownedAtOwnersPrice(deps: ServiceDeps, pricePlanId: string | null, row: PhoneNumberRow): Promise<OwnedNumber> {
  const plan = await planForSearch(deps, pricePlanId);
  return plan ? atOwnersPrice(row, plan) : row;
}

function atOwnersPrice(row: PhoneNumberRow, plan: PricePlan): OwnedNumber {
  const price = priceFor(row, plan);
  return { ...row, setup_cost_cents: price.setupCents, monthly_cost_cents: price.monthlyCents };
}

export function ordersOf(deps: ServiceDeps, accountId: string, page: PageRequest): Promise<Page<PurchaseOrder>> {
  return listOrders(deps.database.db, accountId, page);
}

export async function orderOf(deps: ServiceDeps, accountId: string, orderId: string): Promise<PurchaseOrder> {
  const order = await findAccountOrder(deps.database.db, accountId, orderId);
  if (!order) throw new AppError('not_found', `No such order: ${orderId}`);
  return order;
}

export function transactionsOf(deps: ServiceDeps, accountId: string, page: PageRequest): Promise<Page<LedgerTransaction>> {
  return listTransactions(deps.database.db, accountId, page);
}
