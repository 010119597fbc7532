import type { RouteType } from '../domain/routing.js';
import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';
import { lockRows, type RowLock } from './row-locks.js';
import type { DestinationRow } from './tables.js';

export async function insertDestination(ex: Executor, row: DestinationRow): Promise<void> {
  await ex.insertInto('destination').values(row).execute();
}

export async function listDestinations(ex: Executor, accountId: string): Promise<DestinationRow[]> {
  return ex
    .selectFrom('destination')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('route')
    .orderBy('destination')
    .execute();
}

export async function findDestination(
  ex: Executor,
  accountId: string,
  route: RouteType,
  destination: string,
  lock?: 'share',
): Promise<DestinationRow | undefined> {
  return (await (lock ? sharedDestinationByValue : destinationByValue)(ex, accountId, route, destination)).rows[0];
}

const byValue = (lock: RowLock) =>
  preparedQuery((ex, accountId: string, route: RouteType, destination: string) =>
    lockRows(ex, ex.selectFrom('destination').selectAll().where('account_id', '=', accountId).where('route', '=', route).where('destination', '=', destination), lock),
  );
const destinationByValue = byValue(undefined);
const sharedDestinationByValue = byValue('share');

export async function findDestinationById(ex: Executor, accountId: string, id: string, lock?: RowLock): Promise<DestinationRow | undefined> {
  return lockRows(ex, ex.selectFrom('destination').selectAll().where('account_id', '=', accountId).where('id', '=', id), lock).executeTakeFirst();
}

export async function updateDestination(
  ex: Executor,
  accountId: string,
  id: string,
  changes: { description?: string; enabled?: number },
): Promise<DestinationRow | undefined> {
  return ex
    .updateTable('destination')
    .set(changes)
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteDestination(ex: Executor, accountId: string, id: string): Promise<void> {
  await ex.deleteFrom('destination').where('account_id', '=', accountId).where('id', '=', id).execute();
}

/**
 * Whether a number of the account, or a purchase of its still in flight, routes to the destination.
 * One statement, so one snapshot: a purchase completing between two separate checks would move
 * from the pending order to the active number unseen by both.
 */
export async function destinationInUse(ex: Executor, accountId: string, route: RouteType, destination: string): Promise<boolean> {
  const row = await ex
    .selectNoFrom((eb) =>
      eb
        .or([
          eb.exists(
            eb
              .selectFrom('purchase_order')
              .select('id')
              .where('account_id', '=', accountId)
              .where('status', '=', 'pending')
              .where('primary_route', '=', route)
              .where('primary_destination', '=', destination),
          ),
          eb.exists(
            eb
              .selectFrom('phone_number')
              .select('did_number')
              .where('account_id', '=', accountId)
              .where((number) =>
                number.or([
                  number.and([number('primary_route', '=', route), number('primary_destination', '=', destination)]),
                  number.and([number('backup_route', '=', route), number('backup_destination', '=', destination)]),
                ]),
              ),
          ),
        ])
        .as('in_use'),
    )
    .executeTakeFirstOrThrow();
  return Boolean(row.in_use);
}
