/**
 * Australian GST in GST-inclusive prices: one eleventh of the price, rounded to the nearest cent
 * (half a cent up), as the ATO allows when rounding per invoice. Integer cents throughout.
 */

/** The GST included in a GST-inclusive amount. Negative amounts (refunds) mirror positive ones. */
export function gstIncluded(inclusiveCents: number): number {
  if (!Number.isSafeInteger(inclusiveCents)) throw new RangeError(`not a whole number of cents: ${inclusiveCents}`);
  const sign = inclusiveCents < 0 ? -1 : 1;
  const cents = Math.abs(inclusiveCents);
  // Round half up on the exact fraction: cents / 11 = q + r / 11.
  const quotient = Math.floor(cents / 11);
  const remainder = cents % 11;
  return sign * (quotient + (remainder * 2 >= 11 ? 1 : 0));
}

/**
 * An invoice's GST, rounded once on its total (the ATO's per-invoice rounding): the items' own GST
 * components, each rounded, may sum to a cent or two more or less.
 */
export function invoiceGst(lineInclusiveCents: readonly number[]): number {
  return gstIncluded(lineInclusiveCents.reduce((sum, cents) => sum + cents, 0));
}

/** The GST a ledger transaction includes: a supply's charge or refund includes it; money paid in or moved by the operator does not. */
export function transactionGst(type: string, amountCents: number): number {
  return type === 'purchase' || type === 'rental' || type === 'refund' ? gstIncluded(amountCents) : 0;
}
