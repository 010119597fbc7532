import type { AccountStatus } from '../domain/account.js';
import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';
import type { ApiKeyTable } from './tables.js';

export interface KeyOwner {
  key_id: string;
  key_hash: string;
  account_id: string;
  account_status: AccountStatus;
  price_plan_id: string | null;
}

export async function insertApiKey(ex: Executor, key: ApiKeyTable): Promise<void> {
  await ex.insertInto('api_key').values(key).execute();
}

/** The live key with this hash and its account, or undefined if unknown or revoked. */
const liveKeyOwner = preparedQuery((ex, keyHash: string) =>
  ex
    .selectFrom('api_key')
    .innerJoin('account', 'account.id', 'api_key.account_id')
    .select([
      'api_key.id as key_id',
      'api_key.key_hash',
      'api_key.account_id',
      'account.status as account_status',
      'account.price_plan_id',
    ])
    .where('api_key.key_hash', '=', keyHash)
    .where('api_key.revoked_at', 'is', null),
);

export async function findKeyOwner(ex: Executor, keyHash: string): Promise<KeyOwner | undefined> {
  return (await liveKeyOwner(ex, keyHash)).rows[0];
}

export async function revokeApiKey(ex: Executor, keyId: string, at: string): Promise<boolean> {
  const result = await ex
    .updateTable('api_key')
    .set({ revoked_at: at })
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function apiKeyExists(ex: Executor, keyHash: string): Promise<boolean> {
  const row = await ex.selectFrom('api_key').select('id').where('key_hash', '=', keyHash).executeTakeFirst();
  return row !== undefined;
}

export async function listApiKeys(ex: Executor, accountId: string): Promise<ApiKeyTable[]> {
  return ex.selectFrom('api_key').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
}

export async function findApiKey(ex: Executor, accountId: string, keyId: string): Promise<ApiKeyTable | undefined> {
  return ex.selectFrom('api_key').selectAll().where('account_id', '=', accountId).where('id', '=', keyId).executeTakeFirst();
}
