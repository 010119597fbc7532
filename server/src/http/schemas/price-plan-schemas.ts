import { Type } from 'typebox';
import { NUMBER_TYPES } from '../../domain/phone-number.js';
import { Dollars, Nullable, NumberTypeRef, RoundingRuleRef, StringEnum } from './common-schemas.js';

const Price = (description: string) => Type.Number({ minimum: 0, maximum: 10_000, description: `${description}: AUD dollars, at most two decimals` });

const PlanPriceInput = Type.Object(
  {
    number_type: NumberTypeRef(),
    setup_cost: Type.Optional(Price('A fixed setup price')),
    monthly_cost: Type.Optional(Price('A fixed monthly price')),
    markup_percent: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'Markup: a percentage of the upstream cost, at most two decimals' })),
    setup_markup: Type.Optional(Price('Markup: a fixed amount added to the setup cost')),
    monthly_markup: Type.Optional(Price('Markup: a fixed amount added to the monthly cost')),
    rounding: Type.Optional(RoundingRuleRef()),
  },
  {
    additionalProperties: false,
    description:
      'Either a fixed price (setup_cost and monthly_cost, both) or a markup over the upstream cost (any of markup_percent, ' +
      'setup_markup, monthly_markup and rounding; those left out are 0 and none), never both',
  },
);

const planPrices = (description: string) => Type.Array(PlanPriceInput, { maxItems: NUMBER_TYPES.length, description });
const PLAN_PRICES = 'At most one price per number type; a type left out keeps the default price';

export const NewPricePlanBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), prices: planPrices(PLAN_PRICES) },
  { additionalProperties: false },
);

export const PricePlanPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    prices: Type.Optional(planPrices(`Replaces every price of the plan. ${PLAN_PRICES}`)),
  },
  { additionalProperties: false },
);

export const PricePlan = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    prices: Type.Array(
      Type.Object({
        number_type: NumberTypeRef(),
        basis: StringEnum(['fixed', 'markup'] as const),
        setup_cost: Nullable(Dollars),
        monthly_cost: Nullable(Dollars),
        markup_percent: Nullable(Type.Number()),
        setup_markup: Nullable(Dollars),
        monthly_markup: Nullable(Dollars),
        rounding: Nullable(RoundingRuleRef()),
      }),
      { description: 'By number type; the fields of the other basis are null' },
    ),
    accounts: Type.Integer({ description: 'Accounts on the plan' }),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  {
    $id: 'PricePlan',
    description:
      "Prices for the accounts on the plan. A number's own price (set with PUT /numbers/{did_number}/price) comes first; " +
      "then the plan's price for its type: fixed, or setup = upstream cost + cost × markup_percent / 100 + setup_markup " +
      '(monthly likewise), rounded up by `rounding`, for numbers with an upstream cost (others keep the default price); ' +
      'a type the plan leaves out keeps the default price. A change applies to searches, quotes and purchases at once ' +
      'and to renewals from the next period charged.',
  },
);

export const PricePlanList = Type.Object({ results: Type.Array(Type.Ref('PricePlan')) });
export const PricePlanIdParam = Type.Object({ price_plan_id: Type.String() });
export const AccountPricePlanBody = Type.Object(
  { price_plan_id: Nullable(Type.String({ maxLength: 64, description: 'A plan id; null: the default prices' })) },
  { additionalProperties: false },
);
