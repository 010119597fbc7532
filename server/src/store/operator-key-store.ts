import type { Executor } from './database.js';
import type { OperatorKeyRow } from './tables.js';

export async function findOperatorKey(ex: Executor, name: string): Promise<OperatorKeyRow | undefined> {
  return ex.selectFrom('operator_key').selectAll().where('name', '=', name).executeTakeFirst();
}

/** False when a key of that name is already there (another process made it first): it is kept. */
export async function insertOperatorKeyIfAbsent(ex: Executor, row: OperatorKeyRow): Promise<boolean> {
  const result = await ex.insertInto('operator_key').values(row).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
