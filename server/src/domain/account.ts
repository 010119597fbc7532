import type { AccountFunds } from './money.js';

/** A suspended account's keys are refused (403 account_suspended) until it is reactivated. */
export const ACCOUNT_STATUSES = ['active', 'suspended'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** A customer account: its seven-digit code (CrazyTel's), its status and its money. */
export interface Account extends AccountFunds {
  id: string;
  account_code: string;
  name: string;
  status: AccountStatus;
  created_at: string;
  /** The account's price plan; null: the default prices. */
  price_plan_id: string | null;
  /** A balance falling below this is told (balance.low); null: no alert. */
  low_balance_cents: number | null;
}
