import { Type } from 'typebox';
import { NUMBER_EVENT_KINDS } from '../../domain/number-event.js';
import { NextCursor, Nullable, PageQuery, StringEnum } from './common-schemas.js';

const eventProperties = {
  event_id: Type.String(),
  did_number: Type.String(),
  kind: StringEnum(NUMBER_EVENT_KINDS),
  details: Type.Record(Type.String(), Type.Unknown(), {
    description:
      'What the event records: for a change, `changes` names each field changed with its value `before` and `after`; ' +
      'a purchase its `order_id`, `amount` (dollars) and the number\'s first `configuration`; a renewal its `order_id`, `period` and `amount`',
  }),
  actor: Type.String({ description: 'Who made the change: `api_key:<key id>`, `operator`, or `system` (recovery, billing runs)' }),
  request_id: Nullable(Type.String({ description: "The request's id (its x-request-id header); null for the system's changes" })),
  created_at: Type.String(),
};

export const NumberEvent = Type.Object(eventProperties, { $id: 'NumberEvent' });
export const NumberHistory = Type.Object({ results: Type.Array(Type.Ref('NumberEvent')), next_cursor: NextCursor });

export const AdminNumberEvent = Type.Object(
  { ...eventProperties, account_id: Type.String({ description: 'The owner whose tenure the event belongs to' }) },
  { $id: 'AdminNumberEvent' },
);
export const AdminNumberHistory = Type.Object({ results: Type.Array(Type.Ref('AdminNumberEvent')), next_cursor: NextCursor });

export const HistoryQuery = Type.Object({ ...PageQuery });
