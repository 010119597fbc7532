import { Type } from 'typebox';
import { Dollars, NumberTypeRef, RoundingRuleRef } from './common-schemas.js';

/** A markup in dollars; none when left out. */
const Markup = () => Type.Number({ minimum: 0, maximum: 10_000, default: 0, description: 'AUD dollars, at most two decimals' });

export const PricingRule = Type.Object(
  {
    number_type: NumberTypeRef(),
    markup_percent: Type.Number({ description: 'Percentage of the upstream cost added to it, e.g. 25 or 12.5' }),
    setup_markup: Dollars,
    monthly_markup: Dollars,
    rounding: RoundingRuleRef(),
    updated_at: Type.String(),
  },
  {
    $id: 'PricingRule',
    description:
      "The price of a number type's upstream numbers: setup = cost + cost × markup_percent / 100 + setup_markup, monthly likewise " +
      'with monthly_markup (half a cent of percentage rounds up), then each rounded by `rounding`',
  },
);
export const PricingRuleList = Type.Object({ results: Type.Array(Type.Ref('PricingRule')) });
export const PricingRuleBody = Type.Object({
  markup_percent: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, default: 0, description: 'At most two decimals' })),
  setup_markup: Type.Optional(Markup()),
  monthly_markup: Type.Optional(Markup()),
  rounding: Type.Optional(RoundingRuleRef({ default: 'none' })),
});
export const SetPricingRuleResponse = Type.Object({
  rule: Type.Ref('PricingRule'),
  numbers_repriced: Type.Integer({ description: 'Unsold numbers of the type, following the rule, whose price changed' }),
});
