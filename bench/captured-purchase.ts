import { hashApiKey } from '../server/src/domain/api-key.js';
import type { Buyers } from './purchase-setup.js';

/** What identifies a buyer in the SQL of its purchase. */
export interface BuyerValues {
  accountId: string;
  addressId: string;
  personId: string;
  keyHash: string;
}

/** Each buyer's values, given how to find an account from its key's hash. */
export async function buyerValues(buyers: Buyers, accountOf: (keyHash: string) => Promise<string> | string): Promise<BuyerValues[]> {
  const values: BuyerValues[] = [];
  for (const buyer of buyers.accounts) {
    const keyHash = hashApiKey(buyer.apiKey);
    values.push({ accountId: await accountOf(keyHash), addressId: buyer.addressId, personId: buyer.personId, keyHash });
  }
  return values;
}

/**
 * Rewrites one captured purchase's parameters for another purchase: the captured number, buyer and
 * generated ids (`ord_…`, `hld_…`, `txn_…`) become the new purchase's; every other value (prices,
 * times, the carrier's reference) stays as captured. Call it once per purchase and statement, in
 * order, with the same `ids` map for one purchase.
 */
export function retarget(
  parameters: unknown[],
  captured: { did: unknown; buyer: BuyerValues },
  purchase: { did: string; buyer: BuyerValues; index: number; ids: Map<string, string> },
): unknown[] {
  return parameters.map((value) => {
    if (value === captured.did) return purchase.did;
    if (value === captured.buyer.accountId) return purchase.buyer.accountId;
    if (value === captured.buyer.addressId) return purchase.buyer.addressId;
    if (value === captured.buyer.personId) return purchase.buyer.personId;
    if (value === captured.buyer.keyHash) return purchase.buyer.keyHash;
    if (typeof value === 'string' && /^[a-z]{3}_[0-9a-f]{32}$/.test(value)) {
      if (!purchase.ids.has(value)) purchase.ids.set(value, `${value.slice(0, 4)}${purchase.index}_${purchase.ids.size}_${value.slice(4, 20)}`);
      return purchase.ids.get(value);
    }
    return value;
  });
}

/** The number a captured purchase bought: the one Australian number among its parameters. */
export function capturedNumber(parameters: unknown[][]): unknown {
  return parameters.flat().find((value) => typeof value === 'string' && /^61\d{8,10}$/.test(value));
}
