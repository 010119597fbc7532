import type { Executor } from './database.js';

export interface NewTenure {
  orderId: string;
  didNumber: string;
  accountId: string;
  purchasedOn: string;
  firstRenewalOn: string;
  at: string;
}

/** A sale's tenure begins, its first month paid: written by the purchase's final transaction. */
export async function openTenure(ex: Executor, tenure: NewTenure): Promise<void> {
  await ex
    .insertInto('rental')
    .values({
      order_id: tenure.orderId,
      did_number: tenure.didNumber,
      account_id: tenure.accountId,
      purchased_on: tenure.purchasedOn,
      next_period: 1,
      next_due_on: tenure.firstRenewalOn,
      status: 'active',
      suspended_since: null,
      ended_at: null,
      created_at: tenure.at,
      updated_at: tenure.at,
    })
    .execute();
}

/** The number left the account: no later period of its tenure can be charged. */
export async function endTenure(ex: Executor, accountId: string, didNumber: string, at: string): Promise<void> {
  await ex
    .updateTable('rental')
    .set({ status: 'ended', suspended_since: null, ended_at: at, updated_at: at })
    .where('did_number', '=', didNumber)
    .where('account_id', '=', accountId)
    .where('status', '<>', 'ended')
    .execute();
}
