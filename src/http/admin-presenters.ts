import { availableCents, centsToDollars } from '../domain/money.js';
import type { AccountRow, ApiKeyTable, DestinationRow, NumberPriceRow, PhoneNumberRow } from '../store/tables.js';
import { presentAvailable } from './presenters.js';

/** The operator's rows to the wire. Secrets (key hashes) never leave. */

export function presentAdminAccount(row: AccountRow) {
  const balance = Number(row.balance_cents);
  return {
    id: row.id,
    account_code: row.account_code,
    name: row.name,
    status: row.status,
    balance: centsToDollars(balance),
    available_balance: centsToDollars(availableCents(row)),
    created_at: row.created_at,
  };
}

export function presentApiKey(row: ApiKeyTable) {
  return { id: row.id, hint: row.hint, label: row.label, created_at: row.created_at, revoked_at: row.revoked_at };
}

export function presentAdminDestination(row: DestinationRow) {
  return {
    id: row.id,
    route: row.route,
    destination: row.destination,
    description: row.description,
    enabled: row.enabled === 1,
    created_at: row.created_at,
  };
}

export function presentTypePrice(row: NumberPriceRow) {
  return {
    number_type: row.number_type,
    setup_cost: centsToDollars(Number(row.setup_cost_cents)),
    monthly_cost: centsToDollars(Number(row.monthly_cost_cents)),
    updated_at: row.updated_at,
  };
}

export function presentInventoryNumber(row: PhoneNumberRow) {
  return {
    ...presentAvailable(row),
    status: row.status,
    account_id: row.account_id,
    custom_price: row.custom_price === 1,
    quarantine_until: row.quarantine_until,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
