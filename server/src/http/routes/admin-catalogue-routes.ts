import { catalogueSyncRun, latestCatalogueSyncRuns } from '../../services/catalogue-sync-runs.js';
import { pricingRules, setPricingRule } from '../../services/pricing-rules.js';
import { startCatalogueSync } from '../../services/sync-catalogue.js';
import { presentCatalogueSync, presentPricingRule } from '../admin-presenters.js';
import { basisPointsOf, centsOf } from '../money-input.js';
import { NumberTypeParam } from '../schemas/admin-schemas.js';
import {
  CatalogueSyncList,
  PricingRuleBody,
  PricingRuleList,
  SetPricingRuleResponse,
  SyncIdParam,
  SyncListQuery,
} from '../schemas/catalogue-schemas.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import { Type } from 'typebox';
import type { ServiceDeps } from '../../services/deps.js';
import type { TypedApp } from '../typed-app.js';

const tags = ['Operator'];

const SyncRef = Type.Ref('CatalogueSync');

/** The upstream catalogue as the operator runs it: the pricing rules and the syncs. */
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

  app.post(
    '/inventory/sync',
    {
      schema: {
        operationId: 'startCatalogueSync',
        summary: "Start a sync of the upstream's catalogue; follow it at /inventory/syncs/{sync_id}",
        description:
          "Reads what the upstream offers (number types with a pricing rule only, on the upstream budget's background " +
          'priority), adds numbers new upstream at the rule\'s price, reprices unsold ones whose upstream cost or rule ' +
          'changed, and withdraws unsold ones the upstream no longer offers. Sold numbers and numbers of other carriers ' +
          '(own ranges) are never changed. 409 upstream_not_configured without an upstream carrier; 409 sync_in_progress ' +
          'while any server process runs a sync.',
        tags,
        response: { 202: SyncRef, ...ErrorResponses },
      },
    },
    async (_request, reply) => reply.code(202).send(presentCatalogueSync(await startCatalogueSync(deps, 'operator'))),
  );

  app.get(
    '/inventory/syncs',
    {
      schema: {
        operationId: 'listCatalogueSyncs',
        summary: 'The latest catalogue syncs, newest first, running or finished',
        tags,
        querystring: SyncListQuery,
        response: { 200: CatalogueSyncList, ...ErrorResponses },
      },
    },
    async (request) => ({ results: (await latestCatalogueSyncRuns(deps, request.query.limit ?? 20)).map(presentCatalogueSync) }),
  );

  app.get(
    '/inventory/syncs/:sync_id',
    {
      schema: {
        operationId: 'getCatalogueSync',
        summary: "One catalogue sync: its progress while it runs, its report once finished",
        tags,
        params: SyncIdParam,
        response: { 200: SyncRef, ...ErrorResponses },
      },
    },
    async (request) => presentCatalogueSync(await catalogueSyncRun(deps, request.params.sync_id)),
  );
}
