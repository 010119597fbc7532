import { AppError } from '../../domain/errors.js';
import { numberOf, numbersOf } from '../../services/account-queries.js';
import type { ServiceDeps } from '../../services/deps.js';
import { checkAvailability, listCities, searchNumbers } from '../../services/number-catalogue.js';
import { releaseNumber } from '../../services/release-number.js';
import { updateNumber } from '../../services/update-number.js';
import { callerOf } from '../auth.js';
import { idempotencyClaimOf } from '../idempotency.js';
import { listBody, pageRequest } from '../cursor.js';
import { presentAvailable, presentOwned } from '../presenters.js';
import { DidNumberParam, ErrorResponses } from '../schemas/common-schemas.js';
import {
  AvailableList,
  AvailableQuery,
  CitiesList,
  CitiesQuery,
  NumberUpdateBody,
  OwnedList,
  OwnedQuery,
  ReleaseBody,
  ReleaseQuery,
  Released,
} from '../schemas/number-schemas.js';
import type { TypedApp } from '../typed-app.js';

const DEFAULT_AVAILABLE_LIMIT = 50;

export function registerNumberRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.get(
    '/phone-numbers/available-numbers',
    {
      schema: {
        operationId: 'listAvailableNumbers',
        summary: 'List numbers that can be bought now',
        description:
          "[Bilby] Prices are the caller's own: a number's own price, else its account's price plan's for the number's type, " +
          'else the default; max_monthly_cost caps those prices.',
        tags: ['CrazyTel'],
        querystring: AvailableQuery,
        response: { 200: AvailableList, ...ErrorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const page = await searchNumbers(
        deps,
        filters,
        pageRequest({ limit, cursor }, DEFAULT_AVAILABLE_LIMIT),
        callerOf(request).pricePlanId,
      );
      return listBody(page, presentAvailable);
    },
  );

  app.get(
    '/phone-numbers/available-numbers/:did_number',
    {
      schema: {
        operationId: 'getAvailableNumber',
        summary: 'Check that one number can be bought now [Bilby]',
        tags: ['Bilby'],
        params: DidNumberParam,
        response: { 200: { $ref: 'AvailableNumber' }, ...ErrorResponses },
      },
    },
    async (request) => presentAvailable(await checkAvailability(deps, request.params.did_number, callerOf(request).pricePlanId)),
  );

  app.get(
    '/phone-numbers/cities',
    {
      schema: {
        operationId: 'listCities',
        summary: 'Cities that have available numbers',
        tags: ['CrazyTel'],
        querystring: CitiesQuery,
        response: { 200: CitiesList, ...ErrorResponses },
      },
    },
    async (request) => ({
      results: await listCities(deps, request.query.country ?? 'AU', request.query.state),
    }),
  );

  app.get(
    '/phone-numbers',
    {
      schema: {
        operationId: 'listNumbers',
        summary: "The caller's numbers",
        tags: ['CrazyTel'],
        querystring: OwnedQuery,
        response: { 200: OwnedList, ...ErrorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const page = await numbersOf(deps, callerOf(request).accountId, filters, pageRequest({ limit, cursor }));
      return listBody(page, presentOwned);
    },
  );

  app.get(
    '/phone-numbers/:did_number',
    {
      schema: {
        operationId: 'getNumber',
        summary: "One of the caller's numbers, with its configuration",
        tags: ['CrazyTel'],
        params: DidNumberParam,
        response: { 200: { $ref: 'OwnedNumber' }, ...ErrorResponses },
      },
    },
    async (request) => presentOwned(await numberOf(deps, callerOf(request).accountId, request.params.did_number)),
  );

  app.patch(
    '/phone-numbers',
    {
      schema: {
        operationId: 'updateNumber',
        summary: 'Update a number; fields left out stay as they are',
        tags: ['CrazyTel'],
        body: NumberUpdateBody,
        response: { 200: { $ref: 'OwnedNumber' }, ...ErrorResponses },
      },
    },
    async (request) => presentOwned(await updateNumber(deps, callerOf(request).accountId, request.body)),
  );

  app.delete(
    '/phone-numbers',
    {
      // CrazyTel clients may send did_number in the query with no body at all.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: {
        operationId: 'releaseNumber',
        summary: 'Release a number (did_number in the body or the query)',
        tags: ['CrazyTel'],
        body: ReleaseBody,
        querystring: ReleaseQuery,
        response: { 200: Released, ...ErrorResponses },
      },
    },
    async (request) => {
      const didNumber = request.body?.did_number ?? request.query.did_number;
      if (!didNumber) {
        throw new AppError('invalid_request', 'did_number is required', {
          errors: [{ field: 'did_number', message: 'is required' }],
        });
      }
      const released = await releaseNumber(deps, callerOf(request).accountId, didNumber, idempotencyClaimOf(request));
      return { message: 'DID number successfully released', did_number: released };
    },
  );
}
