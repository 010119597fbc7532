import { invalidRequest } from './errors.js';

/** One page of a keyset-paginated list. `nextAfter` is the last key returned when more rows follow. */
export interface Page<T> {
  rows: T[];
  nextAfter: string | null;
}

/** Options every list takes: at most `limit` rows (all when absent) strictly after the key `after`. */
export interface PageRequest {
  limit?: number;
  after?: string;
}

/** Cursors are opaque to clients: the last key of the page, base64url-encoded with a version tag. */
export function encodeCursor(after: string | null): string | null {
  return after === null ? null : Buffer.from(`v1:${after}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('v1:') || text.length < 4) throw invalidRequest('cursor', 'is not a cursor this API returned');
  return text.slice(3);
}
