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

/** Turns the limit+1 rows a query fetched into a page, so "is there more" costs no second query. */
export function toPage<T>(rows: T[], request: PageRequest, keyOf: (row: T) => string): Page<T> {
  if (request.limit === undefined || rows.length <= request.limit) return { rows, nextAfter: null };
  const kept = rows.slice(0, request.limit);
  return { rows: kept, nextAfter: keyOf(kept[kept.length - 1]!) };
}

export function fetchLimit(request: PageRequest): number | undefined {
  return request.limit === undefined ? undefined : request.limit + 1;
}
