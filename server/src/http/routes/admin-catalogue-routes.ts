import { pricingRules, setPricingRule } from '../../services/pricing-rules.js';
import { presentPricingRule } from '../admin-presenters.js';
import { basisPointsOf, centsOf } from '../money-input.js';
import { NumberTypeParam } from '../schemas/admin-schemas.js';
import { PricingRuleBody, PricingRuleList, SetPricingRuleResponse } from '../schemas/catalogue-schemas.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import type { ServiceDeps } from '../../services/deps.js';
import type { TypedApp } from '../typed-app.js';

const tags = ['Operator'];

/** The upstream catalogue as the operator runs it: the pricing rules. */
export function registerAdminCatalogueRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.get(
    '/pricing-rules',
    {
      schema: {
        operationId: 'listPricingRules',
        summary: "Pricing rules per number type: how upstream numbers' prices are made from their upstream cost",
        tags,
        response: { 200: PricingRuleList, ...ErrorResponses },
      },
    },
    async () => ({ results: (await pricingRules(deps)).map(presentPricingRule) }),
  );

  app.put(
    '/pricing-rules/:number_type',
    {
      schema: {
        operationId: 'setPricingRule',
        summary: "Set a number type's pricing rule; its unsold upstream numbers without their own price follow it at once",
        description:
          'setup = cost + cost × markup_percent / 100 + setup_markup, and monthly likewise with monthly_markup (half a cent of ' +
          'percentage rounds up); each is then rounded up by `rounding` (a price of $0 stays $0). Fields left out are 0 and `none`.',
        tags,
        params: NumberTypeParam,
        body: PricingRuleBody,
        response: { 200: SetPricingRuleResponse, ...ErrorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      const { rule, repriced } = await setPricingRule(deps, {
        numberType: request.params.number_type,
        markupBasisPoints: basisPointsOf('markup_percent', body.markup_percent ?? 0),
        setupMarkupCents: centsOf('setup_markup', body.setup_markup ?? 0),
        monthlyMarkupCents: centsOf('monthly_markup', body.monthly_markup ?? 0),
        rounding: body.rounding ?? 'none',
      });
      return { rule: presentPricingRule(rule), numbers_repriced: repriced };
    },
  );
}
