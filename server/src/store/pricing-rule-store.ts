import type { NumberType } from '../domain/phone-number.js';
import type { Executor } from './database.js';
import type { PricingRuleRow } from './tables.js';

export async function listPricingRules(ex: Executor): Promise<PricingRuleRow[]> {
  return ex.selectFrom('pricing_rule').selectAll().orderBy('number_type').execute();
}

export async function findPricingRule(ex: Executor, numberType: NumberType): Promise<PricingRuleRow | undefined> {
  return ex.selectFrom('pricing_rule').selectAll().where('number_type', '=', numberType).executeTakeFirst();
}

export async function upsertPricingRule(ex: Executor, rule: PricingRuleRow): Promise<void> {
  const { number_type: _type, ...changes } = rule;
  await ex
    .insertInto('pricing_rule')
    .values(rule)
    .onConflict((oc) => oc.column('number_type').doUpdateSet(changes))
    .execute();
}
