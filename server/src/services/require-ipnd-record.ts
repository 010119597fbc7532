import { AppError } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';
import type { Executor } from '../store/database.js';
import { ipndRecordExists, type IpndKind } from '../store/ipnd-store.js';
import type { RowLock } from '../store/row-locks.js';

const FAILURE = {
  address: { code: 'invalid_address', field: 'address_id', message: 'not one of your addresses' },
  person: { code: 'invalid_person', field: 'person_id', message: 'not one of your owners' },
} as const;

/**
 * Fails unless the id names one of the caller's own addresses (or persons). A malformed id, an
 * unknown one and another account's all fail the same way, so ids of others cannot be probed.
 * With `lock`, the record cannot be deleted until the transaction ends (PostgreSQL).
 */
export async function requireIpndRecord(ex: Executor, kind: IpndKind, accountId: string, id: string, lock?: RowLock): Promise<void> {
  if (isUuid(id) && (await ipndRecordExists(ex, kind, accountId, id, lock))) return;
  throw ipndRecordInvalid(kind);
}

/** The 400 for an id that is not one of the caller's own records. */
export function ipndRecordInvalid(kind: IpndKind): AppError {
  const failure = FAILURE[kind];
  return new AppError(failure.code, `${failure.field} is ${failure.message}`, {
    errors: [{ field: failure.field, message: failure.message }],
  });
}
