import { AppError } from '../../domain/errors.js';
import { numberOf, numbersOf, ownedAtOwnersPrice } from '../../services/account-queries.js';
import type { ServiceDeps } from '../../services/deps.js';
import { checkAvailability, listCities, searchNumbers, viewerOf } from '../../services/number-catalogue.js';
import { accountNumberHistory } from '../../services/number-history.js';
import { releaseAtPeriodEnd, releaseNumber } from '../../services/release-number.js';
import { restoreNumber } from '../../services/restore-number.js';
import { updateNumber } from '../../services/update-number.js';
import { callerOf, sourceOf } from '../auth.js';
import { idempotencyClaimOf } from '../idempotency.js';
import { listBody, pageRequest } from '../cursor.js';
import { presentAvailable, presentNumberEvent, presentOwned, presentRestored } from '../presenters.js';
import { HistoryQuery, NumberHistory } from '../schemas/history-schemas.js';
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
  Restored,
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
        viewerOf(deps, callerOf(request).accountId),
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
    async (request) =>
      presentAvailable(await checkAvailability(deps, request.params.did_number, callerOf(request).pricePlanId, viewerOf(deps, callerOf(request).accountId))),
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
      const page = await numbersOf(deps, callerOf(request).accountId, callerOf(request).pricePlanId, filters, pageRequest({ limit, cursor }));
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
    async (request) => presentOwned(await numberOf(deps, callerOf(request).accountId, callerOf(request).pricePlanId, request.params.did_number)),
  );

  app.get(
    '/phone-numbers/:did_number/history',
    {
      schema: {
        operationId: 'getNumberHistory',
        summary: "A number's history in the caller's hands, newest first [Bilby]",
        description:
          'Purchased, each routing, IPND, description or settings change (before and after), renewed, suspended, reactivated, ' +
          "released and restored, with who (API key id, operator or system) and the request's id. Only the caller's own " +
          "tenures of the number: nothing of another owner's. number_not_found unless the caller holds or once held it.",
        tags: ['Bilby'],
        params: DidNumberParam,
        querystring: HistoryQuery,
        response: { 200: NumberHistory, ...ErrorResponses },
      },
    },
    async (request) => {
      const page = await accountNumberHistory(deps, callerOf(request).accountId, request.params.did_number, pageRequest(request.query));
      return listBody(page, presentNumberEvent);
    },
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
    async (request) => {
      const caller = callerOf(request);
      return presentOwned(await ownedAtOwnersPrice(deps, caller.pricePlanId, await updateNumber(deps, caller.accountId, request.body, sourceOf(request))));
    },
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
      if (request.body?.at_period_end ?? request.query.at_period_end) {
        const release = await releaseAtPeriodEnd(deps, callerOf(request).accountId, didNumber, sourceOf(request), idempotencyClaimOf(request));
        if (release.releaseOn) {
          return { message: `DID number will be released on ${release.releaseOn}, when its paid period ends`, did_number: release.didNumber, release_on: release.releaseOn };
        }
        return { message: 'DID number successfully released', did_number: release.didNumber };
      }
      const released = await releaseNumber(deps, callerOf(request).accountId, didNumber, sourceOf(request), idempotencyClaimOf(request));
      return { message: 'DID number successfully released', did_number: released };
    },
  );

  app.post(
    '/phone-numbers/:did_number/restore',
    {
      schema: {
        operationId: 'restoreNumber',
        summary: 'Take back a number the caller released, within the grace days after the release [Bilby]',
        description:
          'Within BILBY_RELEASE_GRACE_DAYS of a release, the account that released a number may take it back: it is provisioned ' +
          'again with the configuration it had, keeps its anniversary, and only the months begun and not yet paid are charged ' +
          '(none when it comes back within its paid month). Asking again answers the same restore. number_not_found unless the ' +
          'caller made its latest release; not_restorable once the grace days are over (then it waits out its quarantine); ' +
          'insufficient_funds when the balance cannot cover the month due; invalid_address or invalid_person when a record it had is gone, ' +
          'invalid_route when a destination it routed to is no longer the account\'s; upstream_pending while its release is not confirmed yet.',
        tags: ['Bilby'],
        params: DidNumberParam,
        response: { 200: Restored, ...ErrorResponses },
      },
    },
    async (request) =>
      presentRestored(await restoreNumber(deps, callerOf(request).accountId, request.params.did_number, sourceOf(request), idempotencyClaimOf(request))),
  );
}
