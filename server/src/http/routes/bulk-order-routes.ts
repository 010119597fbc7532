import { Type } from 'typebox';
import { AppError } from '../../domain/errors.js';
import { bulkOrderOf, placeBulkOrder } from '../../services/bulk-order.js';
import type { ServiceDeps } from '../../services/deps.js';
import { callerOf, sourceOf } from '../auth.js';
import { idempotencyClaimOf } from '../idempotency.js';
import { presentBulkOrder } from '../presenters.js';
import { BulkOrderBody, BulkOrderIdParam } from '../schemas/bulk-order-schemas.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import type { TypedApp } from '../typed-app.js';

const tags = ['Bilby'];
const BulkOrderRef = Type.Ref('BulkOrder');

/** Bulk and criteria orders: up to 100 numbers in one request, one order with a line per number. */
export function registerBulkOrderRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.post(
    '/phone-numbers/orders',
    {
      schema: {
        operationId: 'placeBulkOrder',
        summary: 'Buy up to 100 numbers at once, named or chosen by criteria, with one funds check [Bilby]',
        description:
          'all_or_nothing (the default) reserves every number or none: 404 number_unavailable naming those that cannot be had. Otherwise ' +
          'those lines are refused and the rest bought. 400 insufficient_funds when the numbers together cost more than the available balance. ' +
          'Each reserved line is then provisioned as a purchase of its own: a carrier refusal fails that line alone, refunded. ' +
          'With an Idempotency-Key a retry answers the same order.',
        tags,
        body: BulkOrderBody,
        response: { 201: BulkOrderRef, ...ErrorResponses },
      },
    },
    async (request, reply) => {
      const { did_numbers, criteria, all_or_nothing, ...purchase } = request.body;
      const view = await placeBulkOrder(
        deps,
        callerOf(request).accountId,
        {
          ...(did_numbers ? { didNumbers: did_numbers } : {}),
          ...(criteria ? { criteria } : {}),
          allOrNothing: all_or_nothing ?? true,
          purchase,
        },
        sourceOf(request),
        idempotencyClaimOf(request),
      );
      return reply.code(201).send(presentBulkOrder(view));
    },
  );

  app.get(
    '/phone-numbers/orders/bulk/:bulk_order_id',
    {
      schema: { operationId: 'getBulkOrder', summary: 'A bulk order with each line’s outcome now [Bilby]', tags, params: BulkOrderIdParam, response: { 200: BulkOrderRef, ...ErrorResponses } },
    },
    async (request) => {
      const view = await bulkOrderOf(deps, callerOf(request).accountId, request.params.bulk_order_id);
      if (!view) throw new AppError('not_found', `No bulk order ${request.params.bulk_order_id} on this account`);
      return presentBulkOrder(view);
    },
  );
}
