/** Money is held as integer cents (AUD) everywhere inside; dollars appear only on the wire. */
export type Cents = number;

export function centsToDollars(cents: Cents): number {
  return cents / 100;
}

/** Dollars with at most two decimals to cents, or null when the amount has finer precision. */
export function dollarsToCents(dollars: number): Cents | null {
  if (!Number.isFinite(dollars)) return null;
  const cents = Math.round(dollars * 100);
  if (Math.abs(dollars * 100 - cents) > 1e-6) return null;
  if (!Number.isSafeInteger(cents)) return null;
  return cents;
}

/** The price of a purchase: full setup plus the first month, paid in advance, no pro-rating. */
export function purchasePrice(setupCents: Cents, monthlyCents: Cents): Cents {
  return setupCents + monthlyCents;
}
