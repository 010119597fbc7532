import { Type, type Static } from 'typebox';
import { invalidRequest } from '../../domain/errors.js';
import type { NumberType } from '../../domain/phone-number.js';
import type { PlanTypePrice, PricePlan } from '../../domain/price-plan.js';
import type { ServiceDeps } from '../../services/deps.js';
import { assignPricePlan, changePricePlan, createPricePlan, pricePlan, pricePlans, removePricePlan } from '../../services/price-plans.js';
import { presentAdminAccount, presentPricePlan } from '../admin-presenters.js';
import { basisPointsOf, centsOf } from '../money-input.js';
import { AccountIdParam } from '../schemas/admin-schemas.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import { AccountPricePlanBody, NewPricePlanBody, PricePlanIdParam, PricePlanList, PricePlanPatch } from '../schemas/price-plan-schemas.js';
import type { TypedApp } from '../typed-app.js';

const tags = ['Operator'];
const PlanRef = Type.Ref('PricePlan');

/** Price plans, and which plan each account is on. */
export function registerAdminPricePlanRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.get(
    '/price-plans',
    {
      schema: {
        operationId: 'listPricePlans',
        summary: 'Price plans, by name',
        tags,
        response: { 200: PricePlanList, ...ErrorResponses },
      },
    },
    async () => ({ results: (await pricePlans(deps)).map(presentPricePlan) }),
  );

  app.post(
    '/price-plans',
    {
      schema: {
        operationId: 'createPricePlan',
        summary: 'Create a price plan (409 already_exists for a name in use)',
        tags,
        body: NewPricePlanBody,
        response: { 201: PlanRef, ...ErrorResponses },
      },
    },
    async (request, reply) => {
      const plan = await createPricePlan(deps, { name: request.body.name, prices: planPricesOf(request.body.prices) });
      return reply.code(201).send(presentPricePlan(plan));
    },
  );

  app.get(
    '/price-plans/:price_plan_id',
    {
      schema: { operationId: 'getPricePlan', summary: 'One price plan', tags, params: PricePlanIdParam, response: { 200: PlanRef, ...ErrorResponses } },
    },
    async (request) => presentPricePlan(await pricePlan(deps, request.params.price_plan_id)),
  );

  app.patch(
    '/price-plans/:price_plan_id',
    {
      schema: {
        operationId: 'updatePricePlan',
        summary: "Rename a plan or replace its prices: its accounts' searches, quotes and purchases follow at once, renewals from the next period",
        tags,
        params: PricePlanIdParam,
        body: PricePlanPatch,
        response: { 200: PlanRef, ...ErrorResponses },
      },
    },
    async (request) => {
      const { name, prices } = request.body;
      const changes = { ...(name === undefined ? {} : { name }), ...(prices === undefined ? {} : { prices: planPricesOf(prices) }) };
      return presentPricePlan(await changePricePlan(deps, request.params.price_plan_id, changes));
    },
  );

  app.delete(
    '/price-plans/:price_plan_id',
    {
      schema: {
        operationId: 'deletePricePlan',
        summary: 'Delete a price plan (409 in_use while an account is on it)',
        tags,
        params: PricePlanIdParam,
        response: { 200: PlanRef, ...ErrorResponses },
      },
    },
    async (request) => presentPricePlan(await removePricePlan(deps, request.params.price_plan_id)),
  );

  app.put(
    '/accounts/:account_id/price-plan',
    {
      schema: {
        operationId: 'setAccountPricePlan',
        summary: 'Put an account on a price plan, or (null) back on the default prices',
        description:
          'Its searches, quotes and purchases are priced by the plan at once (searches in other server processes within ' +
          'two seconds); its renewals from the next period charged. 400 invalid_request for an unknown plan.',
        tags,
        params: AccountIdParam,
        body: AccountPricePlanBody,
        response: { 200: Type.Ref('AdminAccount'), ...ErrorResponses },
      },
    },
    async (request) => presentAdminAccount(await assignPricePlan(deps, request.params.account_id, request.body.price_plan_id)),
  );
}

type PriceInput = Static<typeof NewPricePlanBody>['prices'][number];

/** The body's prices by type: each fixed or a markup, never both, and one per type. */
function planPricesOf(inputs: PriceInput[]): PricePlan['prices'] {
  const prices: Partial<Record<NumberType, PlanTypePrice>> = {};
  inputs.forEach((input, i) => {
    const field = `prices[${i}]`;
    if (prices[input.number_type]) throw invalidRequest(field, `${input.number_type} has more than one price`);
    const fixed = input.setup_cost !== undefined || input.monthly_cost !== undefined;
    const markup = input.markup_percent !== undefined || input.setup_markup !== undefined || input.monthly_markup !== undefined || input.rounding !== undefined;
    if (fixed && markup) throw invalidRequest(field, 'is either a fixed price (setup_cost, monthly_cost) or a markup, not both');
    if (fixed) {
      if (input.setup_cost === undefined || input.monthly_cost === undefined) throw invalidRequest(field, 'a fixed price needs setup_cost and monthly_cost');
      prices[input.number_type] = {
        basis: 'fixed',
        setupCents: centsOf(`${field}.setup_cost`, input.setup_cost),
        monthlyCents: centsOf(`${field}.monthly_cost`, input.monthly_cost),
      };
      return;
    }
    if (!markup) throw invalidRequest(field, 'give a fixed price (setup_cost, monthly_cost) or a markup (markup_percent, setup_markup, monthly_markup, rounding)');
    prices[input.number_type] = {
      basis: 'markup',
      markupBasisPoints: basisPointsOf(`${field}.markup_percent`, input.markup_percent ?? 0),
      setupMarkupCents: centsOf(`${field}.setup_markup`, input.setup_markup ?? 0),
      monthlyMarkupCents: centsOf(`${field}.monthly_markup`, input.monthly_markup ?? 0),
      rounding: input.rounding ?? 'none',
    };
  });
  return prices;
}
