import type { Page, PageRequest } from '../domain/page.js';

export type { Page, PageRequest };

/** Turns the limit+1 rows a query fetched into a page, so "is there more" costs no second query. */
export function toPage<T>(rows: T[], request: PageRequest, keyOf: (row: T) => string): Page<T> {
  if (request.limit === undefined || rows.length <= request.limit) return { rows, nextAfter: null };
  const kept = rows.slice(0, request.limit);
  return { rows: kept, nextAfter: keyOf(kept[kept.length - 1]!) };
}

export function fetchLimit(request: PageRequest): number | undefined {
  return request.limit === undefined ? undefined : request.limit + 1;
}
