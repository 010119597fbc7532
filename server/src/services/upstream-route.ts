import type { CarrierRouting } from '../carriers/carrier.js';
import type { CarrierName } from '../domain/carrier-name.js';
import { AppError, invalidRequest } from '../domain/errors.js';
import { parseNumber } from '../domain/phone-number.js';
import { isRouteType, needsDestination, normaliseDestination, ROUTE_TYPES } from '../domain/routing.js';
import type { Database } from '../store/database.js';
import { findAccount, setAccountUpstreamRoute } from '../store/account-store.js';
import { countAccountUpstreamChanges, requestAccountUpstreamChange } from '../store/upstream-change-store.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { accountNotFound } from './operator-accounts.js';

/** Where upstream sends an account's calls, as the operator API shows it. */
export interface AccountUpstreamRoute {
  account_id: string;
  route: string;
  destination: string | null;
  /** Whether the operator overrode the configured route for this account. */
  overridden: boolean;
  /** The account's numbers whose upstream configuration is still to be brought to this route. */
  pending_numbers: number;
}

/** The operator's per-account override, as the crazytel carrier reads it for each request. */
export function accountRoutingFor(database: Database): (accountId: string) => Promise<CarrierRouting | undefined> {
  return async (accountId) => {
    const account = await findAccount(database.db, accountId);
    if (!account?.upstream_route) return undefined;
    return { route: account.upstream_route, destination: account.upstream_destination };
  };
}

export async function showUpstreamRoute(deps: ServiceDeps, accountId: string): Promise<AccountUpstreamRoute> {
  const configured = requireUpstream(deps.settings.upstreamRouting);
  const account = await findAccount(deps.database.db, accountId);
  if (!account) throw accountNotFound(accountId);
  return present(account.id, account.upstream_route ? { route: account.upstream_route, destination: account.upstream_destination } : undefined, configured, await countAccountUpstreamChanges(deps.database.db, accountId));
}

/**
 * Sets (or, with `routing` undefined, clears) the account's upstream route. The change and the
 * queue entry of every number it moves commit together; maintenance then tells upstream, number
 * by number, within the budget's background share.
 */
export async function changeUpstreamRoute(
  deps: ServiceDeps,
  accountId: string,
  input: { route: string; destination?: string | null } | undefined,
): Promise<AccountUpstreamRoute> {
  const configured = requireUpstream(deps.settings.upstreamRouting);
  const routing = input === undefined ? undefined : checkRouting(input);
  const pending = await deps.database.writeTransaction(async (trx) => {
    const account = await setAccountUpstreamRoute(trx, accountId, routing ?? { route: null, destination: null });
    if (!account) throw accountNotFound(accountId);
    // Only the upstream's numbers: an own range's calls are not routed by upstream.
    await requestAccountUpstreamChange(trx, accountId, deps.carrier.name as CarrierName, isoNow(deps));
    return countAccountUpstreamChanges(trx, accountId);
  });
  return present(accountId, routing, configured, pending);
}

function requireUpstream(defaults: CarrierRouting | undefined): CarrierRouting {
  if (defaults === undefined) {
    throw new AppError('upstream_not_configured', 'Numbers are provisioned by the simulated carrier: an upstream route applies only with BILBY_CARRIER=crazytel');
  }
  return defaults;
}

function checkRouting(input: { route: string; destination?: string | null }): CarrierRouting {
  const route = input.route.trim();
  if (!isRouteType(route)) throw invalidRequest('route', `must be one of ${ROUTE_TYPES.join(', ')}`);
  const text = input.destination?.trim() ?? '';
  if (!needsDestination(route)) {
    if (text !== '') throw invalidRequest('destination', `must be empty for the route "${route}", which takes none`);
    return { route, destination: null };
  }
  if (text === '') throw invalidRequest('destination', `is required for the route "${route}"`);
  const destination = normaliseDestination(route, text, (value) => parseNumber(value)?.e164 ?? null);
  if (destination === null) throw invalidRequest('destination', `is not a destination for the route "${route}"`);
  return { route, destination };
}

function present(accountId: string, routing: CarrierRouting | undefined, configured: CarrierRouting, pending: number): AccountUpstreamRoute {
  const effective = routing ?? configured;
  return { account_id: accountId, route: effective.route, destination: effective.destination, overridden: routing !== undefined, pending_numbers: pending };
}
