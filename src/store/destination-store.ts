import type { Executor } from './database.js';
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
  return ex
    .selectFrom('destination')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('route', '=', route)
    .where('destination', '=', destination)
    .executeTakeFirst();
}
