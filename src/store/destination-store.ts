import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';
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
  route: string,
  destination: string,
): Promise<DestinationRow | undefined> {
  return (await destinationByValue(ex, accountId, route, destination)).rows[0];
}

const destinationByValue = preparedQuery((ex, accountId: string, route: string, destination: string) =>
  ex.selectFrom('destination').selectAll().where('account_id', '=', accountId).where('route', '=', route).where('destination', '=', destination),
);

export async function findDestinationById(ex: Executor, accountId: string, id: string): Promise<DestinationRow | undefined> {
  return ex.selectFrom('destination').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
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

/** True while one of the account's numbers routes calls (primary or backup) to this target. */
export async function destinationInUse(ex: Executor, accountId: string, route: string, destination: string): Promise<boolean> {
  const row = await ex
    .selectFrom('phone_number')
    .select('did_number')
    .where('account_id', '=', accountId)
    .where((eb) =>
      eb.or([
        eb.and([eb('primary_route', '=', route), eb('primary_destination', '=', destination)]),
        eb.and([eb('backup_route', '=', route), eb('backup_destination', '=', destination)]),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
