import { AppError } from '../domain/errors.js';
import { parseNumber } from '../domain/phone-number.js';
import { ROUTE_TYPES, TERMINAL_ROUTES, terminalRouteDescription } from '../domain/routing.js';
import { findAccount } from '../store/account-store.js';
import { listDestinations } from '../store/destination-store.js';
import { listTransactions } from '../store/ledger-store.js';
import { findOwnedNumber, listOwnedNumbers, type OwnedFilter } from '../store/number-store.js';
import { findAccountOrder, listOrders } from '../store/order-store.js';
import type { Page, PageRequest } from '../store/page.js';
import type { AccountRow, LedgerTransactionRow, PhoneNumberRow, PurchaseOrderRow } from '../store/tables.js';
import { listVerifiedClis } from '../store/verified-cli-store.js';
import type { ServiceDeps } from './deps.js';
import { numberNotFound, requireOwnedNumberFormat } from './release-number.js';

/** The read side of an account: what a customer sees of its own objects, and nothing of anyone else's. */

export async function accountOf(deps: ServiceDeps, accountId: string): Promise<AccountRow> {
  const account = await findAccount(deps.database.db, accountId);
  if (!account) throw new AppError('unauthenticated', 'Invalid API key');
  return account;
}

export interface RoutableDestination {
  route: string;
  destination: string | null;
  description: string;
}

/** Every routable target of the account, then the terminal routes that need no destination. */
export async function destinationsOf(deps: ServiceDeps, accountId: string): Promise<RoutableDestination[]> {
  const rows = await listDestinations(deps.database.db, accountId);
  const order = (route: string) => ROUTE_TYPES.indexOf(route as (typeof ROUTE_TYPES)[number]);
  const own = rows
    .map((row) => ({ route: row.route, destination: row.destination, description: row.description }))
    .sort((a, b) => order(a.route) - order(b.route) || a.destination.localeCompare(b.destination));
  const terminal = TERMINAL_ROUTES.map((route) => ({ route, destination: null, description: terminalRouteDescription(route) }));
  return [...own, ...terminal];
}

export function verifiedClisOf(deps: ServiceDeps, accountId: string): Promise<string[]> {
  return listVerifiedClis(deps.database.db, accountId);
}

export interface OwnedNumberFilters {
  did_number?: string;
  state?: string;
  city?: string;
  number_type?: string;
}

export function numbersOf(
  deps: ServiceDeps,
  accountId: string,
  filters: OwnedNumberFilters,
  page: PageRequest,
): Promise<Page<PhoneNumberRow>> {
  const filter: OwnedFilter = {};
  if (filters.did_number) {
    // A did_number filter that is no valid number matches nothing rather than failing the list.
    filter.didNumber = parseNumber(filters.did_number)?.e164 ?? `invalid:${filters.did_number}`;
  }
  if (filters.state) filter.state = filters.state;
  if (filters.city) filter.city = filters.city;
  if (filters.number_type) filter.numberType = filters.number_type;
  return listOwnedNumbers(deps.database.db, accountId, filter, page);
}

export async function numberOf(deps: ServiceDeps, accountId: string, didNumber: string): Promise<PhoneNumberRow> {
  const e164 = requireOwnedNumberFormat(didNumber);
  const row = await findOwnedNumber(deps.database.db, accountId, e164);
  if (!row) throw numberNotFound(e164);
  return row;
}

export function ordersOf(deps: ServiceDeps, accountId: string, page: PageRequest): Promise<Page<PurchaseOrderRow>> {
  return listOrders(deps.database.db, accountId, page);
}

export async function orderOf(deps: ServiceDeps, accountId: string, orderId: string): Promise<PurchaseOrderRow> {
  const order = await findAccountOrder(deps.database.db, accountId, orderId);
  if (!order) throw new AppError('not_found', `No such order: ${orderId}`);
  return order;
}

export function transactionsOf(deps: ServiceDeps, accountId: string, page: PageRequest): Promise<Page<LedgerTransactionRow>> {
  return listTransactions(deps.database.db, accountId, page);
}
