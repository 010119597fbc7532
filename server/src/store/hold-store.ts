import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';

export interface NewHold {
  id: string;
  accountId: string;
  orderId: string;
  amountCents: number;
  at: string;
}

const insertPendingHold = preparedQuery((ex, hold: NewHold) =>
  ex
    .insertInto('funds_hold')
    .values({
      id: hold.id,
      account_id: hold.accountId,
      order_id: hold.orderId,
      amount_cents: hold.amountCents,
      status: 'pending',
      created_at: hold.at,
      settled_at: null,
    }),
);

export async function insertHold(ex: Executor, hold: NewHold): Promise<void> {
  await insertPendingHold(ex, hold);
}

/** pending → posted or voided; false if the hold was already settled. */
const settlePendingHold = preparedQuery((ex, orderId: string, status: 'posted' | 'voided', at: string) =>
  ex.updateTable('funds_hold').set({ status, settled_at: at }).where('order_id', '=', orderId).where('status', '=', 'pending'),
);

export async function settleHold(ex: Executor, orderId: string, status: 'posted' | 'voided', at: string): Promise<boolean> {
  return (await settlePendingHold(ex, orderId, status, at)).numAffectedRows === 1n;
}
