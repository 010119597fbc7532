import { sql } from 'kysely';
import { transactionGst } from '../domain/gst.js';
import { LEDGER_REVENUE } from '../domain/order.js';
import type { AccountFunds, DueTenure, PlannedCharge, PlannedTenure } from '../domain/renewal-plan.js';
import { dialectOf, type Executor } from './dialect.js';
import { jsonRows } from './json-rows.js';

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
 * One statement per table for the batch; the balances move once per account.
 */
export async function postRentalCharges(
  ex: Executor,
  charges: readonly (PlannedCharge & { transactionId: string })[],
  debits: ReadonlyMap<string, number>,
  at: string,
): Promise<void> {
  if (charges.length > 0) {
    const rows = jsonRows(
      ex,
      charges.map((c) => [c.transactionId, c.accountId, c.orderId, c.period, c.start, c.end, c.amountCents, c.balanceAfterCents, transactionGst('rental', -c.amountCents), rentalDescription(c)]),
      CHARGE_COLUMNS,
    );
    await sql`
      INSERT INTO ledger_transaction (id, account_id, type, amount_cents, balance_after_cents, order_id, description, created_at, gst_cents)
      SELECT j.id, j.account_id, 'rental', -j.amount_cents, j.balance_after_cents, j.order_id, j.description, ${at}, j.gst_cents FROM ${rows} AS j`.execute(ex);
    await sql`
      INSERT INTO ledger_entry (transaction_id, ledger_account, amount_cents)
      SELECT j.id, j.account_id, -j.amount_cents FROM ${rows} AS j
      UNION ALL SELECT j.id, ${LEDGER_REVENUE}, j.amount_cents FROM ${rows} AS j`.execute(ex);
    await sql`
      INSERT INTO rental_charge (order_id, period, transaction_id, period_start, period_end, amount_cents, charged_at)
      SELECT j.order_id, j.period, j.id, j.period_start, j.period_end, j.amount_cents, ${at} FROM ${rows} AS j`.execute(ex);
  }
  const accounts = [...debits].filter(([, cents]) => cents > 0);
  if (accounts.length === 0) return;
  // The account's check (balance never below what is held) refuses a debit the plan got wrong.
  await sql`
    UPDATE account SET balance_cents = account.balance_cents - debit.cents
    FROM ${jsonRows(ex, accounts, { account_id: 'text', cents: 'bigint' })} AS debit WHERE account.id = debit.account_id`.execute(ex);
}

const CHARGE_COLUMNS = {
  id: 'text',
  account_id: 'text',
  order_id: 'text',
  period: 'integer',
  period_start: 'text',
  period_end: 'text',
  amount_cents: 'bigint',
  balance_after_cents: 'bigint',
  gst_cents: 'bigint',
  description: 'text',
} as const;

/**
 * Moves each tenure to its first unpaid period; a tenure left owing is suspended (since the run's
 * instant `runAt` unless it was already), one paid up is active again; the numbers' suspended
 * flags follow.
 */
export async function advanceTenures(ex: Executor, tenures: readonly PlannedTenure[], at: string, runAt: string): Promise<void> {
  // Most tenures keep their status: their statement leaves it alone, so the indexes that only
  // depend on it (their partial condition) are not rewritten for them.
  const kept = tenures.filter((t) => t.paidUp !== t.wasSuspended);
  const turned = tenures.filter((t) => t.paidUp === t.wasSuspended);
  if (kept.length > 0) {
    await sql`
      UPDATE rental SET next_period = next.next_period, next_due_on = next.next_due_on, updated_at = ${at}
      FROM ${jsonRows(ex, kept.map((t) => [t.orderId, t.nextPeriod, t.nextDueOn]), ADVANCE_COLUMNS)} AS next
      WHERE rental.order_id = next.order_id AND rental.status <> 'ended'`.execute(ex);
  }
  if (turned.length > 0) {
    await sql`
      UPDATE rental SET
        next_period = next.next_period,
        next_due_on = next.next_due_on,
        status = next.status,
        suspended_since = CASE WHEN next.status = 'active' THEN NULL ELSE COALESCE(rental.suspended_since, ${runAt}) END,
        updated_at = ${at}
      FROM ${jsonRows(ex, turned.map((t) => [t.orderId, t.nextPeriod, t.nextDueOn, t.paidUp ? 'active' : 'suspended']), { ...ADVANCE_COLUMNS, status: 'text' })} AS next
      WHERE rental.order_id = next.order_id AND rental.status <> 'ended'`.execute(ex);
  }
  for (const [flag, dids] of [[1, turned.filter((t) => !t.paidUp)], [0, turned.filter((t) => t.paidUp)]] as const) {
    if (dids.length === 0) continue;
    await sql`
      UPDATE phone_number SET suspended = ${flag}, updated_at = ${at}
      WHERE status = 'active' AND did_number IN (SELECT j.did_number FROM ${jsonRows(ex, dids.map((t) => [t.didNumber]), { did_number: 'text' })} AS j)`.execute(ex);
  }
}

const ADVANCE_COLUMNS = { order_id: 'text', next_period: 'integer', next_due_on: 'text' } as const;

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
