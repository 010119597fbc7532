import type { Cents } from './money.js';

/**
 * A purchase order is the saga's record. It is created `pending` together with the number's
 * reservation and the funds hold, and ends exactly once in `completed` (hold posted, number active)
 * or `failed` (hold voided, number back in stock).
 */
export const ORDER_STATUSES = ['pending', 'completed', 'failed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Why an order failed, as stored in `failure_code` and shown to the client: the carrier refused it
 * (`upstream_error`), recovery found that the carrier never provisioned an order whose answer was
 * lost or late (`upstream_timeout`), or the carrier no longer has the number (`number_unavailable`:
 * it is withdrawn from stock).
 */
export const ORDER_FAILURE_CODES = ['upstream_error', 'upstream_timeout', 'number_unavailable'] as const;
export type OrderFailureCode = (typeof ORDER_FAILURE_CODES)[number];

export const NUMBER_STATUSES = ['available', 'reserved', 'active', 'quarantine', 'withdrawn'] as const;
export type NumberStatus = (typeof NUMBER_STATUSES)[number];

export const HOLD_STATUSES = ['pending', 'posted', 'voided'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

export const TRANSACTION_TYPES = ['credit', 'purchase', 'refund', 'adjustment', 'rental'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** A purchase order as its buyer sees it. */
export interface PurchaseOrder {
  id: string;
  did_number: string;
  status: OrderStatus;
  amount_cents: Cents;
  failure_code: OrderFailureCode | null;
  created_at: string;
  completed_at: string | null;
}

/** One transaction of an account's ledger; `amount_cents` is signed, negative for money out. */
export interface LedgerTransaction {
  id: string;
  type: TransactionType;
  amount_cents: Cents;
  balance_after_cents: Cents;
  order_id: string | null;
  description: string;
  created_at: string;
}

/** The ledger's system side: money a customer pays goes to revenue, credits come from funding. */
export const LEDGER_REVENUE = 'system:revenue';
export const LEDGER_FUNDING = 'system:funding';
