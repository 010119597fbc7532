import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';

const insertVerifiedCli = preparedQuery((ex, accountId: string, number: string, at: string) =>
  ex
    .insertInto('verified_cli')
    .values({ account_id: accountId, number, created_at: at })
    .onConflict((oc) => oc.columns(['account_id', 'number']).doNothing()),
);

export async function addVerifiedCli(ex: Executor, accountId: string, number: string, at: string): Promise<void> {
  await insertVerifiedCli(ex, accountId, number, at);
}

export async function removeVerifiedCli(ex: Executor, accountId: string, number: string): Promise<void> {
  await ex.deleteFrom('verified_cli').where('account_id', '=', accountId).where('number', '=', number).execute();
}

export async function listVerifiedClis(ex: Executor, accountId: string): Promise<string[]> {
  const rows = await ex
    .selectFrom('verified_cli')
    .select('number')
    .where('account_id', '=', accountId)
    .orderBy('number')
    .execute();
  return rows.map((row) => row.number);
}
