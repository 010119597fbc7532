import { randomBytes } from 'node:crypto';
import { hashApiKey, keyHint } from '../domain/api-key.js';
import { findOperatorKey, insertOperatorKeyIfAbsent } from '../store/operator-key-store.js';
import { isoNow, type ServiceDeps } from './deps.js';

const DEMO = 'demo';

export interface DemoOperatorKey {
  /** What the operator API compares a given key's hash with. */
  keyHash: string;
  /** The key in clear when this call made it, to be printed once; null when the database had one. */
  createdKey: string | null;
}

/**
 * The operator key of `serve --demo` without BILBY_ADMIN_KEY: made the first time, kept in the
 * database as a hash only, so every later start on that database (and every process sharing it)
 * accepts the key printed then, and none can print it again.
 */
export async function demoOperatorKey(deps: Pick<ServiceDeps, 'database' | 'clock'>): Promise<DemoOperatorKey> {
  const db = deps.database.db;
  const existing = await findOperatorKey(db, DEMO);
  if (existing) return { keyHash: existing.key_hash, createdKey: null };
  const key = `bilby_admin_${randomBytes(18).toString('base64url')}`;
  const row = { name: DEMO, key_hash: hashApiKey(key), hint: keyHint(key), created_at: isoNow(deps) };
  if (await deps.database.writeTransaction((trx) => insertOperatorKeyIfAbsent(trx, row))) return { keyHash: row.key_hash, createdKey: key };
  // Another process starting on the same new database made it first: its key is the one printed.
  const made = await findOperatorKey(db, DEMO);
  if (!made) throw new Error('the demo operator key was neither inserted nor found');
  return { keyHash: made.key_hash, createdKey: null };
}
