import { invalidRequest } from '../../domain/errors.js';
import type { ServiceDeps } from '../../services/deps.js';
import { extendReservations, releaseReservations, reservationsOf, reserveNumbers } from '../../services/reserve-numbers.js';
import type { HeldNumber } from '../../domain/reservation.js';
import { callerOf } from '../auth.js';
import { noBodyAsEmpty } from '../json-body.js';
import { DidNumberParam, ErrorResponses } from '../schemas/common-schemas.js';
import {
  ExtendReservationBody,
  ExtendReservationsBody,
  NewReservationBody,
  ReleasedReservations,
  ReleaseReservationsBody,
  ReservationAnswer,
  ReservationList,
} from '../schemas/reservation-schemas.js';
import type { TypedApp } from '../typed-app.js';

const tags = ['Bilby'];

/** Reservations: numbers held for the caller for a few minutes, while it decides. */
export function registerReservationRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.post(
    '/phone-numbers/reservations',
    {
      schema: {
        operationId: 'reserveNumbers',
        summary: 'Hold numbers for a few minutes: nobody else can buy them, and the caller buys them as usual [Bilby]',
        description:
          'The hold ends at `expires_at` whatever happens meanwhile (event `reservation.expired` when its number was not bought). ' +
          'One did_number that cannot be held: 404 number_unavailable with alternatives; of did_numbers, those are listed in `unavailable`. ' +
          '409 limit_reached past the numbers an account may hold at once.',
        tags,
        body: NewReservationBody,
        response: { 201: ReservationAnswer, ...ErrorResponses },
      },
    },
    async (request, reply) => {
      const { did_number, did_numbers, minutes } = request.body;
      if ((did_number === undefined) === (did_numbers === undefined)) throw invalidRequest('did_number', 'give did_number or did_numbers, one of them');
      const outcome = await reserveNumbers(deps, callerOf(request).accountId, {
        didNumbers: did_number === undefined ? did_numbers! : [did_number],
        single: did_number !== undefined,
        ...(minutes === undefined ? {} : { minutes }),
      });
      return reply.code(201).send({ results: outcome.reserved.map(presentReservation), unavailable: outcome.unavailable });
    },
  );

  app.get(
    '/phone-numbers/reservations',
    { schema: { operationId: 'listReservations', summary: 'The numbers held for the caller now [Bilby]', tags, response: { 200: ReservationList, ...ErrorResponses } } },
    async (request) => ({ results: (await reservationsOf(deps, callerOf(request).accountId)).map(presentReservation) }),
  );

  app.patch(
    '/phone-numbers/reservations',
    {
      preValidation: noBodyAsEmpty,
      schema: {
        operationId: 'extendReservations',
        summary: 'Hold the caller’s numbers longer: each until `minutes` from now, at most until its extendable_until [Bilby]',
        tags,
        body: ExtendReservationsBody,
        response: { 200: ReservationList, ...ErrorResponses },
      },
    },
    async (request) => {
      const { did_numbers, minutes } = request.body ?? {};
      const extended = await extendReservations(deps, callerOf(request).accountId, { didNumbers: did_numbers ?? null, single: false, ...(minutes === undefined ? {} : { minutes }) });
      return { results: extended.map(presentReservation) };
    },
  );

  app.delete(
    '/phone-numbers/reservations',
    {
      preValidation: noBodyAsEmpty,
      schema: { operationId: 'releaseReservations', summary: 'Let the caller’s held numbers go now [Bilby]', tags, body: ReleaseReservationsBody, response: { 200: ReleasedReservations, ...ErrorResponses } },
    },
    async (request) => ({ released: await releaseReservations(deps, callerOf(request).accountId, { didNumbers: request.body?.did_numbers ?? null, single: false }) }),
  );

  app.patch(
    '/phone-numbers/reservations/:did_number',
    {
      preValidation: noBodyAsEmpty,
      schema: {
        operationId: 'extendReservation',
        summary: 'Hold one number longer (404 not_found when the caller does not hold it) [Bilby]',
        tags,
        params: DidNumberParam,
        body: ExtendReservationBody,
        response: { 200: Reservation, ...ErrorResponses },
      },
    },
    async (request) => {
      const minutes = request.body?.minutes;
      const [extended] = await extendReservations(deps, callerOf(request).accountId, { didNumbers: [request.params.did_number], single: true, ...(minutes === undefined ? {} : { minutes }) });
      return presentReservation(extended!);
    },
  );

  app.delete(
    '/phone-numbers/reservations/:did_number',
    {
      schema: { operationId: 'releaseReservation', summary: 'Let one held number go now (404 not_found when the caller does not hold it) [Bilby]', tags, params: DidNumberParam, response: { 200: ReleasedReservations, ...ErrorResponses } },
    },
    async (request) => ({ released: await releaseReservations(deps, callerOf(request).accountId, { didNumbers: [request.params.did_number], single: true }) }),
  );
}

const Reservation = { $ref: 'Reservation' } as const;

function presentReservation(hold: HeldNumber) {
  return { did_number: hold.did_number, expires_at: hold.expires_at, extendable_until: hold.limit_at, created_at: hold.created_at };
}
