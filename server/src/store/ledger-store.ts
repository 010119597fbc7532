import { sql } from 'kysely';
import { transactionGst } from '../domain/gst.js';
import type { TransactionType } from '../domain/order.js';
import type { Executor } from './database.js';
import { preparedQuery } from './prepared-query.js';
import { fetchLimit, toPage, type Page, type PageRequest } from './page.js';
import type { LedgerTransactionRow } from './tables.js';

export interface NewLedgerTransaction {
  id: string;
  accountId: string;
  type: TransactionType;
  /** Signed change to the customer's balance, in cents (negative = money out). */
  amountCents: number;
  /** The system ledger account on the other side of the entry. */
  counterAccount: string;
  /** Cents of the customer's held funds this transaction consumes (a posted hold), else 0. */
  releasesHeldCents: number;
  orderId: string | null;
  description: string;
  at: string;
}

/**
 * Posts one double-entry transaction: the customer's entry and its opposite on a system account sum
 * to zero, and the stored balance moves by exactly the customer's entry in the same statement group.
 * A change that would leave the available balance negative violates the account's CHECK and throws.
 */
export async function postLedgerTransaction(ex: Executor, txn: NewLedgerTransaction): Promise<LedgerTransactionRow> {
  const account = (await moveBalance(ex, txn.accountId, txn.amountCents, txn.releasesHeldCents)).rows[0];
  if (!account) throw new Error(`Account ${txn.accountId} does not exist`);
  const row: LedgerTransactionRow = {
    id: txn.id,
    account_id: txn.accountId,
    type: txn.type,
    amount_cents: txn.amountCents,
    balance_after_cents: Number(account.balance_cents),
    order_id: txn.orderId,
    description: txn.description,
    created_at: txn.at,
    gst_cents: transactionGst(txn.type, txn.amountCents),
  };
  await insertTransactionRow(ex, row);
  await insertEntryPair(ex, txn.id, txn.accountId, txn.amountCents, txn.counterAccount, -txn.amountCents);
  return row;
}

const moveBalance = preparedQuery((ex, accountId: string, amountCents: number, releasesHeldCents: number) =>
  ex
    .updateTable('account')
    .set({ balance_cents: sql`balance_cents + ${amountCents}`, held_cents: sql`held_cents - ${releasesHeldCents}` })
    .where('id', '=', accountId)
    .returning('balance_cents'),
);

const insertTransactionRow = preparedQuery((ex, row: LedgerTransactionRow) => ex.insertInto('ledger_transaction').values(row));

const insertEntryPair = preparedQuery((ex, transactionId: string, account: string, cents: number, counterAccount: string, counterCents: number) =>
  ex.insertInto('ledger_entry').values([
    { transaction_id: transactionId, ledger_account: account, amount_cents: cents },
    { transaction_id: transactionId, ledger_account: counterAccount, amount_cents: counterCents },
  ]),
);

/** The account's ledger, newest first. */
export async function listTransactions(
  ex: Executor,
  accountId: string,
  page: PageRequest,
): Promise<Page<LedgerTransactionRow>> {
  let query = ex
    .selectFrom('ledger_transaction')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('id', 'desc');
  if (page.after) query = query.where('id', '<', page.after);
  const limit = fetchLimit(page);
  if (limit !== undefined) query = query.limit(limit);
  return toPage(await query.execute(), page, (row) => row.id);
}

/** The charge of a purchase order, if it was charged. */
export async function findPurchaseCharge(ex: Executor, orderId: string): Promise<LedgerTransactionRow | undefined> {
  return ex
    .selectFrom('ledger_transaction')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('type', '=', 'purchase')
    .executeTakeFirst();
}

export async function findLedgerTransaction(ex: Executor, id: string): Promise<LedgerTransactionRow | undefined> {
  return ex.selectFrom('ledger_transaction').selectAll().where('id', '=', id).executeTakeFirst();
}
