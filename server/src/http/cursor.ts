import { invalidRequest } from '../domain/errors.js';
import type { Page, PageRequest } from '../domain/page.js';

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

export function pageRequest(query: { limit?: number; cursor?: string }, defaultLimit?: number): PageRequest {
  const request: PageRequest = {};
  const limit = query.limit ?? defaultLimit;
  if (limit !== undefined) request.limit = limit;
  const after = decodeCursor(query.cursor);
  if (after !== undefined) request.after = after;
  return request;
}

export function listBody<T, R>(page: Page<T>, present: (row: T) => R): { results: R[]; next_cursor: string | null } {
  return { results: page.rows.map(present), next_cursor: encodeCursor(page.nextAfter) };
}
