import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { parseNumber } from '../domain/phone-number.js';
import { isRouteType, needsDestination, normaliseDestination, type Destination } from '../domain/routing.js';
import {
  deleteDestination,
  destinationInUse,
  findDestination,
  findDestinationById,
  insertDestination,
  listDestinations,
  updateDestination,
} from '../store/destination-store.js';
import type { DestinationRow } from '../store/tables.js';
import { READ_COMMITTED } from '../store/database.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { requireAccount } from './operator-accounts.js';

/** The operator registers where an account's numbers can be routed: its devices, servers, mailboxes... */

export async function destinationsForOperator(deps: ServiceDeps, accountId: string): Promise<Destination[]> {
  await requireAccount(deps, accountId);
  return listDestinations(deps.database.db, accountId);
}

export async function addDestination(
  deps: ServiceDeps,
  accountId: string,
  input: { route: string; destination: string; description?: string; enabled?: boolean },
  claim?: IdempotencyClaim | null,
): Promise<Destination> {
  if (!isRouteType(input.route) || !needsDestination(input.route)) {
    throw new AppError('invalid_route', `route must be one of device, server, forward, voicemail, ivr, queue, ring_group`, {
      errors: [{ field: 'route', message: 'is not a route that takes a destination' }],
    });
  }
  const destination = normaliseDestination(input.route, input.destination, (text) => parseNumber(text)?.e164 ?? null);
  if (destination === null) {
    throw new AppError('invalid_route', `destination is not a valid ${input.route} destination`, {
      errors: [{ field: 'destination', message: DESTINATION_RULES[input.route] ?? 'is invalid' }],
    });
  }
  await requireAccount(deps, accountId);
  const row: DestinationRow = {
    id: newId('dst'),
    account_id: accountId,
    route: input.route,
    destination,
    description: input.description ?? `${input.route} ${destination}`,
    enabled: input.enabled === false ? 0 : 1,
    created_at: isoNow(deps),
  };
  return deps.database.writeTransaction(async (trx) => {
    if (await findDestination(trx, accountId, row.route, row.destination)) {
      throw new AppError('already_exists', `The account already has ${row.route} ${row.destination}`);
    }
    await insertDestination(trx, row);
    await tieToIdempotencyKey(trx, claim, `destination:${accountId}:${row.id}`);
    return row;
  });
}

const DESTINATION_RULES: Record<string, string> = {
  device: 'must be a 7-digit device id',
  server: 'must be a SIP server address (host, host:port or sip:user@host)',
  forward: 'must be an Australian or New Zealand phone number',
};

export async function changeDestination(
  deps: ServiceDeps,
  accountId: string,
  id: string,
  changes: { description?: string; enabled?: boolean },
): Promise<Destination> {
  const update: { description?: string; enabled?: number } = {};
  if (changes.description !== undefined) update.description = changes.description;
  if (changes.enabled !== undefined) update.enabled = changes.enabled ? 1 : 0;
  const row = await deps.database.writeTransaction(async (trx) =>
    Object.keys(update).length > 0 ? updateDestination(trx, accountId, id, update) : findDestinationById(trx, accountId, id),
  );
  if (!row) throw destinationNotFound(id);
  return row;
}

/**
 * A destination that one of the account's numbers (or a purchase in flight) routes to cannot go:
 * reroute the number first. Locked before the check, as deleteIpnd does, so that a purchase
 * naming it either commits first and is seen, or waits and finds it gone.
 */
export async function removeDestination(deps: ServiceDeps, accountId: string, id: string): Promise<Destination> {
  return deps.database.writeTransaction(async (trx) => {
    const row = await findDestinationById(trx, accountId, id, 'update');
    if (!row) throw destinationNotFound(id);
    if (await destinationInUse(trx, accountId, row.route, row.destination)) {
      throw new AppError('in_use', `A number of this account routes to ${row.route} ${row.destination}; route it elsewhere first`);
    }
    await deleteDestination(trx, accountId, id);
    return row;
  }, READ_COMMITTED);
}

function destinationNotFound(id: string): AppError {
  return new AppError('not_found', `No such destination on this account: ${id}`);
}
