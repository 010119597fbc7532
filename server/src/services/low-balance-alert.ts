import { AppError } from '../domain/errors.js';
import { setLowBalanceAlert } from '../store/account-store.js';
import type { AccountRow } from '../store/tables.js';
import type { ServiceDeps } from './deps.js';

/**
 * `PUT /account/low-balance-alert`: from now on, each time a change takes the balance from at least
 * `thresholdCents` to below it, the account hears `balance.low` (the trigger of migration 0031).
 * Setting it tells nothing by itself, even when the balance is below it already.
 */
export async function changeLowBalanceAlert(deps: Pick<ServiceDeps, 'database'>, accountId: string, thresholdCents: number | null): Promise<AccountRow> {
  const row = await deps.database.writeStatement((ex) => setLowBalanceAlert(ex, accountId, thresholdCents));
  if (!row) throw new AppError('unauthenticated', 'Invalid API key');
  return row;
}
