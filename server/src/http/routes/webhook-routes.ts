import { Type } from 'typebox';
import type { LoggedAttempt, WebhookEndpoint as Endpoint } from '../../domain/webhook-endpoint.js';
import type { ServiceDeps } from '../../services/deps.js';
import { replayWebhooks } from '../../services/replay-webhooks.js';
import {
  changeEndpoint,
  createEndpoint,
  endpointAttempts,
  endpointOfAccount,
  endpointsOf,
  removeEndpoint,
  rotateEndpointSecret,
} from '../../services/webhook-endpoints.js';
import { callerOf } from '../auth.js';
import { listBody, pageRequest } from '../cursor.js';
import { ANSWER_HOLDS_SECRET, idempotencyClaimOf } from '../idempotency.js';
import { noBodyAsEmpty } from '../json-body.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import {
  NewWebhookBody,
  ReplayAnswer,
  ReplayBody,
  RotateSecretBody,
  WebhookAttemptList,
  WebhookAttemptQuery,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
  WebhookIdParam,
  WebhookPatch,
} from '../schemas/webhook-schemas.js';
import type { TypedApp } from '../typed-app.js';

const tags = ['Bilby'];
const EndpointRef = Type.Ref('WebhookEndpoint');
const DEFAULT_ATTEMPTS_LIMIT = 100;

const SIGNING =
  'Each delivery is a POST of the event as `GET /events/` shows it, with `Bilby-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 ' +
  'of "<t>.<body>" with the secret>` (Stripe’s scheme; two v1 while a rotated-out secret still signs) and `Bilby-Event-Id`. ' +
  'Answer 2xx within the timeout; anything else is retried with a doubling wait for 3 days, each number’s events in their order, ' +
  'and an endpoint that fails for all of that time is disabled (event `webhook_endpoint.disabled`).';

/** The account's webhook endpoints: where its events are delivered, signed. */
export function registerWebhookRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.post(
    '/webhooks',
    {
      config: ANSWER_HOLDS_SECRET,
      schema: {
        operationId: 'createWebhookEndpoint',
        summary: 'Add a webhook endpoint hearing the account’s events from now on; its signing secret is in this answer only [Bilby]',
        description: `${SIGNING} 400 url_not_allowed for a URL on a loopback, private or link-local address; 409 limit_reached past the endpoints an account may have.`,
        tags,
        body: NewWebhookBody,
        response: { 201: WebhookEndpointWithSecret, ...ErrorResponses },
      },
    },
    async (request, reply) => {
      const { url, events, description } = request.body;
      const created = await createEndpoint(deps, callerOf(request).accountId, { url, events, description: description ?? null }, idempotencyClaimOf(request));
      return reply.code(201).send({ ...presentEndpoint(created.endpoint), secret: created.secret });
    },
  );

  app.get(
    '/webhooks',
    { schema: { operationId: 'listWebhookEndpoints', summary: 'The account’s webhook endpoints [Bilby]', tags, response: { 200: WebhookEndpointList, ...ErrorResponses } } },
    async (request) => ({ results: (await endpointsOf(deps, callerOf(request).accountId)).map(presentEndpoint) }),
  );

  app.get(
    '/webhooks/:webhook_id',
    {
      schema: { operationId: 'getWebhookEndpoint', summary: 'One webhook endpoint, with its deliveries still to be made [Bilby]', tags, params: WebhookIdParam, response: { 200: EndpointRef, ...ErrorResponses } },
    },
    async (request) => {
      const endpoint = await endpointOfAccount(deps, callerOf(request).accountId, request.params.webhook_id);
      return { ...presentEndpoint(endpoint), pending_deliveries: endpoint.pendingDeliveries };
    },
  );

  app.patch(
    '/webhooks/:webhook_id',
    {
      schema: {
        operationId: 'updateWebhookEndpoint',
        summary: 'Change an endpoint’s URL, kinds or description, or disable and enable it [Bilby]',
        description: 'Enabling an endpoint again resumes its deliveries where they stopped, the events queued meanwhile included.',
        tags,
        params: WebhookIdParam,
        body: WebhookPatch,
        response: { 200: EndpointRef, ...ErrorResponses },
      },
    },
    async (request) => presentEndpoint(await changeEndpoint(deps, callerOf(request).accountId, request.params.webhook_id, request.body)),
  );

  app.delete(
    '/webhooks/:webhook_id',
    {
      schema: { operationId: 'deleteWebhookEndpoint', summary: 'Delete an endpoint, its queued deliveries and its log [Bilby]', tags, params: WebhookIdParam, response: { 200: EndpointRef, ...ErrorResponses } },
    },
    async (request) => presentEndpoint(await removeEndpoint(deps, callerOf(request).accountId, request.params.webhook_id)),
  );

  app.post(
    '/webhooks/:webhook_id/rotate-secret',
    {
      config: ANSWER_HOLDS_SECRET,
      preValidation: noBodyAsEmpty,
      schema: {
        operationId: 'rotateWebhookSecret',
        summary: 'A new signing secret, in this answer only; the old one keeps signing beside it for a while [Bilby]',
        tags,
        params: WebhookIdParam,
        body: RotateSecretBody,
        response: { 200: WebhookEndpointWithSecret, ...ErrorResponses },
      },
    },
    async (request) => {
      const hours = request.body?.expire_previous_in_hours ?? 24;
      const rotated = await rotateEndpointSecret(deps, callerOf(request).accountId, request.params.webhook_id, hours, idempotencyClaimOf(request));
      return { ...presentEndpoint(rotated.endpoint), secret: rotated.secret };
    },
  );

  app.post(
    '/webhooks/:webhook_id/replay',
    {
      preValidation: noBodyAsEmpty,
      schema: {
        operationId: 'replayWebhooks',
        summary: 'Deliver a range of the account’s events to the endpoint again [Bilby]',
        description: 'The events of the kinds the endpoint hears, after `after` and through `through` (cursors from `GET /events/` or a delivery), each a new delivery marked `Bilby-Replay`.',
        tags,
        params: WebhookIdParam,
        body: ReplayBody,
        response: { 202: ReplayAnswer, ...ErrorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const report = await replayWebhooks(deps, callerOf(request).accountId, request.params.webhook_id, {
        ...(body.after === undefined ? {} : { after: body.after }),
        ...(body.through === undefined ? {} : { through: body.through }),
      });
      return reply.code(202).send({ queued: report.queued, last_cursor: report.lastCursor, more: report.more });
    },
  );

  app.get(
    '/webhooks/:webhook_id/attempts',
    {
      schema: {
        operationId: 'listWebhookAttempts',
        summary: 'Every attempt to deliver to the endpoint, newest first: its status, time and error [Bilby]',
        tags,
        params: WebhookIdParam,
        querystring: WebhookAttemptQuery,
        response: { 200: WebhookAttemptList, ...ErrorResponses },
      },
    },
    async (request) => {
      const page = await endpointAttempts(deps, callerOf(request).accountId, request.params.webhook_id, pageRequest(request.query, DEFAULT_ATTEMPTS_LIMIT));
      return listBody(page, presentAttempt);
    },
  );
}

function presentEndpoint(endpoint: Endpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.events,
    status: endpoint.status,
    disabled_reason: endpoint.disabledReason,
    failing_since: endpoint.failingSince,
    previous_secret_expires_at: endpoint.previousSecretExpiresAt,
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
  };
}

function presentAttempt(attempt: LoggedAttempt) {
  return {
    id: attempt.id,
    event_id: attempt.eventId,
    kind: attempt.kind,
    replay: attempt.round,
    attempt: attempt.attempt,
    status_code: attempt.statusCode,
    error: attempt.error,
    duration_ms: attempt.durationMs,
    at: attempt.at,
    delivery_status: attempt.deliveryStatus,
    next_attempt_at: attempt.nextAttemptAt,
  };
}
