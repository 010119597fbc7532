import { Type } from 'typebox';
import { ACCOUNT_EVENT_KINDS, EVENT_RETENTION_DAYS } from '../../domain/account-event.js';
import { NextCursor, PageQuery, Nullable, StringEnum } from './common-schemas.js';

export const AccountEvent = Type.Object(
  {
    id: Type.String({ description: 'The event’s id (`evt_…`), the same in every listing and delivery' }),
    cursor: Type.String({ description: 'Its place in the account’s stream: pass it as `after` for the events that came after it' }),
    kind: StringEnum(ACCOUNT_EVENT_KINDS),
    did_number: Nullable(Type.String()),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'What happened: the number, the order or release, amounts in dollars, a change’s fields `before` and `after`, ' +
        'and who asked for it (`actor`, `request_id`)',
    }),
    created_at: Type.String(),
  },
  { $id: 'AccountEvent' },
);

export const EventList = Type.Object({ results: Type.Array(Type.Ref('AccountEvent')), next_cursor: NextCursor });

export const EventQuery = Type.Object({
  ...PageQuery,
  after: Type.Optional(
    Type.String({ maxLength: 512, description: `An event’s cursor: the events after it (a page’s next_cursor, as cursor, takes its place for the pages after the first). Events are kept ${EVENT_RETENTION_DAYS} days` }),
  ),
});
