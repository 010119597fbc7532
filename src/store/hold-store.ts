import type { Executor } from './database.js';

export interface NewHold {
  id: string;
  accountId: string;
  orderId: string;
  amountCents: number;
  at: string;
}

export async function insertHold(ex: Executor, hold: NewHold): Promise<void> {
  await ex
    .insertInto('funds_hold')
    .values({
      id: hold.id,
      account_id: hold.accountId,
      order_id: hold.orderId,
      amount_cents: hold.amountCents,
      status: 'pending',
      created_at: hold.at,
      settled_at: null,
    })
    .execute();
}

/** pending → posted or voided; false if the hold was already settled. */
export async function settleHold(ex: Executor, orderId: string, status: 'posted' | 'voided', at: string): Promise<boolean> {
  const result = await ex
    .updateTable('funds_hold')
    .set({ status, settled_at: at })
    .where('order_id', '=', orderId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
