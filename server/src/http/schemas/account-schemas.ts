import { Type, type TProperties } from 'typebox';
import { ADDRESS_OPTIONAL_FIELDS } from '../../domain/ipnd-record.js';
import { TRANSACTION_TYPES } from '../../domain/order.js';
import { Dollars, NextCursor, Nullable, PersonTypeRef, RouteTypeRef, StringEnum } from './common-schemas.js';

export const Balance = Type.Object({
  account_code: Type.String({ examples: ['1000001'] }),
  balance: Dollars,
  available_balance: Dollars,
  low_balance_alert: Type.Optional(Nullable(Type.Number({ description: '[Bilby] A balance falling below this (dollars) is told as a balance.low event; null: no alert' }))),
});

export const LowBalanceAlertBody = Type.Object(
  { threshold: Nullable(Type.Number({ minimum: 0, maximum: 1_000_000, description: 'Dollars, at most two decimals; null switches the alert off' })) },
  { additionalProperties: false },
);

const addressOptional: TProperties = {};
for (const field of ADDRESS_OPTIONAL_FIELDS) addressOptional[field] = Type.Optional(Nullable(Type.String({ maxLength: 255 })));

export const AddressBody = Type.Object(
  {
    city: Type.String({ minLength: 1, maxLength: 100 }),
    state: Type.String({ minLength: 2, maxLength: 3, examples: ['NSW'] }),
    postcode: Type.String({ pattern: '^\\s*\\d{4}\\s*$', examples: ['2000'] }),
    country: Type.Optional(Nullable(Type.String({ maxLength: 100, default: 'Australia' }))),
    ...addressOptional,
  },
  { additionalProperties: false },
);

const addressItem: TProperties = { id: Type.String({ format: 'uuid' }) };
for (const field of ADDRESS_OPTIONAL_FIELDS) addressItem[field] = Nullable(Type.String());
export const Address = Type.Object(
  { ...addressItem, city: Type.String(), state: Type.String(), postcode: Type.String(), country: Type.String() },
  { $id: 'Address' },
);
export const AddressList = Type.Object({ results: Type.Array(Type.Ref('Address')), next_cursor: NextCursor });

export const PersonBody = Type.Object(
  {
    name_1: Type.String({ minLength: 1, maxLength: 100, description: 'Surname, or the business name' }),
    name_2: Type.Optional(Nullable(Type.String({ maxLength: 100, description: 'Given name' }))),
    title: Type.Optional(Nullable(Type.String({ maxLength: 20 }))),
    person_type: PersonTypeRef(),
    contact_number: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    nickname: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    contact_name_1: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    contact_name_2: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    birthdate: Type.Optional(Nullable(Type.String({ maxLength: 10, description: 'YYYY-MM-DD' }))),
  },
  { additionalProperties: false },
);

export const Person = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name_1: Type.String(),
    name_2: Nullable(Type.String()),
    title: Nullable(Type.String()),
    person_type: Type.String(),
    contact_number: Nullable(Type.String()),
    nickname: Nullable(Type.String()),
    contact_name_1: Nullable(Type.String()),
    contact_name_2: Nullable(Type.String()),
    birthdate: Nullable(Type.String()),
  },
  { $id: 'Person' },
);
export const PersonList = Type.Object({ results: Type.Array(Type.Ref('Person')), next_cursor: NextCursor });

export const Destination = Type.Object({
  route: RouteTypeRef(),
  destination: Nullable(Type.String()),
  description: Type.String(),
});
export const DestinationList = Type.Object({ results: Type.Array(Destination), next_cursor: NextCursor });

export const VerifiedCliList = Type.Object({ results: Type.Array(Type.String()) });

export const Transaction = Type.Object(
  {
    transaction_id: Type.String(),
    type: StringEnum(TRANSACTION_TYPES),
    amount: Dollars,
    balance_after: Dollars,
    order_id: Nullable(Type.String()),
    description: Type.String(),
    created_at: Type.String(),
  },
  { $id: 'Transaction' },
);
export const TransactionList = Type.Object({ results: Type.Array(Type.Ref('Transaction')), next_cursor: NextCursor });
