import type { BilbyClient, NumberType, PricingRule, PricingRuleInput } from '@bilby/sdk';
import { dollars, emit, table, type Io } from '../io.js';

/** Operator commands on pricing rules (how numbers bought from the upstream are priced) and the margins they make. */

export async function showPricingRules(client: BilbyClient, io: Io) {
  emit(io, { results: await client.admin.pricingRules.list() }, (p) =>
    table(p.results, [
      ['type', (r) => r.number_type],
      ['markup', (r) => `${r.markup_percent}%`],
      ['setup +', (r) => dollars(r.setup_markup)],
      ['monthly +', (r) => dollars(r.monthly_markup)],
      ['rounding', (r) => r.rounding],
      ['updated', (r) => r.updated_at],
    ]) + (p.results.length < 4 ? 'Types without a rule are left out of the upstream catalogue sync.\n' : ''),
  );
}

export async function setPricingRule(client: BilbyClient, numberType: NumberType, rule: PricingRuleInput, io: Io) {
  const result = await client.admin.pricingRules.set(numberType, rule);
  emit(io, result, (r) => `${describeRule(r.rule)}; ${r.numbers_repriced} unsold numbers repriced.`);
}

function describeRule(rule: PricingRule): string {
  const rounding = rule.rounding === 'none' ? 'not rounded' : `rounded ${rule.rounding.replaceAll('_', ' ')}`;
  return (
    `${rule.number_type}: upstream cost + ${rule.markup_percent}%, ` +
    `+ ${dollars(rule.setup_markup)} setup, + ${dollars(rule.monthly_markup)} a month, ${rounding}`
  );
}

export async function showMargins(client: BilbyClient, range: { from?: string; to?: string }, io: Io) {
  const report = await client.admin.reports.margins(range);
  emit(io, report, (r) => {
    const rows = [...r.results.map((line) => ({ ...line, label: line.month })), { ...r.totals, label: 'total', number_type: '' }];
    return (
      `Margins ${r.from} to ${r.to}\n` +
      table(rows, [
        ['month', (x) => x.label],
        ['type', (x) => x.number_type],
        ['sales', (x) => x.sales],
        ['revenue', (x) => dollars(x.revenue)],
        ['upstream cost', (x) => dollars(x.upstream_cost)],
        ['margin', (x) => dollars(x.margin)],
      ]) +
      (r.totals.sales_without_upstream_cost > 0
        ? `${r.totals.sales_without_upstream_cost} of the sales had no upstream cost recorded (own ranges, or sold before costs were kept): counted at no cost.\n`
        : '')
    );
  });
}
