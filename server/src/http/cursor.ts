import { decodeCursor, encodeCursor, type Page, type PageRequest } from '../domain/page.js';

export { decodeCursor, encodeCursor };

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
