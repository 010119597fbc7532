import type { TransactionType } from './order.js';

/**
 * A tax invoice and the month's statement, as issued: never changed after. Amounts are GST-inclusive
 * cents; `total_cents` is what the month's supplies cost (refunds less), `credits_cents` the money
 * paid in or moved by the operator, so closing = opening + credits - total.
 */
export interface Invoice {
  id: string;
  /** Sequential without gaps across every account. */
  number: number;
  account_id: string;
  /** `YYYY-MM`, in the billing time zone. */
  month: string;
  period_start: string;
  period_end: string;
  /** The calendar date of issue, in the billing time zone. */
  issue_date: string;
  issued_at: string;
  supplier_name: string;
  /** Eleven digits. */
  supplier_abn: string;
  supplier_address: string | null;
  customer_name: string;
  customer_code: string;
  total_cents: number;
  /** Rounded once on the total (the ATO's per-invoice rounding). */
  gst_cents: number;
  opening_balance_cents: number;
  credits_cents: number;
  closing_balance_cents: number;
}

/** One of the month's ledger transactions, as on the statement: amounts signed as in the ledger. */
export interface InvoiceLine {
  invoice_id: string;
  position: number;
  transaction_id: string;
  type: TransactionType;
  date: string;
  description: string;
  amount_cents: number;
  gst_cents: number;
}

/** The ledger transactions that are supplies, and so the items of a tax invoice; the rest appear on the statement only. */
export const SUPPLY_TYPES: readonly TransactionType[] = ['purchase', 'rental', 'refund'];

export function isSupply(type: TransactionType): boolean {
  return SUPPLY_TYPES.includes(type);
}
