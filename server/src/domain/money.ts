/** Money is held as integer cents (AUD) everywhere inside; dollars appear only on the wire. */
export type Cents = number;

export function centsToDollars(cents: Cents): number {
  return cents / 100;
}

/**
 * Dollars with at most two decimals to cents, or null when the amount has finer precision. The
 * tolerance is the rounding of dollars × 100 alone (a few units in the last place, so a client's
 * 0.1 + 0.2 is 30 cents): an absolute one let 1e-9 through as a $0.00 amount.
 */
export function dollarsToCents(dollars: number): Cents | null {
  if (!Number.isFinite(dollars)) return null;
  const scaled = dollars * 100;
  const cents = Math.round(scaled);
  if (Math.abs(scaled - cents) > 8 * Number.EPSILON * Math.abs(scaled)) return null;
  if (!Number.isSafeInteger(cents)) return null;
  return cents === 0 ? 0 : cents;
}

/** An account's money: its balance, and the part of it held by purchases in flight. */
export interface AccountFunds {
  balance_cents: Cents;
  held_cents: Cents;
}

/** Balance less the funds held by purchases in flight: what a new hold or a debit may take. */
export function availableCents(funds: AccountFunds): Cents {
  return funds.balance_cents - funds.held_cents;
}

/** The price of a purchase: full setup plus the first month, paid in advance, no pro-rating. */
export function purchasePrice(setupCents: Cents, monthlyCents: Cents): Cents {
  return setupCents + monthlyCents;
}
