import { sql, type Kysely } from 'kysely';

/** The initial schema. Dialect-neutral: only types and constraints both SQLite and PostgreSQL share. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('account')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('balance_cents', 'bigint', (c) => c.notNull())
    .addColumn('held_cents', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint('account_status_known', sql`status IN ('active', 'suspended')`)
    .addCheckConstraint('account_held_not_negative', sql`held_cents >= 0`)
    // The available balance (balance minus holds) can never go below zero.
    .addCheckConstraint('account_available_not_negative', sql`balance_cents - held_cents >= 0`)
    .execute();

  await db.schema
    .createTable('api_key')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();

  let address = db.schema
    .createTable('address')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'));
  for (const column of ADDRESS_OPTIONAL_COLUMNS) address = address.addColumn(column, 'text');
  await address
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('postcode', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('address_by_account').on('address').columns(['account_id', 'id']).execute();

  await db.schema
    .createTable('person')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('name_1', 'text', (c) => c.notNull())
    .addColumn('name_2', 'text')
    .addColumn('title', 'text')
    .addColumn('person_type', 'text', (c) => c.notNull())
    .addColumn('contact_number', 'text')
    .addColumn('nickname', 'text')
    .addColumn('contact_name_1', 'text')
    .addColumn('contact_name_2', 'text')
    .addColumn('birthdate', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint('person_type_known', sql`person_type IN ('R', 'B', 'G', 'C', 'N')`)
    .execute();
  await db.schema.createIndex('person_by_account').on('person').columns(['account_id', 'id']).execute();

  await db.schema
    .createTable('destination')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('destination_unique_target', ['account_id', 'route', 'destination'])
    .execute();

  await db.schema
    .createTable('phone_number')
    .addColumn('did_number', 'text', (c) => c.primaryKey())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('number_type', 'text', (c) => c.notNull())
    .addColumn('state', 'text')
    .addColumn('city', 'text')
    .addColumn('area_code', 'text')
    .addColumn('setup_cost_cents', 'bigint', (c) => c.notNull())
    .addColumn('monthly_cost_cents', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.references('account.id'))
    .addColumn('order_id', 'text')
    .addColumn('quarantine_until', 'text')
    .addColumn('description', 'text')
    .addColumn('primary_route', 'text')
    .addColumn('primary_destination', 'text')
    .addColumn('primary_timeout', 'integer')
    .addColumn('backup_route', 'text')
    .addColumn('backup_destination', 'text')
    .addColumn('backup_timeout', 'integer')
    .addColumn('max_channels', 'integer')
    .addColumn('block_premium', 'integer', (c) => c.notNull())
    .addColumn('block_prefs', 'text')
    .addColumn('sms_routes', 'text')
    .addColumn('address_id', 'text')
    .addColumn('person_id', 'text')
    .addColumn('purchased_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'phone_number_status_known',
      sql`status IN ('available', 'reserved', 'active', 'quarantine', 'withdrawn')`,
    )
    // A number belongs to an account exactly while it is reserved for or active on that account.
    .addCheckConstraint(
      'phone_number_owner_matches_status',
      sql`(status IN ('reserved', 'active')) = (account_id IS NOT NULL)`,
    )
    .addCheckConstraint('phone_number_prices_not_negative', sql`setup_cost_cents >= 0 AND monthly_cost_cents >= 0`)
    .execute();
  await db.schema
    .createIndex('phone_number_by_status')
    .on('phone_number')
    .columns(['status', 'country', 'did_number'])
    .execute();
  await db.schema
    .createIndex('phone_number_by_state')
    .on('phone_number')
    .columns(['status', 'state', 'did_number'])
    .execute();
  await db.schema
    .createIndex('phone_number_by_type')
    .on('phone_number')
    .columns(['status', 'number_type', 'did_number'])
    .execute();
  await db.schema
    .createIndex('phone_number_by_account')
    .on('phone_number')
    .columns(['account_id', 'did_number'])
    .execute();

  await db.schema
    .createTable('purchase_order')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('did_number', 'text', (c) => c.notNull().references('phone_number.did_number'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('setup_cost_cents', 'bigint', (c) => c.notNull())
    .addColumn('monthly_cost_cents', 'bigint', (c) => c.notNull())
    .addColumn('address_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('primary_route', 'text', (c) => c.notNull())
    .addColumn('primary_destination', 'text')
    .addColumn('description', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('carrier_reference', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addCheckConstraint('purchase_order_status_known', sql`status IN ('pending', 'completed', 'failed')`)
    .addCheckConstraint('purchase_order_amount_positive', sql`amount_cents >= 0`)
    .execute();
  // At most one purchase of a number can be in flight, whatever the application does.
  await db.schema
    .createIndex('purchase_order_one_pending_per_number')
    .on('purchase_order')
    .column('did_number')
    .unique()
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('purchase_order_by_account')
    .on('purchase_order')
    .columns(['account_id', 'id'])
    .execute();
  await db.schema
    .createIndex('purchase_order_by_status')
    .on('purchase_order')
    .columns(['status', 'created_at'])
    .execute();

  await db.schema
    .createTable('funds_hold')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().unique().references('purchase_order.id'))
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('settled_at', 'text')
    .addCheckConstraint('funds_hold_status_known', sql`status IN ('pending', 'posted', 'voided')`)
    .addCheckConstraint('funds_hold_amount_not_negative', sql`amount_cents >= 0`)
    .execute();

  await db.schema
    .createTable('ledger_transaction')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('balance_after_cents', 'bigint', (c) => c.notNull())
    .addColumn('order_id', 'text')
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint('ledger_transaction_type_known', sql`type IN ('credit', 'purchase', 'refund', 'adjustment')`)
    .addCheckConstraint('ledger_transaction_balance_not_negative', sql`balance_after_cents >= 0`)
    .execute();
  await db.schema
    .createIndex('ledger_transaction_by_account')
    .on('ledger_transaction')
    .columns(['account_id', 'id'])
    .execute();
  // A purchase order is charged at most once.
  await db.schema
    .createIndex('ledger_transaction_one_purchase_per_order')
    .on('ledger_transaction')
    .column('order_id')
    .unique()
    .where(sql.ref('type'), '=', 'purchase')
    .execute();

  await db.schema
    .createTable('ledger_entry')
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('ledger_transaction.id'))
    .addColumn('ledger_account', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_entry_pk', ['transaction_id', 'ledger_account'])
    .execute();
  await db.schema.createIndex('ledger_entry_by_account').on('ledger_entry').column('ledger_account').execute();

  await db.schema
    .createTable('verified_cli')
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('verified_cli_pk', ['account_id', 'number'])
    .execute();
}

// A frozen copy: a migration must not change when the domain's list of fields does.
const ADDRESS_OPTIONAL_COLUMNS = [
  'nickname',
  'unit_number',
  'unit_number_suffix',
  'unit_number_end',
  'unit_number_end_suffix',
  'level_number',
  'level_suffix',
  'building_name',
  'building_location',
  'street_number_pretty',
  'street_number_first',
  'street_number_first_suffix',
  'street_number_last',
  'street_number_last_suffix',
  'street_name',
  'street_2_name',
  'gnaf_id',
] as const;
