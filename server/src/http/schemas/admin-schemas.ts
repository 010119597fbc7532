import { Type } from 'typebox';
import { ACCOUNT_STATUSES } from '../../domain/account.js';
import { NUMBER_STATUSES } from '../../domain/order.js';
import { AvailableNumber, Dollars, NextCursor, Nullable, NumberTypeRef, PageQuery, StringEnum } from './common-schemas.js';

const Money = Type.Number({ minimum: 0, maximum: 10_000_000, description: 'AUD dollars, at most two decimals' });

export const AdminAccount = Type.Object(
  {
    id: Type.String(),
    account_code: Type.String(),
    name: Type.String(),
    status: StringEnum(ACCOUNT_STATUSES),
    balance: Dollars,
    available_balance: Dollars,
    price_plan_id: Nullable(Type.String({ description: "The account's price plan; null: the default prices" })),
    created_at: Type.String(),
  },
  { $id: 'AdminAccount' },
);
export const AdminAccountList = Type.Object({ results: Type.Array(Type.Ref('AdminAccount')), next_cursor: NextCursor });
export const AccountListQuery = Type.Object({
  status: Type.Optional(StringEnum(ACCOUNT_STATUSES)),
  ...PageQuery,
});
// No length limit on path ids, as in common-schemas: a malformed id is an unknown one.
export const AccountIdParam = Type.Object({ account_id: Type.String() });
export const KeyIdParam = Type.Object({ account_id: Type.String(), key_id: Type.String() });
export const DestinationIdParam = Type.Object({
  account_id: Type.String(),
  destination_id: Type.String(),
});

export const ApiKeyInfo = Type.Object(
  {
    id: Type.String(),
    hint: Type.String({ description: 'The last characters of the key, to tell keys apart' }),
    label: Nullable(Type.String()),
    created_at: Type.String(),
    revoked_at: Nullable(Type.String()),
  },
  { $id: 'ApiKeyInfo' },
);
export const ApiKeyList = Type.Object({ results: Type.Array(Type.Ref('ApiKeyInfo')) });
export const NewApiKey = Type.Object({
  ...ApiKeyInfo.properties,
  api_key: Type.String({ description: 'The key in clear: shown this once, stored only as a hash' }),
});
export const NewKeyBody = Type.Object({ label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) });

export const NewAccountBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  opening_credit: Type.Optional(Money),
});
export const NewAccountResponse = Type.Object({ account: Type.Ref('AdminAccount'), api_key: NewApiKey });

export const AdjustmentBody = Type.Object({
  amount: Type.Number({ exclusiveMinimum: 0, maximum: 10_000_000, description: 'AUD dollars, at most two decimals' }),
  reason: Type.String({ minLength: 1, maxLength: 255, description: 'Shown in the ledger as the description' }),
});

export const AdminDestination = Type.Object(
  {
    id: Type.String(),
    route: Type.String(),
    destination: Type.String(),
    description: Type.String(),
    enabled: Type.Boolean(),
    created_at: Type.String(),
  },
  { $id: 'AdminDestination' },
);
export const AdminDestinationList = Type.Object({ results: Type.Array(Type.Ref('AdminDestination')) });
export const DestinationBody = Type.Object({
  route: Type.String({ enum: ['device', 'server', 'forward', 'voicemail', 'ivr', 'queue', 'ring_group'] }),
  destination: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  enabled: Type.Optional(Type.Boolean()),
});
export const DestinationPatch = Type.Object({
  description: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  enabled: Type.Optional(Type.Boolean()),
});

export const UpstreamRouteBody = Type.Object({
  route: Type.String({ minLength: 1, maxLength: 32, description: 'A route type, as for a number: server, device, forward, …' }),
  destination: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
});
export const AccountUpstreamRoute = Type.Object({
  account_id: Type.String(),
  route: Type.String(),
  destination: Type.Union([Type.String(), Type.Null()]),
  overridden: Type.Boolean({ description: "Whether this account's route overrides BILBY_UPSTREAM_ROUTE and BILBY_UPSTREAM_DESTINATION" }),
  pending_numbers: Type.Integer({ description: 'Numbers of the account upstream is still to be told of' }),
});

export const TypePrice = Type.Object(
  { number_type: NumberTypeRef(), setup_cost: Dollars, monthly_cost: Dollars, updated_at: Type.String() },
  { $id: 'TypePrice' },
);
export const TypePriceList = Type.Object({ results: Type.Array(Type.Ref('TypePrice')) });
export const PriceBody = Type.Object({ setup_cost: Money, monthly_cost: Money });
export const NumberTypeParam = Type.Object({ number_type: NumberTypeRef() });
export const SetTypePriceResponse = Type.Object({
  price: Type.Ref('TypePrice'),
  numbers_repriced: Type.Integer({ description: 'Unsold numbers without their own price that now cost this' }),
});

export const InventoryNumber = Type.Object(
  {
    ...AvailableNumber.properties,
    status: StringEnum([...NUMBER_STATUSES, 'suspended'], { description: 'suspended: active, with a renewal unpaid' }),
    account_id: Nullable(Type.String()),
    custom_price: Type.Boolean({
      description: "True when the number has its own price, false when it follows its type's price (its type's pricing rule, with an upstream cost)",
    }),
    carrier: Type.String({ description: 'Which carrier provisions the number: simulated (Bilby\'s own) or crazytel (the upstream)' }),
    upstream_setup_cost: Nullable(Type.Number({ description: 'What the upstream charges to set the number up (dollars); null for numbers no upstream sells' })),
    upstream_monthly_cost: Nullable(Type.Number({ description: 'What the upstream charges a month (dollars); null for numbers no upstream sells' })),
    quarantine_until: Nullable(Type.String()),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  { $id: 'InventoryNumber' },
);

export const StockBody = Type.Object({
  did_numbers: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 1000 }),
});
export const StockChangeResponse = Type.Object({
  changed: Type.Array(Type.String()),
  rejected: Type.Array(Type.Object({ did_number: Type.String(), reason: Type.String() })),
});

const StatusCounts = Type.Record(Type.String(), Type.Integer());
export const StockCounts = Type.Object({
  total: Type.Integer(),
  by_status: StatusCounts,
  by_type: Type.Record(Type.String(), StatusCounts),
});

export const ImportReport = Type.Object({
  rows: Type.Integer({ description: 'Data rows read' }),
  added: Type.Integer(),
  skipped: Type.Integer({ description: 'Rows whose number was already in the inventory' }),
  rejected: Type.Integer(),
  rejections: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() }), {
    description: 'The first 1,000 rejected rows, with their line in the file',
  }),
  rejections_truncated: Type.Boolean(),
});
