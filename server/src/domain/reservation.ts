/** Who is looking at the stock, and when: numbers others hold are not for sale to them. */
export interface StockViewer {
  accountId: string;
  /** ISO instant: a hold that ended by then holds nothing. */
  now: string;
}

/** A number held for an account (a reservation) as its holder sees it. */
export interface HeldNumber {
  did_number: string;
  expires_at: string;
  limit_at: string;
  created_at: string;
}
