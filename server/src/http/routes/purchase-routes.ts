import { centsToDollars } from '../../domain/money.js';
import { orderOf, ordersOf } from '../../services/account-queries.js';
import type { ServiceDeps } from '../../services/deps.js';
import { purchaseNumber, quotePurchase } from '../../services/purchase-number.js';
import { callerOf, sourceOf } from '../auth.js';
import { listBody, pageRequest } from '../cursor.js';
import { idempotencyClaimOf } from '../idempotency.js';
import { presentOrder, presentPurchaseSuccess } from '../presenters.js';
import { errorAnswer, ErrorResponses } from '../schemas/common-schemas.js';
import {
  isDryRun,
  ListQuery,
  OrderList,
  OrderParam,
  PurchaseBody,
  PurchaseQuery,
  PurchaseQuote,
  PurchaseSuccess,
} from '../schemas/purchase-schemas.js';
import type { TypedApp } from '../typed-app.js';

export function registerPurchaseRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.post(
    '/phone-numbers/purchase',
    {
      schema: {
        operationId: 'purchaseNumber',
        summary: 'Buy one number and route it',
        description:
          "Charges setup_cost plus the first monthly_cost, at the caller's own prices (its price plan's, where it has one [Bilby]). " +
          'With ?dry_run=true (or 1) [Bilby], runs every check and returns the quote without buying.',
        tags: ['CrazyTel'],
        querystring: PurchaseQuery,
        body: PurchaseBody,
        response: {
          200: { anyOf: [PurchaseSuccess, PurchaseQuote] },
          400: errorAnswer(
            'invalid_request (`errors` names each field), invalid_json, invalid_number, invalid_address, invalid_person, ' +
              'invalid_route or insufficient_funds: nothing is ordered, charged or held',
          ),
          404: errorAnswer(
            'number_unavailable: not in stock, sold, in quarantine or in another purchase; `alternatives` lists up to 5 ' +
              'available numbers like it, same area code and type first',
          ),
          500: errorAnswer(
            'upstream_error: the carrier refused, the order failed and its hold was voided (`retryable` true); ' +
              'upstream_pending: the carrier did not answer in time, `order_id` names the pending order and a retry with ' +
              'the same Idempotency-Key answers its outcome; internal_error',
          ),
          ...ErrorResponses,
        },
      },
    },
    async (request) => {
      const accountId = callerOf(request).accountId;
      if (isDryRun(request.query)) {
        const quote = await quotePurchase(deps, accountId, request.body);
        return {
          message: 'DID number can be purchased',
          did_number: quote.didNumber,
          charged: centsToDollars(quote.chargeCents),
          balance: centsToDollars(quote.balanceCents),
          balance_after: centsToDollars(quote.balanceAfterCents),
        };
      }
      const done = await purchaseNumber(deps, accountId, request.body, sourceOf(request), idempotencyClaimOf(request));
      return presentPurchaseSuccess(done.order, done.balanceCents);
    },
  );

  app.get(
    '/phone-numbers/orders',
    {
      schema: {
        operationId: 'listOrders',
        summary: 'Purchase orders, newest first [Bilby]',
        tags: ['Bilby'],
        querystring: ListQuery,
        response: { 200: OrderList, ...ErrorResponses },
      },
    },
    async (request) => listBody(await ordersOf(deps, callerOf(request).accountId, pageRequest(request.query)), presentOrder),
  );

  app.get(
    '/phone-numbers/orders/:order_id',
    {
      schema: {
        operationId: 'getOrder',
        summary: 'One purchase order [Bilby]',
        tags: ['Bilby'],
        params: OrderParam,
        response: { 200: { $ref: 'Order' }, ...ErrorResponses },
      },
    },
    async (request) => presentOrder(await orderOf(deps, callerOf(request).accountId, request.params.order_id)),
  );
}
