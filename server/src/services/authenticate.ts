import { hashApiKey, hasPlausibleChecksum, sameHash } from '../domain/api-key.js';
import { AppError } from '../domain/errors.js';
import { findKeyOwner } from '../store/api-key-store.js';
import type { ServiceDeps } from './deps.js';

export interface Caller {
  accountId: string;
  keyId: string;
  /** The account's price plan as read with its key; null: the default prices. */
  pricePlanId: string | null;
}

const MAX_KEY_LENGTH = 512;

/**
 * Finds the account an API key belongs to. Keys are stored only as SHA-256 hashes; a key with
 * Bilby's prefix and a bad checksum is refused before any query.
 */
export async function authenticate(deps: Pick<ServiceDeps, 'database'>, key: string | undefined): Promise<Caller> {
  if (!key || key.length > MAX_KEY_LENGTH || !hasPlausibleChecksum(key)) throw unauthenticated();
  const hash = hashApiKey(key);
  const owner = await findKeyOwner(deps.database.db, hash);
  if (!owner || !sameHash(owner.key_hash, hash)) throw unauthenticated();
  if (owner.account_status === 'suspended') {
    throw new AppError('account_suspended', 'This account is suspended; its keys work again once the operator reactivates it');
  }
  return { accountId: owner.account_id, keyId: owner.key_id, pricePlanId: owner.price_plan_id };
}

export function unauthenticated(): AppError {
  return new AppError('unauthenticated', 'Invalid API key');
}
