import { invalidRequest } from '../domain/errors.js';
import { addMonths, monthOf, monthsSpanned, monthStart } from '../domain/month.js';
import type { NumberType } from '../domain/phone-number.js';
import { salesByMonthAndType } from '../store/margin-store.js';
import type { ServiceDeps } from './deps.js';

export interface MarginLine {
  sales: number;
  revenueCents: number;
  upstreamCostCents: number;
  marginCents: number;
  /** Sales whose order recorded no upstream cost: own ranges, or sold before costs were recorded. */
  salesWithoutUpstreamCost: number;
}

export interface MarginReport {
  from: string;
  to: string;
  /** Months and types that had sales, in order; a month without sales is left out. */
  results: Array<MarginLine & { month: string; numberType: NumberType }>;
  totals: MarginLine;
}

/** Ten years: enough for any question, small enough to answer at once. */
const MAX_MONTHS = 120;

/**
 * Revenue, upstream cost and margin per month and number type, from the completed purchases: what
 * each buyer was charged (setup and first month) against what the upstream charged for the number
 * as the order recorded it when placed, so a later repricing never rewrites a month already past.
 * Months are UTC; `to` defaults to this month and `from` to eleven months before `to`.
 */
export async function marginReport(deps: ServiceDeps, range: { from?: string; to?: string }): Promise<MarginReport> {
  const to = range.to ?? monthOf(deps.clock());
  const from = range.from ?? addMonths(to, -11);
  const span = monthsSpanned(from, to);
  if (span < 1) throw invalidRequest('from', `must not be after to (${to})`);
  if (span > MAX_MONTHS) throw invalidRequest('from', `the report covers at most ${MAX_MONTHS} months`);
  // Totals over every order: on a reader, off the event loop.
  const rows = await salesByMonthAndType(deps.database.reads, monthStart(from), monthStart(addMonths(to, 1)));
  const totals: MarginLine = { sales: 0, revenueCents: 0, upstreamCostCents: 0, marginCents: 0, salesWithoutUpstreamCost: 0 };
  const results = rows.map((row) => {
    const line: MarginLine = {
      sales: row.sales,
      revenueCents: row.revenue_cents,
      upstreamCostCents: row.upstream_cost_cents,
      marginCents: row.revenue_cents - row.upstream_cost_cents,
      salesWithoutUpstreamCost: row.sales_without_upstream_cost,
    };
    totals.sales += line.sales;
    totals.revenueCents += line.revenueCents;
    totals.upstreamCostCents += line.upstreamCostCents;
    totals.marginCents += line.marginCents;
    totals.salesWithoutUpstreamCost += line.salesWithoutUpstreamCost;
    return { month: row.month, numberType: row.number_type, ...line };
  });
  return { from, to, results, totals };
}
