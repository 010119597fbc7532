import { Type } from 'typebox';
import { ACCOUNT_EVENT_KINDS } from '../../domain/account-event.js';
import {
  MAX_ENDPOINTS_PER_ACCOUNT,
  MAX_REPLAY_EVENTS,
  MAX_SECRET_OVERLAP_HOURS,
  MAX_WEBHOOK_URL_LENGTH,
  WEBHOOK_EVENT_CHOICES,
} from '../../domain/webhook-endpoint.js';
import { NextCursor, Nullable, PageQuery, StringEnum } from './common-schemas.js';

const endpointFields = {
  id: Type.String({ description: 'The endpoint’s id (`whe_…`)' }),
  url: Type.String(),
  description: Nullable(Type.String()),
  events: Type.Array(StringEnum(WEBHOOK_EVENT_CHOICES), { description: 'The event kinds it hears; `["*"]` for every kind' }),
  status: StringEnum(['enabled', 'disabled'] as const),
  disabled_reason: Nullable(Type.String({ description: 'Why it is disabled: by its owner, or by Bilby after it failed for the whole retry window' })),
  failing_since: Nullable(Type.String({ description: 'Its first failed attempt since the last success; null while deliveries succeed' })),
  previous_secret_expires_at: Nullable(
    Type.String({ description: 'While a rotated-out secret still signs deliveries beside the new one: until when' }),
  ),
  pending_deliveries: Type.Optional(Type.Integer({ description: 'Deliveries still to be made (on the endpoint’s own page only)' })),
  created_at: Type.String(),
  updated_at: Type.String(),
};

export const WebhookEndpoint = Type.Object(endpointFields, { $id: 'WebhookEndpoint' });

export const WebhookEndpointWithSecret = Type.Object({
  ...endpointFields,
  secret: Type.String({ description: 'The signing secret (`whsec_…`), shown in this answer only: keep it to check the Bilby-Signature header' }),
});

export const WebhookEndpointList = Type.Object({ results: Type.Array(Type.Ref('WebhookEndpoint')) });

const Url = Type.String({ minLength: 1, maxLength: MAX_WEBHOOK_URL_LENGTH, description: 'An http or https URL on the public internet' });
const Events = Type.Array(Type.String({ maxLength: 64 }), {
  minItems: 1,
  maxItems: WEBHOOK_EVENT_CHOICES.length,
  description: `Event kinds (${ACCOUNT_EVENT_KINDS.join(', ')}) or "*" for every kind`,
});
const Description = Nullable(Type.String({ maxLength: 200 }));

export const NewWebhookBody = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Description) },
  { additionalProperties: false, description: `An account has at most ${MAX_ENDPOINTS_PER_ACCOUNT} endpoints` },
);

export const WebhookPatch = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    status: Type.Optional(StringEnum(['enabled', 'disabled'] as const)),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const RotateSecretBody = Type.Object(
  {
    expire_previous_in_hours: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_SECRET_OVERLAP_HOURS,
        default: 24,
        description: 'How long the old secret keeps signing beside the new one (0: it stops at once)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ReplayBody = Type.Object(
  {
    after: Type.Optional(Type.String({ maxLength: 512, description: 'An event’s cursor: replay the events after it (from the oldest kept when absent)' })),
    through: Type.Optional(Type.String({ maxLength: 512, description: 'An event’s cursor: replay up to and including it (to the latest when absent)' })),
  },
  { additionalProperties: false },
);

export const ReplayAnswer = Type.Object({
  queued: Type.Integer({ description: `Events queued to be delivered again (at most ${MAX_REPLAY_EVENTS} a call)` }),
  last_cursor: Nullable(Type.String({ description: 'The last event queued: replay again with it as `after` while `more` is true' })),
  more: Type.Boolean(),
});

export const WebhookAttempt = Type.Object({
  id: Type.String(),
  event_id: Type.String(),
  kind: StringEnum(ACCOUNT_EVENT_KINDS),
  replay: Type.Integer({ description: '0 for the event’s own delivery, n for its n-th replay' }),
  attempt: Type.Integer({ description: 'The attempt’s number in its delivery, from 1' }),
  status_code: Nullable(Type.Integer({ description: 'The receiver’s HTTP status; null when none came (a timeout, a refused connection)' })),
  error: Nullable(Type.String({ description: 'Why the attempt failed; null when it succeeded' })),
  duration_ms: Type.Integer(),
  at: Type.String(),
  delivery_status: StringEnum(['pending', 'delivered', 'failed'] as const, { description: 'Where the delivery stands now (failed: Bilby gave up on it)' }),
  next_attempt_at: Nullable(Type.String({ description: 'When a pending delivery is tried again' })),
});

export const WebhookAttemptList = Type.Object({ results: Type.Array(WebhookAttempt), next_cursor: NextCursor });
export const WebhookAttemptQuery = Type.Object(PageQuery);
export const WebhookIdParam = Type.Object({ webhook_id: Type.String() });
