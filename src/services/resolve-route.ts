import { AppError } from '../domain/errors.js';
import { parseNumber } from '../domain/phone-number.js';
import { isRouteType, needsDestination, type RouteType } from '../domain/routing.js';
import type { Executor } from '../store/database.js';
import { findDestination } from '../store/destination-store.js';

/** The request fields a route came from, named in error messages. */
export interface RouteFields {
  route: string;
  destination: string;
}

export interface ResolvedRoute {
  route: RouteType;
  destination: string | null;
}

/**
 * Checks a route/destination pair against the caller's own destinations list: the route type must
 * be known, a destination given where the route needs one, and that destination the account's own.
 * With `lock`, the destination cannot be removed until the transaction ends (PostgreSQL).
 */
export async function resolveRoute(
  ex: Executor,
  accountId: string,
  route: string,
  destination: string | null | undefined,
  fields: RouteFields = { route: 'primary_route', destination: 'primary_destination' },
  lock?: 'share',
): Promise<ResolvedRoute> {
  const field = fields.route;
  const destinationField = fields.destination;
  if (!isRouteType(route)) {
    throw new AppError('invalid_route', `${field} "${route}" is not a route type`, {
      errors: [{ field, message: 'unknown route type' }],
    });
  }
  if (!needsDestination(route)) return { route, destination: null };
  if (destination === undefined || destination === null || destination.trim() === '') {
    throw new AppError('invalid_route', `${destinationField} is required for route "${route}"`, {
      errors: [{ field: destinationField, message: 'required for this route' }],
    });
  }
  const target = route === 'forward' ? (parseNumber(destination)?.e164 ?? destination.trim()) : destination.trim();
  const found = await findDestination(ex, accountId, route, target, lock);
  if (!found) {
    throw new AppError('invalid_route', `${destinationField} "${destination}" is not one of your ${route} destinations`, {
      errors: [{ field: destinationField, message: 'not in your destinations list' }],
    });
  }
  return { route, destination: found.destination };
}
