import type { Account } from '../domain/account.js';
import { generateApiKey, hashApiKey, keyHint, type ApiKeyInfo } from '../domain/api-key.js';
import { newId } from '../domain/ids.js';
import { LEDGER_FUNDING } from '../domain/order.js';
import { insertAccount, nextAccountCode } from '../store/account-store.js';
import { insertApiKey } from '../store/api-key-store.js';
import { READ_COMMITTED, type Executor } from '../store/database.js';
import { postLedgerTransaction } from '../store/ledger-store.js';
import type { AccountRow, ApiKeyTable } from '../store/tables.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';

export interface NewAccount {
  account: Account;
  key: ApiKeyInfo;
  /** The API key in clear: shown once, never stored. */
  apiKey: string;
}

/** Opens an account with one API key (generated unless given) and an optional opening credit. */
export async function createAccount(
  deps: Pick<ServiceDeps, 'database' | 'clock'>,
  input: { name: string; apiKey?: string; openingCreditCents?: number },
  claim?: IdempotencyClaim | null,
): Promise<NewAccount> {
  const at = isoNow(deps);
  const apiKey = input.apiKey ?? generateApiKey();
  // READ COMMITTED: nothing here rests on rows other transactions write (the account is new), and
  // accounts opened at once queue on the code counter's row instead of aborting each other.
  const account = await deps.database.writeTransaction(async (trx) => {
    const row: AccountRow = {
      id: newId('acc'),
      account_code: await nextAccountCode(trx),
      name: input.name,
      status: 'active',
      balance_cents: 0,
      held_cents: 0,
      created_at: at,
      upstream_route: null,
      upstream_destination: null,
      price_plan_id: null,
      event_seq: 0,
      low_balance_cents: null,
    };
    await insertAccount(trx, row);
    const key = await addApiKey(trx, row.id, apiKey, at, 'initial');
    if (input.openingCreditCents) {
      await creditAccount(trx, row.id, input.openingCreditCents, 'Opening credit', at);
      row.balance_cents = input.openingCreditCents;
    }
    await tieToIdempotencyKey(trx, claim, `account:${row.id}`);
    return { row, key };
  }, READ_COMMITTED);
  return { account: account.row, key: account.key, apiKey };
}

export async function addApiKey(ex: Executor, accountId: string, apiKey: string, at: string, label: string | null): Promise<ApiKeyTable> {
  const row: ApiKeyTable = {
    id: newId('key'),
    account_id: accountId,
    key_hash: hashApiKey(apiKey),
    hint: keyHint(apiKey),
    label,
    created_at: at,
    revoked_at: null,
  };
  await insertApiKey(ex, row);
  return row;
}

/** Adds money to an account: a `credit` ledger transaction against the funding account. */
export async function creditAccount(ex: Executor, accountId: string, cents: number, description: string, at: string) {
  return postLedgerTransaction(ex, {
    id: newId('txn'),
    accountId,
    type: 'credit',
    amountCents: cents,
    counterAccount: LEDGER_FUNDING,
    releasesHeldCents: 0,
    orderId: null,
    description,
    at,
  });
}
