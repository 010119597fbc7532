import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { AccountEventKind } from '../domain/account-event.js';
import type { AccountStatus } from '../domain/account.js';
import type { CarrierName } from '../domain/carrier-name.js';
import type { IdempotencyState } from '../domain/idempotency-state.js';
import type { Invoice, InvoiceLine } from '../domain/invoice.js';
import type { PersonType } from '../domain/ipnd-record.js';
import type { Actor, NumberEventKind } from '../domain/number-event.js';
import type { RoundingRule } from '../domain/pricing-rule.js';
import type { HoldStatus, NumberStatus, OrderFailureCode, OrderStatus, TransactionType } from '../domain/order.js';
import type { Country, NumberType } from '../domain/phone-number.js';
import type { RouteType } from '../domain/routing.js';
import type { WebhookDeliveryStatus, WebhookEndpointStatus } from '../domain/webhook-endpoint.js';

/**
 * The database as Kysely sees it. Money is integer cents, timestamps ISO-8601 UTC text, booleans
 * 0/1 integers and nested settings JSON text, so SQLite and PostgreSQL hold identical rows.
 */
export interface Tables {
  account: AccountTable;
  api_key: ApiKeyTable;
  address: AddressTable;
  person: PersonTable;
  destination: DestinationTable;
  phone_number: PhoneNumberTable;
  purchase_order: PurchaseOrderTable;
  funds_hold: FundsHoldTable;
  ledger_transaction: LedgerTransactionTable;
  ledger_entry: LedgerEntryTable;
  verified_cli: VerifiedCliTable;
  idempotency_record: IdempotencyRecordTable;
  number_price: NumberPriceTable;
  rate_limit_window: RateLimitWindowTable;
  counter: CounterTable;
  operator_key: OperatorKeyTable;
  upstream_record: UpstreamRecordTable;
  upstream_budget_slot: UpstreamBudgetSlotTable;
  release_order: ReleaseOrderTable;
  restore_order: RestoreOrderTable;
  reconcile_report: ReconcileReportTable;
  upstream_change: UpstreamChangeTable;
  pricing_rule: PricingRuleTable;
  task_lease: TaskLeaseTable;
  catalogue_sync: CatalogueSyncTable;
  rental: RentalTable;
  rental_charge: RentalChargeTable;
  invoice: InvoiceTable;
  invoice_line: InvoiceLineTable;
  invoice_month: InvoiceMonthTable;
  number_event: NumberEventTable;
  account_event: AccountEventTable;
  webhook_endpoint: WebhookEndpointTable;
  webhook_delivery: WebhookDeliveryTable;
  webhook_attempt: WebhookAttemptTable;
  number_reservation: NumberReservationTable;
  bulk_order: BulkOrderTable;
  bulk_order_line: BulkOrderLineTable;

  price_plan: PricePlanTable;
  price_plan_price: PricePlanPriceTable;
  billing_run: BillingRunTable;
}

export interface AccountTable {
  id: string;
  account_code: string;
  name: string;
  status: AccountStatus;
  balance_cents: number;
  held_cents: number;
  created_at: string;
  /** The operator's override of where upstream sends this account's calls; null: the configured route. */
  upstream_route: RouteType | null;
  upstream_destination: string | null;
  /** The account's price plan; null: the default prices. */
  price_plan_id: string | null;
  /** The number of the account's latest event (account_event.seq). */
  event_seq: Generated<number>;
  /** A balance falling below this is told (balance.low); null: no alert. */
  low_balance_cents: Generated<number | null>;
}

export interface ApiKeyTable {
  id: string;
  account_id: string;
  key_hash: string;
  hint: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface AddressTable {
  id: string;
  account_id: string;
  nickname: string | null;
  unit_number: string | null;
  unit_number_suffix: string | null;
  unit_number_end: string | null;
  unit_number_end_suffix: string | null;
  level_number: string | null;
  level_suffix: string | null;
  building_name: string | null;
  building_location: string | null;
  street_number_pretty: string | null;
  street_number_first: string | null;
  street_number_first_suffix: string | null;
  street_number_last: string | null;
  street_number_last_suffix: string | null;
  street_name: string | null;
  street_2_name: string | null;
  gnaf_id: string | null;
  city: string;
  state: string;
  postcode: string;
  country: string;
  created_at: string;
}

export interface PersonTable {
  id: string;
  account_id: string;
  name_1: string;
  name_2: string | null;
  title: string | null;
  person_type: PersonType;
  contact_number: string | null;
  nickname: string | null;
  contact_name_1: string | null;
  contact_name_2: string | null;
  birthdate: string | null;
  created_at: string;
}

export interface DestinationTable {
  id: string;
  account_id: string;
  route: RouteType;
  destination: string;
  description: string;
  enabled: number;
  created_at: string;
}

export interface PhoneNumberTable {
  did_number: string;
  country: Country;
  number_type: NumberType;
  state: string | null;
  city: string | null;
  area_code: string | null;
  setup_cost_cents: number;
  monthly_cost_cents: number;
  status: NumberStatus;
  account_id: string | null;
  order_id: string | null;
  quarantine_until: string | null;
  description: string | null;
  primary_route: RouteType | null;
  primary_destination: string | null;
  primary_timeout: number | null;
  backup_route: RouteType | null;
  backup_destination: string | null;
  backup_timeout: number | null;
  max_channels: number | null;
  block_premium: number;
  block_prefs: string | null;
  sms_routes: string | null;
  address_id: string | null;
  person_id: string | null;
  purchased_at: string | null;
  /** The account holding it for itself (a reservation), until `held_until`; null: nobody. */
  held_by: Generated<string | null>;
  held_until: Generated<string | null>;
  /** 1 when the number has its own price, 0 when it follows its type's price (or, with an upstream cost, its type's pricing rule). */
  custom_price: Generated<number>;
  /** Which carrier provisions the number. */
  carrier: Generated<CarrierName>;
  /** What the upstream charges for it; null for numbers no upstream sells (a reseller's own ranges). */
  upstream_setup_cost_cents: number | null;
  upstream_monthly_cost_cents: number | null;
  /** 1 while withdrawn because the upstream does not offer it: the catalogue sync reinstates only those. */
  gone_upstream: Generated<number>;
  /** 1 while a renewal is unpaid: the number stays `active` (its owner's, routing kept), shown as suspended. */
  suspended: Generated<number>;
  created_at: string;
  updated_at: string;
}

export interface PurchaseOrderTable {
  id: string;
  account_id: string;
  did_number: string;
  status: OrderStatus;
  amount_cents: number;
  setup_cost_cents: number;
  monthly_cost_cents: number;
  address_id: string;
  person_id: string;
  primary_route: RouteType;
  primary_destination: string | null;
  description: string | null;
  failure_code: OrderFailureCode | null;
  carrier_reference: string | null;
  /** What the number cost upstream when the order was placed (null: no upstream cost). */
  upstream_setup_cost_cents: number | null;
  upstream_monthly_cost_cents: number | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  /** Who placed the order and in which request: its `purchased` event's (null before migration 0027). */
  actor: Actor | null;
  request_id: string | null;
}

export interface FundsHoldTable {
  id: string;
  account_id: string;
  order_id: string;
  amount_cents: number;
  status: HoldStatus;
  created_at: string;
  settled_at: string | null;
}

export interface LedgerTransactionTable {
  id: string;
  account_id: string;
  type: TransactionType;
  amount_cents: number;
  balance_after_cents: number;
  order_id: string | null;
  description: string;
  created_at: string;
  /** The GST the amount includes, signed as the amount is (0 where no supply is made: a credit). */
  gst_cents: number;
}

export interface LedgerEntryTable {
  transaction_id: string;
  ledger_account: string;
  amount_cents: number;
}

export interface VerifiedCliTable {
  account_id: string;
  number: string;
  created_at: string;
}

export interface IdempotencyRecordTable {
  /** The account the key belongs to, or 'operator' for the operator API. */
  scope: string;
  key: string;
  fingerprint: string;
  state: IdempotencyState;
  response_status: number | null;
  response_body: string | null;
  order_id: string | null;
  /** What the key's write created (`ord_…`, `txn_…`), tied in the write's own transaction. */
  result_id: string | null;
  /** Which request holds the key: new with each claim and takeover. */
  claim_token: string;
  created_at: string;
  updated_at: string;
}

export interface NumberPriceTable {
  number_type: NumberType;
  setup_cost_cents: number;
  monthly_cost_cents: number;
  updated_at: string;
}

/** Named counters that hand out numbers, one UPDATE each: `account_code` holds the last code given. */
export interface CounterTable {
  name: string;
  value: number;
}

/** An operator key Bilby made (the demo's), kept as a SHA-256 hash like customers' keys. */
export interface OperatorKeyTable {
  name: string;
  key_hash: string;
  hint: string;
  created_at: string;
}

export interface RateLimitWindowTable {
  key_id: string;
  window_start: string;
  hits: number;
}

export type NumberPriceRow = Selectable<NumberPriceTable>;
export type OperatorKeyRow = Selectable<OperatorKeyTable>;
export type IdempotencyKeyRow = Selectable<IdempotencyRecordTable>;
export type AccountRow = Selectable<AccountTable>;
export type AddressRow = Selectable<AddressTable>;
export type NewAddress = Insertable<AddressTable>;
export type PersonRow = Selectable<PersonTable>;
export type NewPerson = Insertable<PersonTable>;
export type DestinationRow = Selectable<DestinationTable>;
export type PhoneNumberRow = Selectable<PhoneNumberTable>;
/**
 * The columns a listing of numbers for sale shows. Listings read only these: building a row object
 * of all 29 columns costs more than finding it (measured: a 50-number page of a state's stock took
 * 704 µs as SELECT * and 281 µs as these columns).
 */
export const LISTED_NUMBER_COLUMNS = [
  'did_number',
  'number_type',
  'country',
  'state',
  'city',
  'area_code',
  'setup_cost_cents',
  'monthly_cost_cents',
] as const;
export type ListedNumberRow = Pick<PhoneNumberRow, (typeof LISTED_NUMBER_COLUMNS)[number]>;
/** A listing and what a price plan prices the number by. */
export const PRICED_LISTING_COLUMNS = [...LISTED_NUMBER_COLUMNS, 'custom_price', 'upstream_setup_cost_cents', 'upstream_monthly_cost_cents'] as const;
export type PricedListingRow = Pick<PhoneNumberRow, (typeof PRICED_LISTING_COLUMNS)[number]>;
export type NewPhoneNumber = Insertable<PhoneNumberTable>;
export type PhoneNumberUpdate = Updateable<PhoneNumberTable>;
export type PurchaseOrderRow = Selectable<PurchaseOrderTable>;
export type LedgerTransactionRow = Selectable<LedgerTransactionTable>;

/** Which of Bilby's IPND records an upstream carrier holds a copy of. */
export type UpstreamRecordKind = 'address' | 'person';

export interface UpstreamRecordTable {
  carrier: string;
  kind: UpstreamRecordKind;
  local_id: string;
  upstream_id: string;
  created_at: string;
}

export interface UpstreamBudgetSlotTable {
  carrier: string;
  slot: number;
  /** When the last request given this slot was (or will be) sent, in epoch milliseconds. */
  sent_at_ms: number;
}

export type ReleaseStatus = 'pending' | 'completed' | 'failed';

/** A release is a saga like a purchase: pending while the carrier releases the number, then completed or failed. */
export interface ReleaseOrderTable {
  id: string;
  account_id: string;
  did_number: string;
  status: ReleaseStatus;
  created_at: string;
  updated_at: string;
  /** Set when the release completes (null for releases made before restores existed). */
  tenure_order_id: string | null;
  /** The number's configuration when it was released (JSON of {@link ReleasedConfiguration}). */
  configuration: string | null;
  restorable_until: string | null;
  quarantine_until: string | null;
}

export type ReleaseOrderRow = Selectable<ReleaseOrderTable>;

/** A restore of a released number, as a saga: `amount_cents` is held while it is pending. */
export interface RestoreOrderTable {
  id: string;
  account_id: string;
  did_number: string;
  release_id: string;
  tenure_order_id: string;
  status: ReleaseStatus;
  amount_cents: number;
  monthly_cents: number;
  /** The periods it charges, each at `monthly_cents`: none when `last_period` is `first_period - 1`. */
  first_period: number;
  last_period: number;
  failure_code: OrderFailureCode | null;
  carrier_reference: string | null;
  created_at: string;
  updated_at: string;
}

export type RestoreOrderRow = Selectable<RestoreOrderTable>;

/** Reconciliation's last report of a carrier: the report as JSON, its difference counts by kind apart for the metrics. */
export interface ReconcileReportTable {
  carrier: string;
  checked_at: string;
  difference_counts: string;
  report: string;
}

/** Who runs a periodic task now, until when: a holder past its expiry has lost it. */
export interface UpstreamChangeTable {
  did_number: string;
  generation: number;
  requested_at: string;
  attempts: Generated<number>;
  next_attempt_at: string;
  last_error: string | null;
}

export type UpstreamChangeRow = Selectable<UpstreamChangeTable>;
/** The operator's price for numbers with an upstream cost, per number type: the cost plus a markup. */
export interface PricingRuleTable {
  number_type: NumberType;
  /** The percentage markup in hundredths of a percent: 2500 is 25%. */
  markup_basis_points: number;
  setup_markup_cents: number;
  monthly_markup_cents: number;
  rounding: RoundingRule;
  updated_at: string;
}

export type PricingRuleRow = Selectable<PricingRuleTable>;

/** A task only one process may run at a time: whoever holds the lease, until it expires. */
export interface TaskLeaseTable {
  name: string;
  holder: string;
  expires_at_ms: number;
}

export type CatalogueSyncStatus = 'running' | 'completed' | 'failed';

/** One run of the upstream catalogue's sync: its progress while it runs, its outcome after. */
export interface CatalogueSyncTable {
  id: string;
  carrier: string;
  status: CatalogueSyncStatus;
  started_by: 'operator' | 'schedule';
  slices_total: number;
  slices_done: number;
  pages_read: number;
  numbers_seen: number;
  added: number;
  repriced: number;
  withdrawn: number;
  unchanged: number;
  /** JSON array: the number types the sync left alone, having no pricing rule. */
  skipped_types: string;
  error: string | null;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
}

export type CatalogueSyncRow = Selectable<CatalogueSyncTable>;

export type RentalStatus = 'active' | 'suspended' | 'ended';

/** A number's tenure with one account (one per purchase order): which period it has paid up to. */
export interface RentalTable {
  order_id: string;
  did_number: string;
  account_id: string;
  /** The purchase's calendar date in the billing time zone: the anniversary. */
  purchased_on: string;
  /** The first period not yet paid (period 0 is paid at purchase). */
  next_period: number;
  /** That period's first day. */
  next_due_on: string;
  status: RentalStatus;
  suspended_since: string | null;
  /** The owner asked to release the number when its paid period ends: this day, the first unpaid. */
  release_on: string | null;
  ended_at: string | null;
  created_at: string;
  updated_at: string;
}

export type RentalRow = Selectable<RentalTable>;

/** One period charged: the primary key (order, period) is what makes a second charge impossible. */
export interface RentalChargeTable {
  order_id: string;
  period: number;
  transaction_id: string;
  period_start: string;
  period_end: string;
  amount_cents: number;
  charged_at: string;
}

export type RentalChargeRow = Selectable<RentalChargeTable>;

/** A tax invoice and the month's statement, as issued (domain/invoice.ts). */
export type InvoiceTable = Invoice;
export type InvoiceRow = Selectable<InvoiceTable>;
export type InvoiceLineTable = InvoiceLine;
export type InvoiceLineRow = Selectable<InvoiceLineTable>;

/** A month whose every invoice has been issued. */
export interface InvoiceMonthTable {
  month: string;
  invoices: number;
  completed_at: string;
}
/** One change to a number, written with it: `account_id` is the owner whose tenure it belongs to. */
export interface NumberEventTable {
  id: string;
  did_number: string;
  account_id: string;
  kind: NumberEventKind;
  /** JSON: the values before and after, the order, period and amount, as the kind records them. */
  details: string;
  /** `api_key:<key id>`, `operator` or `system`. */
  actor: string;
  request_id: string | null;
  created_at: string;
}

export type NumberEventRow = Selectable<NumberEventTable>;

/** A named set of prices the operator puts accounts on (migration 0023). */
export interface PricePlanTable {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export type PricePlanRow = Selectable<PricePlanTable>;

/**
 * A plan's price for one number type: `fixed` (setup_cents, monthly_cents) or `markup` over the
 * number's upstream cost (the other four, as a pricing rule); the columns of the other basis are null.
 */
export interface PricePlanPriceTable {
  price_plan_id: string;
  number_type: NumberType;
  basis: 'fixed' | 'markup';
  setup_cents: number | null;
  monthly_cents: number | null;
  markup_basis_points: number | null;
  setup_markup_cents: number | null;
  monthly_markup_cents: number | null;
  rounding: RoundingRule | null;
}

export type PricePlanPriceRow = Selectable<PricePlanPriceTable>;

export type BillingRunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

/** One billing run (migration 0025): its progress while it runs, its report after. */
export interface BillingRunTable {
  id: string;
  status: BillingRunStatus;
  started_by: 'operator' | 'schedule';
  /** The calendar date (billing time zone) the run charges up to. */
  as_of: string;
  /** Tenures due when the run began; null until counted. */
  tenures_total: number | null;
  /** Tenures read so far (one partly paid may be read again by a later batch). */
  tenures_done: number;
  renewed: number;
  charged_cents: number;
  suspended: number;
  reactivated: number;
  still_suspended: number;
  released: number;
  released_at_period_end: number;
  error: string | null;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
}

export type BillingRunRow = Selectable<BillingRunTable>;

export interface AccountEventTable {
  account_id: string;
  /** The event's place in its account's stream, from 1. */
  seq: number;
  id: string;
  kind: AccountEventKind;
  did_number: string | null;
  /** JSON: what the event reports. */
  data: string;
  created_at: string;
}

export interface WebhookEndpointTable {
  id: string;
  account_id: string;
  url: string;
  description: string | null;
  /** JSON: the event kinds it hears, or ["*"]. */
  events: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  status: WebhookEndpointStatus;
  disabled_reason: string | null;
  failing_since: string | null;
  /** The account's events up to this one are queued for it (or were before it existed). */
  cursor_seq: number;
  queued_count: number;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveryTable {
  endpoint_id: string;
  event_seq: number;
  /** 0 for the event's own delivery, then one more per replay. */
  round: number;
  account_id: string;
  event_id: string;
  kind: AccountEventKind;
  order_key: string;
  queue_pos: number;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  locked_until: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface WebhookAttemptTable {
  id: string;
  endpoint_id: string;
  event_seq: number;
  round: number;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: string;
}

export interface NumberReservationTable {
  did_number: string;
  account_id: string;
  /** The hold ends at this instant. */
  expires_at: string;
  /** The latest it may be extended to. */
  limit_at: string;
  created_at: string;
  updated_at: string;
}

export interface BulkOrderTable {
  id: string;
  account_id: string;
  /** 1: every number or none; 0: those that can be had. */
  all_or_nothing: number;
  criteria: string | null;
  created_at: string;
  actor: string | null;
  request_id: string | null;
}

export interface BulkOrderLineTable {
  bulk_order_id: string;
  position: number;
  did_number: string;
  /** The line's purchase order, when its number was reserved. */
  order_id: string | null;
  /** Why it was not: number_unavailable or insufficient_funds. */
  refusal: string | null;
}
