import { Type } from 'typebox';
import { MAX_RESERVATION_NUMBERS } from '../../services/reserve-numbers.js';

export const Reservation = Type.Object(
  {
    did_number: Type.String(),
    expires_at: Type.String({ description: 'The hold ends at this instant: the number is for sale to anyone again' }),
    extendable_until: Type.String({ description: 'The latest a PATCH can move expires_at to' }),
    created_at: Type.String(),
  },
  { $id: 'Reservation' },
);

const Minutes = Type.Integer({ minimum: 1, description: 'How long to hold, in minutes (the operator sets the default and the maximum)' });
const DidNumbers = Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: MAX_RESERVATION_NUMBERS });

export const NewReservationBody = Type.Object(
  {
    did_number: Type.Optional(Type.String({ maxLength: 64, description: 'One number to hold' })),
    did_numbers: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: MAX_RESERVATION_NUMBERS, description: `Or up to ${MAX_RESERVATION_NUMBERS} numbers` })),
    minutes: Type.Optional(Minutes),
  },
  { additionalProperties: false, description: 'Either did_number or did_numbers' },
);

export const ReservationAnswer = Type.Object({
  results: Type.Array(Type.Ref('Reservation'), { description: 'The numbers now held for the caller (those it held already, extended)' }),
  unavailable: Type.Array(Type.String(), { description: 'The numbers not held: not for sale, or held by another account' }),
});

export const ReservationList = Type.Object({ results: Type.Array(Type.Ref('Reservation')) });

export const ExtendReservationsBody = Type.Object(
  { did_numbers: Type.Optional(DidNumbers), minutes: Type.Optional(Minutes) },
  { additionalProperties: false, description: 'Without did_numbers, every hold of the caller' },
);

export const ExtendReservationBody = Type.Object({ minutes: Type.Optional(Minutes) }, { additionalProperties: false });

export const ReleaseReservationsBody = Type.Object(
  { did_numbers: Type.Optional(DidNumbers) },
  { additionalProperties: false, description: 'Without did_numbers, every hold of the caller' },
);

export const ReleasedReservations = Type.Object({ released: Type.Array(Type.String()) });
