import type { BilbyClient, NumberType, PricingRule, PricingRuleInput } from '@bilby/sdk';
import { dollars, emit, table, type Io } from '../io.js';

/** Operator commands on pricing rules: how numbers bought from the upstream are priced. */

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
