import { sql, type RawBuilder } from 'kysely';
import { transactionGst } from '../domain/gst.js';
import { LEDGER_REVENUE } from '../domain/order.js';
import type { AccountFunds, DueTenure, PlannedCharge, PlannedTenure } from '../domain/renewal-plan.js';
import { dialectOf, type Executor } from './database.js';

/** Where a run's batch starts: after this tenure in (account_id, next_due_on, order_id) order. */
export interface TenureCursor {
  accountId: string;
  dueOn: string;
  orderId: string;
}

/** A due tenure as read, before the run prices its month (renewalPrices). */
export type ListedTenure = Omit<DueTenure, 'monthlyCents'> & { nextDueOn: string };

/**
 * Tenures with a period begun by `asOf`, account by account after `cursor`. PostgreSQL locks them for the run's transaction: a second run waits,
 * then finds them paid (the condition is checked again on the locked row) and skips them.
 */
export async function dueTenures(
  ex: Executor,
  options: { asOf: string; after: TenureCursor | null; limit: number; accountId?: string },
): Promise<ListedTenure[]> {
  let query = ex
    .selectFrom('rental')
    .select([
      'rental.order_id',
      'rental.did_number',
      'rental.account_id',
      'rental.purchased_on',
      'rental.next_period',
      'rental.next_due_on',
      'rental.status',
    ])
    .where('rental.status', '<>', 'ended')
    .where('rental.next_due_on', '<=', options.asOf)
    // Released at the end of the paid period: never renewed.
    .where('rental.release_on', 'is', null)
    .orderBy('rental.account_id')
    .orderBy('rental.next_due_on')
    .orderBy('rental.order_id')
    .limit(options.limit);
  if (options.after) {
    const { accountId, dueOn, orderId } = options.after;
    query = query.where(sql<boolean>`(rental.account_id, rental.next_due_on, rental.order_id) > (${accountId}, ${dueOn}, ${orderId})`);
  }
  if (options.accountId) query = query.where('rental.account_id', '=', options.accountId);
  if (dialectOf(ex) === 'postgres') query = query.forUpdate('rental');
  const rows = await query.execute();
  return rows.map((row) => ({
    orderId: row.order_id,
    didNumber: row.did_number,
    accountId: row.account_id,
    purchasedOn: row.purchased_on,
    nextPeriod: Number(row.next_period),
    nextDueOn: row.next_due_on,
    suspended: row.status === 'suspended',
  }));
}

/** The accounts' balances, locked until the run's transaction ends (PostgreSQL). */
export async function lockFunds(ex: Executor, accountIds: readonly string[]): Promise<Map<string, AccountFunds>> {
  const funds = new Map<string, AccountFunds>();
  for (let i = 0; i < accountIds.length; i += CHUNK) {
    let query = ex
      .selectFrom('account')
      .select(['id', 'balance_cents', 'held_cents'])
      .where('id', 'in', accountIds.slice(i, i + CHUNK))
      .orderBy('id');
    if (dialectOf(ex) === 'postgres') query = query.forUpdate();
    for (const row of await query.execute()) funds.set(row.id, { balanceCents: Number(row.balance_cents), heldCents: Number(row.held_cents) });
  }
  return funds;
}

/** Rows per multi-row statement: under SQLite's and PostgreSQL's limits on bound values. */
const CHUNK = 400;

export function rentalDescription(charge: Pick<PlannedCharge, 'didNumber' | 'start' | 'end'>): string {
  return `Rental of ${charge.didNumber}, ${charge.start} to ${charge.end}`;
}

/**
 * Posts the charges: for each, its ledger transaction and two entries, and its period's row,
 * whose primary key refuses a period charged before (the whole transaction then rolls back).
 * The balances move once per account.
 */
export async function postRentalCharges(
  ex: Executor,
  charges: readonly (PlannedCharge & { transactionId: string })[],
  debits: ReadonlyMap<string, number>,
  at: string,
): Promise<void> {
  for (let i = 0; i < charges.length; i += CHUNK) {
    const chunk = charges.slice(i, i + CHUNK);
    await ex
      .insertInto('ledger_transaction')
      .values(
        chunk.map((charge) => ({
          id: charge.transactionId,
          account_id: charge.accountId,
          type: 'rental' as const,
          amount_cents: -charge.amountCents,
          balance_after_cents: charge.balanceAfterCents,
          order_id: charge.orderId,
          description: rentalDescription(charge),
          created_at: at,
          gst_cents: transactionGst('rental', -charge.amountCents),
        })),
      )
      .execute();
    await ex
      .insertInto('ledger_entry')
      .values(
        chunk.flatMap((charge) => [
          { transaction_id: charge.transactionId, ledger_account: charge.accountId, amount_cents: -charge.amountCents },
          { transaction_id: charge.transactionId, ledger_account: LEDGER_REVENUE, amount_cents: charge.amountCents },
        ]),
      )
      .execute();
    await ex
      .insertInto('rental_charge')
      .values(
        chunk.map((charge) => ({
          order_id: charge.orderId,
          period: charge.period,
          transaction_id: charge.transactionId,
          period_start: charge.start,
          period_end: charge.end,
          amount_cents: charge.amountCents,
          charged_at: at,
        })),
      )
      .execute();
  }
  const accounts = [...debits].filter(([, cents]) => cents > 0);
  for (let i = 0; i < accounts.length; i += CHUNK) {
    const rows = accounts.slice(i, i + CHUNK).map(([id, cents]) => sql`(${id}, CAST(${cents} AS bigint))`);
    // The account's check (balance never below what is held) refuses a debit the plan got wrong.
    await sql`
      WITH debit (account_id, cents) AS (VALUES ${sql.join(rows)})
      UPDATE account SET balance_cents = account.balance_cents - debit.cents
      FROM debit WHERE account.id = debit.account_id`.execute(ex);
  }
}

/**
 * Moves each tenure to its first unpaid period; a tenure left owing is suspended (since the run's
 * instant `runAt` unless it was already), one paid up is active again; the numbers' suspended
 * flags follow.
 */
export async function advanceTenures(ex: Executor, tenures: readonly PlannedTenure[], at: string, runAt: string): Promise<void> {
  for (let i = 0; i < tenures.length; i += CHUNK) {
    const chunk = tenures.slice(i, i + CHUNK);
    const rows: RawBuilder<unknown>[] = chunk.map(
      (t) => sql`(${t.orderId}, CAST(${t.nextPeriod} AS integer), ${t.nextDueOn}, ${t.paidUp ? 'active' : 'suspended'})`,
    );
    await sql`
      WITH next (order_id, next_period, next_due_on, status) AS (VALUES ${sql.join(rows)})
      UPDATE rental SET
        next_period = next.next_period,
        next_due_on = next.next_due_on,
        status = next.status,
        suspended_since = CASE WHEN next.status = 'active' THEN NULL ELSE COALESCE(rental.suspended_since, ${runAt}) END,
        updated_at = ${at}
      FROM next WHERE rental.order_id = next.order_id AND rental.status <> 'ended'`.execute(ex);
  }
  const flip = (suspended: boolean) => tenures.filter((t) => !t.paidUp === suspended && t.wasSuspended !== suspended).map((t) => t.didNumber);
  for (const [flag, dids] of [[1, flip(true)], [0, flip(false)]] as const) {
    for (let i = 0; i < dids.length; i += CHUNK) {
      await ex
        .updateTable('phone_number')
        .set({ suspended: flag, updated_at: at })
        .where('did_number', 'in', dids.slice(i, i + CHUNK))
        .where('status', '=', 'active')
        .execute();
    }
  }
}

/** Tenures suspended since `before` or earlier: unpaid too long, to be released. */
export async function overdueTenures(ex: Executor, before: string, accountId?: string): Promise<{ accountId: string; didNumber: string }[]> {
  let query = ex
    .selectFrom('rental')
    .select(['account_id', 'did_number'])
    .where('status', '=', 'suspended')
    .where('suspended_since', '<=', before)
    .orderBy('suspended_since');
  if (accountId) query = query.where('account_id', '=', accountId);
  return (await query.execute()).map((row) => ({ accountId: row.account_id, didNumber: row.did_number }));
}

/** The latest first unpaid day of the account's suspended numbers, if any is suspended. */
export async function latestUnpaidDay(ex: Executor, accountId: string): Promise<string | undefined> {
  const row = await ex
    .selectFrom('rental')
    .select((eb) => eb.fn.max('next_due_on').as('due'))
    .where('account_id', '=', accountId)
    .where('status', '=', 'suspended')
    .executeTakeFirst();
  return row?.due ?? undefined;
}
