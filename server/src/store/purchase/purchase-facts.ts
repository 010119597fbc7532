import { sql, type RawBuilder } from 'kysely';
import { dialectOf, type Executor } from '../database.js';
import { preparedQuery } from '../prepared-query.js';
import type { PhoneNumberRow } from '../tables.js';
import { singleTypePlan, type PlanPriceColumns } from '../price-plan-store.js';
import type { PricePlan } from '../../domain/price-plan.js';
import type { NumberType } from '../../domain/phone-number.js';

/** What a purchase reads of the number it names. */
export type PurchasedNumber = Pick<
  PhoneNumberRow,
  | 'did_number'
  | 'status'
  | 'carrier'
  | 'number_type'
  | 'custom_price'
  | 'setup_cost_cents'
  | 'monthly_cost_cents'
  | 'upstream_setup_cost_cents'
  | 'upstream_monthly_cost_cents'
>;

/** What a purchase names; null where the request gave nothing worth looking up. */
export interface PurchaseNames {
  accountId: string;
  addressId: string | null;
  personId: string | null;
  route: string | null;
  destination: string | null;
  didNumber: string;
}

/** What the database holds of each thing a purchase names. */
export interface PurchaseFacts {
  /** The account's own address and owner (IPND) exist. */
  hasAddress: boolean;
  hasPerson: boolean;
  /** The account's destination for the route, if it has one. */
  destination: string | null;
  number: PurchasedNumber | undefined;
  account: { balance_cents: number; held_cents: number } | undefined;
  /**
   * The account's plan as far as this number's type goes (its price for the type only), read in
   * the same statement: undefined when the account has no plan or the plan leaves the type out.
   */
  plan: PricePlan | undefined;
  /** The account's plan; null: the default prices. */
  pricePlanId: string | null;
}

/** The plan columns are read on PostgreSQL only (readPurchaseFacts). */
type FactsRow = PurchasedNumber & {
  account_price_plan_id: string | null;
  plan_basis?: PlanPriceColumns['basis'] | null;
  plan_setup_cents?: number | null;
  plan_monthly_cents?: number | null;
  plan_markup_basis_points?: number | null;
  plan_setup_markup_cents?: number | null;
  plan_monthly_markup_cents?: number | null;
  plan_rounding?: PlanPriceColumns['rounding'];
  has_address: number | null;
  has_person: number | null;
  route_destination: string | null;
  account_balance_cents: number | null;
  account_held_cents: number | null;
};

/**
 * Reads every fact a purchase is checked against in one statement (one round trip on PostgreSQL,
 * where each costs more than these reads). With 'share' (inside the reservation, PostgreSQL) the
 * address, owner and destination stay share-locked until the transaction ends, so none of them can
 * be deleted before the purchase commits; the number and the balance are guarded by the
 * reservation's own conditional writes. Of the number only what the purchase uses is read: all
 * 29 columns made this statement three times slower on SQLite (measured: 27 µs → 66 µs).
 *
 * The account's plan price for the number's type comes with the facts on PostgreSQL (a join costs
 * no round trip there). On SQLite the join slowed the statement for every buyer, plan or not, so
 * only a buyer on a plan reads it, in a second statement.
 */
export async function readPurchaseFacts(ex: Executor, names: PurchaseNames, lock?: 'share'): Promise<PurchaseFacts> {
  const postgres = dialectOf(ex) === 'postgres';
  const statement = postgres ? (lock === 'share' ? sharedFactsWithPlan : plainFactsWithPlan) : plainFacts;
  const row = (await statement(ex, names)).rows[0]!;
  // Picked field by field: a rest pattern leaving out the other thirteen columns cost more (V8
  // copies the row property by property, checking each against the excluded names).
  const number: PurchasedNumber | undefined =
    row.did_number === null
      ? undefined
      : {
          did_number: row.did_number,
          status: row.status,
          carrier: row.carrier,
          number_type: row.number_type,
          custom_price: row.custom_price,
          setup_cost_cents: row.setup_cost_cents,
          monthly_cost_cents: row.monthly_cost_cents,
          upstream_setup_cost_cents: row.upstream_setup_cost_cents,
          upstream_monthly_cost_cents: row.upstream_monthly_cost_cents,
        };
  const planId = row.account_price_plan_id ?? null;
  let planPrice: PlanPriceColumns | undefined;
  if (planId !== null && number !== undefined) {
    planPrice = postgres
      ? row.plan_basis === null || row.plan_basis === undefined
        ? undefined
        : {
            basis: row.plan_basis,
            setup_cents: row.plan_setup_cents ?? null,
            monthly_cents: row.plan_monthly_cents ?? null,
            markup_basis_points: row.plan_markup_basis_points ?? null,
            setup_markup_cents: row.plan_setup_markup_cents ?? null,
            monthly_markup_cents: row.plan_monthly_markup_cents ?? null,
            rounding: row.plan_rounding ?? null,
          }
      : (await planPriceOfType(ex, planId, number.number_type)).rows[0];
  }
  return {
    pricePlanId: planId,
    plan: planId === null || planPrice === undefined || number === undefined ? undefined : singleTypePlan(planId, number.number_type, planPrice),
    hasAddress: row.has_address !== null,
    hasPerson: row.has_person !== null,
    destination: row.route_destination,
    number,
    account:
      row.account_balance_cents === null
        ? undefined
        : { balance_cents: Number(row.account_balance_cents), held_cents: Number(row.account_held_cents) },
  };
}

const PLAN_COLUMNS = sql`, pp.basis AS plan_basis, pp.setup_cents AS plan_setup_cents, pp.monthly_cents AS plan_monthly_cents,
  pp.markup_basis_points AS plan_markup_basis_points, pp.setup_markup_cents AS plan_setup_markup_cents,
  pp.monthly_markup_cents AS plan_monthly_markup_cents, pp.rounding AS plan_rounding`;
const PLAN_JOIN = sql` LEFT JOIN price_plan_price AS pp ON pp.price_plan_id = a.price_plan_id AND pp.number_type = n.number_type`;

const factsQuery = (forShare: RawBuilder<unknown>, withPlan: boolean) =>
  preparedQuery(
    (ex, q: PurchaseNames) =>
      sql<FactsRow>`
        SELECT n.did_number, n.status, n.carrier, n.number_type, n.custom_price, n.setup_cost_cents, n.monthly_cost_cents,
          n.upstream_setup_cost_cents, n.upstream_monthly_cost_cents, a.price_plan_id AS account_price_plan_id${withPlan ? PLAN_COLUMNS : sql``},
          (SELECT 1 FROM address WHERE id = ${q.addressId} AND account_id = ${q.accountId}${forShare}) AS has_address,
          (SELECT 1 FROM person WHERE id = ${q.personId} AND account_id = ${q.accountId}${forShare}) AS has_person,
          (SELECT destination FROM destination
            WHERE account_id = ${q.accountId} AND route = ${q.route} AND destination = ${q.destination}${forShare}) AS route_destination,
          a.balance_cents AS account_balance_cents, a.held_cents AS account_held_cents
        FROM (SELECT 1 AS one) AS anchor
        LEFT JOIN phone_number AS n ON n.did_number = ${q.didNumber}
        LEFT JOIN account AS a ON a.id = ${q.accountId}${withPlan ? PLAN_JOIN : sql``}`,
  );

const plainFacts = factsQuery(sql``, false);
const plainFactsWithPlan = factsQuery(sql``, true);
const sharedFactsWithPlan = factsQuery(sql` FOR SHARE`, true);

const planPriceOfType = preparedQuery((ex, planId: string, numberType: NumberType) =>
  ex
    .selectFrom('price_plan_price')
    .select(['basis', 'setup_cents', 'monthly_cents', 'markup_basis_points', 'setup_markup_cents', 'monthly_markup_cents', 'rounding'])
    .where('price_plan_id', '=', planId)
    .where('number_type', '=', numberType),
);
