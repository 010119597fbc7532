import { sql, type Kysely } from 'kysely';

/**
 * Price plans (issue 19): the operator's prices for a group of accounts.
 *
 * - `price_plan`: a named plan.
 * - `price_plan_price`: the plan's price for one number type, either fixed (`basis = 'fixed'`:
 *   setup and monthly cents) or a markup over the number's upstream cost (`basis = 'markup'`: a
 *   percentage in basis points, fixed setup and monthly markups and a rounding rule, as a pricing
 *   rule). A type the plan does not name keeps the default price.
 * - `account.price_plan_id`: the account's plan; null for the default prices.
 *
 * A number's own price (`custom_price = 1`) still comes first, whatever the plan.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('price_plan')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('price_plan_price')
    .addColumn('price_plan_id', 'text', (c) => c.notNull().references('price_plan.id').onDelete('cascade'))
    .addColumn('number_type', 'text', (c) => c.notNull())
    .addColumn('basis', 'text', (c) => c.notNull())
    .addColumn('setup_cents', 'bigint')
    .addColumn('monthly_cents', 'bigint')
    .addColumn('markup_basis_points', 'integer')
    .addColumn('setup_markup_cents', 'bigint')
    .addColumn('monthly_markup_cents', 'bigint')
    .addColumn('rounding', 'text')
    .addPrimaryKeyConstraint('price_plan_price_pk', ['price_plan_id', 'number_type'])
    .addCheckConstraint('price_plan_price_type_known', sql`number_type IN ('geographic', 'mobile', 'tollfree', 'local_rate')`)
    .addCheckConstraint(
      'price_plan_price_basis',
      sql`(basis = 'fixed' AND setup_cents >= 0 AND monthly_cents >= 0
            AND markup_basis_points IS NULL AND setup_markup_cents IS NULL AND monthly_markup_cents IS NULL AND rounding IS NULL)
        OR (basis = 'markup' AND setup_cents IS NULL AND monthly_cents IS NULL
            AND markup_basis_points BETWEEN 0 AND 100000 AND setup_markup_cents >= 0 AND monthly_markup_cents >= 0
            AND rounding IN ('none', 'up_to_5_cents', 'up_to_95_cents', 'up_to_dollar'))`,
    )
    .execute();

  await db.schema.alterTable('account').addColumn('price_plan_id', 'text', (c) => c.references('price_plan.id')).execute();
  // Whether a plan is in use, and which accounts a plan's change reaches.
  await db.schema.createIndex('account_by_price_plan').on('account').column('price_plan_id').execute();
}
