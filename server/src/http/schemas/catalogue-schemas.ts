import { Type } from 'typebox';
import { Dollars, Nullable, NumberTypeRef, RoundingRuleRef, StringEnum } from './common-schemas.js';

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

export const CatalogueSync = Type.Object(
  {
    id: Type.String(),
    carrier: Type.String({ description: 'The upstream carrier synced' }),
    status: StringEnum(['running', 'completed', 'failed'] as const),
    started_by: StringEnum(['operator', 'schedule'] as const, { description: 'The operator (POST /inventory/sync) or BILBY_UPSTREAM_SYNC_INTERVAL' }),
    slices_total: Type.Integer({ description: "Parts of the upstream's listing the sync reads: by country, number type and (Australian geographic) state" }),
    slices_done: Type.Integer(),
    pages_read: Type.Integer({ description: 'Upstream requests made for listing pages' }),
    numbers_seen: Type.Integer({ description: 'Numbers the upstream offers, read so far' }),
    added: Type.Integer({ description: 'Numbers put on sale: new upstream, or offered again after being withdrawn as gone' }),
    repriced: Type.Integer({ description: 'Unsold numbers whose upstream cost or rule price changed' }),
    withdrawn: Type.Integer({ description: 'Unsold numbers taken off sale because the upstream no longer offers them' }),
    unchanged: Type.Integer({ description: 'Numbers the upstream offers that were left as they were (sold ones and other carriers\' too)' }),
    skipped_types: Type.Array(NumberTypeRef(), { description: 'Number types with no pricing rule: not synced' }),
    error: Nullable(Type.String({ description: 'Why a failed sync stopped; what it did before stays done' })),
    started_at: Type.String(),
    updated_at: Type.String(),
    finished_at: Nullable(Type.String()),
  },
  { $id: 'CatalogueSync' },
);
export const CatalogueSyncList = Type.Object({ results: Type.Array(Type.Ref('CatalogueSync')) });
export const SyncIdParam = Type.Object({ sync_id: Type.String() });
export const SyncListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) });
