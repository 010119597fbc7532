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

export const PRIMARY_ROUTE_FIELDS: RouteFields = { route: 'primary_route', destination: 'primary_destination' };
export const BACKUP_ROUTE_FIELDS: RouteFields = { route: 'backup_route', destination: 'backup_destination' };

/** A route's shape checked: the destination to look up among the account's (null: none needed), or why not. */
export type RouteShape = { ok: true; route: RouteType; target: string | null } | { ok: false; error: AppError };

/** Checks what can be checked without the database: a known route type, and a destination where it needs one. */
export function routeShape(
  route: string,
  destination: string | null | undefined,
  fields: RouteFields = PRIMARY_ROUTE_FIELDS,
): RouteShape {
  if (!isRouteType(route)) {
    return {
      ok: false,
      error: new AppError('invalid_route', `${fields.route} "${route}" is not a route type`, {
        errors: [{ field: fields.route, message: 'unknown route type' }],
      }),
    };
  }
  if (!needsDestination(route)) return { ok: true, route, target: null };
  if (destination === undefined || destination === null || destination.trim() === '') {
    return {
      ok: false,
      error: new AppError('invalid_route', `${fields.destination} is required for route "${route}"`, {
        errors: [{ field: fields.destination, message: 'required for this route' }],
      }),
    };
  }
  return { ok: true, route, target: route === 'forward' ? (parseNumber(destination)?.e164 ?? destination.trim()) : destination.trim() };
}

/** The route, given the account's destination found for its target (undefined: none). */
export function requireOwnDestination(
  shape: Extract<RouteShape, { ok: true }>,
  destination: string | null | undefined,
  found: string | undefined,
  fields: RouteFields = PRIMARY_ROUTE_FIELDS,
): ResolvedRoute {
  if (shape.target === null) return { route: shape.route, destination: null };
  if (found === undefined) {
    throw new AppError('invalid_route', `${fields.destination} "${destination}" is not one of your ${shape.route} destinations`, {
      errors: [{ field: fields.destination, message: 'not in your destinations list' }],
    });
  }
  return { route: shape.route, destination: found };
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
  fields: RouteFields = PRIMARY_ROUTE_FIELDS,
  lock?: 'share',
): Promise<ResolvedRoute> {
  const shape = routeShape(route, destination, fields);
  if (!shape.ok) throw shape.error;
  const found = shape.target === null ? undefined : await findDestination(ex, accountId, shape.route, shape.target, lock);
  return requireOwnDestination(shape, destination, found?.destination, fields);
}
