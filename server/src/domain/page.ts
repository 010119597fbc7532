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
