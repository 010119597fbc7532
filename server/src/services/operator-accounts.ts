import type { Account, AccountStatus } from '../domain/account.js';
import { generateApiKey, type ApiKeyInfo } from '../domain/api-key.js';
import { AppError } from '../domain/errors.js';
import type { Page, PageRequest } from '../domain/page.js';
import { findAccount, listAccounts, setAccountStatus } from '../store/account-store.js';
import { findApiKey, listApiKeys, revokeApiKey } from '../store/api-key-store.js';
import { addApiKey } from './create-account.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';
import { isoNow, type ServiceDeps } from './deps.js';

/** The operator's view of accounts and their API keys. */

export function accountNotFound(accountId: string): AppError {
  return new AppError('not_found', `No such account: ${accountId}`);
}

export async function requireAccount(deps: Pick<ServiceDeps, 'database'>, accountId: string): Promise<Account> {
  const account = await findAccount(deps.database.db, accountId);
  if (!account) throw accountNotFound(accountId);
  return account;
}

export function accountsPage(deps: ServiceDeps, status: AccountStatus | undefined, page: PageRequest): Promise<Page<Account>> {
  return listAccounts(deps.database.db, status, page);
}

/** Suspending takes effect on the next request in every process: keys are checked against the account each time. */
export async function changeAccountStatus(deps: ServiceDeps, accountId: string, status: AccountStatus): Promise<Account> {
  const account = await deps.database.writeTransaction((trx) => setAccountStatus(trx, accountId, status));
  if (!account) throw accountNotFound(accountId);
  return account;
}

export async function issueApiKey(
  deps: ServiceDeps,
  accountId: string,
  label: string | null,
  claim?: IdempotencyClaim | null,
): Promise<{ key: ApiKeyInfo; apiKey: string }> {
  await requireAccount(deps, accountId);
  const apiKey = generateApiKey();
  const key = await deps.database.writeTransaction(async (trx) => {
    const row = await addApiKey(trx, accountId, apiKey, isoNow(deps), label);
    await tieToIdempotencyKey(trx, claim, `api_key:${row.id}`);
    return row;
  });
  return { key, apiKey };
}

export async function apiKeysOf(deps: ServiceDeps, accountId: string): Promise<ApiKeyInfo[]> {
  await requireAccount(deps, accountId);
  return listApiKeys(deps.database.db, accountId);
}

/** Revoking is idempotent: a key already revoked keeps its first revocation time. */
export async function revokeAccountKey(deps: ServiceDeps, accountId: string, keyId: string): Promise<ApiKeyInfo> {
  return deps.database.writeTransaction(async (trx) => {
    await revokeApiKey(trx, keyId, isoNow(deps));
    const key = await findApiKey(trx, accountId, keyId);
    if (!key) throw new AppError('not_found', `No such API key on this account: ${keyId}`);
    return key;
  });
}
