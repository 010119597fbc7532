import { Type } from 'typebox';
import { COUNTRIES } from '../../domain/phone-number.js';
import { Dollars, NextCursor, Nullable, NumberTypeRef, PageQuery, StateRef, StringEnum } from './common-schemas.js';

export const AvailableQuery = Type.Object({
  country: Type.Optional(StringEnum(COUNTRIES, { default: 'AU' })),
  state: Type.Optional(StateRef()),
  city: Type.Optional(Type.String({ maxLength: 100 })),
  number_type: Type.Optional(NumberTypeRef()),
  starts_with: Type.Optional(Type.String({ maxLength: 20, description: 'Digits in any accepted number form' })),
  contains: Type.Optional(Type.String({ maxLength: 15, description: 'Digits, or letters as on a keypad' })),
  ends_with: Type.Optional(Type.String({ maxLength: 15 })),
  max_monthly_cost: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
  ...PageQuery,
});

export const AvailableList = Type.Object({
  results: Type.Array(Type.Ref('AvailableNumber')),
  next_cursor: NextCursor,
});

export const CitiesQuery = Type.Object({
  country: Type.Optional(StringEnum(COUNTRIES, { default: 'AU' })),
  state: Type.Optional(StateRef()),
});

export const CitiesList = Type.Object({ results: Type.Array(Type.String()) });

export const BlockPrefs = Type.Object({
  block_invalid: Type.Boolean(),
  block_hidden: Type.Boolean(),
  block_international: Type.Boolean(),
  block_landline: Type.Boolean(),
  block_mobile: Type.Boolean(),
  block_list: Type.Array(Type.String()),
  allow_list: Type.Array(Type.String()),
  route: Nullable(Type.String()),
  destination: Nullable(Type.String()),
});

export const SmsRoutes = Type.Object({ route: Type.String(), destination: Type.String() });

export const OwnedNumber = Type.Object(
  {
    did_number: Type.String(),
    number_type: Type.String(),
    country: Type.String(),
    state: Nullable(Type.String()),
    city: Nullable(Type.String()),
    area_code: Nullable(Type.String()),
    setup_cost: Dollars,
    monthly_cost: Dollars,
    status: Type.String({ enum: ['active', 'suspended'], description: 'suspended while a renewal is unpaid: still yours, routing kept' }),
    description: Nullable(Type.String()),
    primary_route: Nullable(Type.String()),
    primary_destination: Nullable(Type.String()),
    primary_timeout: Nullable(Type.Integer()),
    backup_route: Nullable(Type.String()),
    backup_destination: Nullable(Type.String()),
    backup_timeout: Nullable(Type.Integer()),
    max_channels: Nullable(Type.Integer()),
    block_premium: Type.Boolean(),
    block_prefs: BlockPrefs,
    sms_routes: Nullable(SmsRoutes),
    address_id: Nullable(Type.String()),
    person_id: Nullable(Type.String()),
    order_id: Nullable(Type.String()),
    purchased_at: Nullable(Type.String()),
  },
  { $id: 'OwnedNumber' },
);

export const OwnedQuery = Type.Object({
  did_number: Type.Optional(Type.String({ maxLength: 64 })),
  state: Type.Optional(StateRef()),
  city: Type.Optional(Type.String({ maxLength: 100 })),
  number_type: Type.Optional(NumberTypeRef()),
  ...PageQuery,
});

export const OwnedList = Type.Object({ results: Type.Array(Type.Ref('OwnedNumber')), next_cursor: NextCursor });

const ShortText = (maxLength: number) => Type.String({ maxLength });

export const NumberUpdateBody = Type.Object(
  {
    did_number: ShortText(64),
    description: Type.Optional(Nullable(ShortText(255))),
    primary_route: Type.Optional(ShortText(32)),
    primary_destination: Type.Optional(Nullable(ShortText(255))),
    primary_timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 300 })),
    backup_route: Type.Optional(Nullable(ShortText(32))),
    backup_destination: Type.Optional(Nullable(ShortText(255))),
    backup_timeout: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 300 }))),
    max_channels: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1000 }))),
    block_premium: Type.Optional(Type.Boolean()),
    block_prefs: Type.Optional(
      Type.Object(
        {
          block_invalid: Type.Optional(Type.Boolean()),
          block_hidden: Type.Optional(Type.Boolean()),
          block_international: Type.Optional(Type.Boolean()),
          block_landline: Type.Optional(Type.Boolean()),
          block_mobile: Type.Optional(Type.Boolean()),
          block_list: Type.Optional(Type.Array(ShortText(32), { maxItems: 500 })),
          allow_list: Type.Optional(Type.Array(ShortText(32), { maxItems: 500 })),
          route: Type.Optional(Nullable(ShortText(32))),
          destination: Type.Optional(Nullable(ShortText(255))),
        },
        { additionalProperties: false },
      ),
    ),
    sms_routes: Type.Optional(Nullable(Type.Object({ route: ShortText(32), destination: ShortText(255) }, { additionalProperties: false }))),
    address_id: Type.Optional(ShortText(64)),
    person_id: Type.Optional(ShortText(64)),
  },
  { additionalProperties: false },
);

const AtPeriodEnd = Type.Boolean({
  description: '[Bilby] Keep the number until its paid period ends, renew it no more, and release it that day (a suspended number is released now)',
});
export const ReleaseBody = Type.Object(
  { did_number: Type.Optional(ShortText(64)), at_period_end: Type.Optional(AtPeriodEnd) },
  { additionalProperties: false },
);
export const ReleaseQuery = Type.Object({ did_number: Type.Optional(ShortText(64)), at_period_end: Type.Optional(AtPeriodEnd) });
export const Released = Type.Object({
  message: Type.String(),
  did_number: Type.String(),
  release_on: Type.Optional(Type.String({ description: '[Bilby] With at_period_end: the day it will be released (billing time zone)' })),
});

export const Restored = Type.Object({
  message: Type.String(),
  did_number: Type.String(),
  restore_id: Type.String(),
  charged: Type.Number({ description: 'What the restore charged, in AUD dollars: the months begun since the number was paid up to, if any' }),
  balance: Type.Number({ description: 'The balance after the restore, in AUD dollars' }),
  next_renewal_on: Type.String({ description: 'The next anniversary, when the next month is charged (billing time zone)' }),
  status: Type.Literal('active'),
});
