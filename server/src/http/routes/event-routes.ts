import { eventsOf } from '../../services/account-events.js';
import type { ServiceDeps } from '../../services/deps.js';
import { callerOf } from '../auth.js';
import { listBody, pageRequest } from '../cursor.js';
import { presentAccountEvent } from '../presenters.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import { EventList, EventQuery } from '../schemas/event-schemas.js';
import type { TypedApp } from '../typed-app.js';

const DEFAULT_EVENTS_LIMIT = 100;

export function registerEventRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.get(
    '/events',
    {
      schema: {
        operationId: 'listEvents',
        summary: "The account's events after a cursor, oldest first [Bilby]",
        description:
          'Each event is written in the transaction of the change it reports: number.purchased, purchase.failed, purchase.pending, ' +
          'number.updated, number.released, number.restored, number.suspended, number.reactivated. Poll with `after` set to the last ' +
          "event's cursor (or the page's next_cursor); an empty page's next_cursor is null: ask again with the same `after`.",
        tags: ['Bilby'],
        querystring: EventQuery,
        response: { 200: EventList, ...ErrorResponses },
      },
    },
    async (request) => {
      const { after, cursor, limit } = request.query;
      const page = await eventsOf(deps, callerOf(request).accountId, pageRequest({ limit, cursor: cursor ?? after }, DEFAULT_EVENTS_LIMIT));
      return listBody(page, presentAccountEvent);
    },
  );
}
