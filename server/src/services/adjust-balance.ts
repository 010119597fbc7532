import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { availableCents } from '../domain/money.js';
import { LEDGER_FUNDING, type LedgerTransaction } from '../domain/order.js';
import { findAccount } from '../store/account-store.js';
import { postLedgerTransaction } from '../store/ledger-store.js';
import { settleArrears } from './billing-runs.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';
import { accountNotFound } from './operator-accounts.js';

export interface BalanceAdjustment {
  direction: 'credit' | 'debit';
  cents: number;
  reason: string;
}

/**
 * An operator's credit (money in, e.g. a payment received) or debit (money out, e.g. a fee), posted
 * as a ledger transaction with its reason. A debit never takes the available balance below zero.
 * Under an Idempotency-Key the transaction is tied to the key as it posts, so a retry after a crash
 * answers with it instead of posting again. A credit then settles the account's arrears.
 */
export async function adjustBalance(
  deps: ServiceDeps,
  accountId: string,
  change: BalanceAdjustment,
  claim?: IdempotencyClaim | null,
): Promise<LedgerTransaction> {
  const posted = await deps.database.writeTransaction(async (trx) => {
    const account = await findAccount(trx, accountId);
    if (!account) throw accountNotFound(accountId);
    const available = availableCents(account);
    if (change.direction === 'debit' && change.cents > available) {
      throw new AppError('insufficient_funds', `The account's available balance (${available / 100}) is less than the debit`);
    }
    const posted = await postLedgerTransaction(trx, {
      id: newId('txn'),
      accountId,
      type: change.direction === 'credit' ? 'credit' : 'adjustment',
      amountCents: change.direction === 'credit' ? change.cents : -change.cents,
      counterAccount: LEDGER_FUNDING,
      releasesHeldCents: 0,
      orderId: null,
      description: change.reason,
      at: isoNow(deps),
    });
    await tieToIdempotencyKey(trx, claim, posted.id);
    return posted;
  });
  // Money in settles the arrears at once: suspended numbers the balance now covers are renewed.
  if (change.direction === 'credit') await settleArrears(deps, accountId);
  return posted;
}
