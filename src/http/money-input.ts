import { invalidRequest } from '../domain/errors.js';
import { dollarsToCents } from '../domain/money.js';

/** A dollar amount from a request body as cents; finer than a cent is a 400 naming the field. */
export function centsOf(field: string, dollars: number): number {
  const cents = dollarsToCents(dollars);
  if (cents === null) throw invalidRequest(field, 'must have at most two decimals');
  return cents;
}
