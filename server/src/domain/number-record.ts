import type { Cents } from './money.js';
import type { NumberStatus } from './order.js';
import type { Country, NumberType } from './phone-number.js';
import type { RouteType } from './routing.js';

/**
 * What Bilby holds of a number, as each reader sees it. Flags are 0 or 1 and settings JSON text, as
 * they are kept: their meaning is given where they are shown.
 */

/** A number as a listing of stock shows it (what a buyer compares). */
export interface ListedNumber {
  did_number: string;
  number_type: NumberType;
  country: Country;
  state: string | null;
  city: string | null;
  area_code: string | null;
  setup_cost_cents: Cents;
  monthly_cost_cents: Cents;
}

/** A number as the account that holds it sees it: the listing and its configuration. */
export interface OwnedNumber extends ListedNumber {
  status: NumberStatus;
  /** 1 while a renewal is unpaid: shown as `suspended`. */
  suspended: number;
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
  order_id: string | null;
  purchased_at: string | null;
}

/** A number of the inventory as the operator sees it, whoever holds it. */
export interface StockedNumber extends ListedNumber {
  status: NumberStatus;
  /** 1 while a renewal is unpaid: shown as `suspended`. */
  suspended: number;
  account_id: string | null;
  /** 1 when the number has its own price, 0 when it follows its type's (or its type's pricing rule). */
  custom_price: number;
  /** Which carrier provisions it. */
  carrier: string;
  /** What the upstream charges for it; null for numbers no upstream sells. */
  upstream_setup_cost_cents: Cents | null;
  upstream_monthly_cost_cents: Cents | null;
  quarantine_until: string | null;
  created_at: string;
  updated_at: string;
}

/** A number type's price, which the numbers of that type without a price of their own follow. */
export interface TypePrice {
  number_type: NumberType;
  setup_cost_cents: Cents;
  monthly_cost_cents: Cents;
  updated_at: string;
}

/** A number's status as shown: an active number whose renewal is unpaid is `suspended`. */
export function shownStatus(row: { status: NumberStatus; suspended: number }): NumberStatus | 'suspended' {
  return row.status === 'active' && Number(row.suspended) === 1 ? 'suspended' : row.status;
}
