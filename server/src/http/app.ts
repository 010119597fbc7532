import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyRequest, type FastifySchemaValidationError } from 'fastify';
import { Type } from 'typebox';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { hashApiKey } from '../domain/api-key.js';
import { AppError } from '../domain/errors.js';
import { newRequestId } from '../domain/ids.js';
import { carrierReadiness, checkReadiness } from '../services/check-readiness.js';
import type { ServiceDeps } from '../services/deps.js';
import { authenticateBody, authenticateHeaders } from './auth.js';
import { bodyDeadlines, DEFAULT_CLIENT_TIMEOUTS, type ClientTimeouts } from './client-timeouts.js';
import { answerClientError, isBodyError, sendError, toAppError } from './error-response.js';
import { claimIdempotencyKey, storeIdempotentResponse } from './idempotency.js';
import { reportIgnoredFields } from './ignored-fields.js';
import { registerJsonParser } from './json-body.js';
import { withLiteralEscapes } from './literal-escapes.js';
import { pathOf, requestSerializer } from './log-redaction.js';
import { registerMetrics } from './metrics.js';
import { dropUnwritableHeaders } from './safe-headers.js';
import { refuseNulCharacters } from './text-input.js';
import { authenticateOperator } from './admin-auth.js';
import { registerAccountRoutes } from './routes/account-routes.js';
import { registerEventRoutes } from './routes/event-routes.js';
import { registerWebhookRoutes } from './routes/webhook-routes.js';
import { registerReservationRoutes } from './routes/reservation-routes.js';
import { registerRoutingTestRoutes } from './routes/routing-test-routes.js';
import { registerBulkOrderRoutes } from './routes/bulk-order-routes.js';
import { registerAdminAccountRoutes } from './routes/admin-account-routes.js';
import { registerAdminCatalogueRoutes } from './routes/admin-catalogue-routes.js';
import { registerAdminInventoryRoutes } from './routes/admin-inventory-routes.js';
import { registerAdminInvoiceRoutes } from './routes/admin-invoice-routes.js';
import { registerAdminReportRoutes } from './routes/admin-report-routes.js';
import { registerAdminPricePlanRoutes } from './routes/admin-price-plan-routes.js';
import { registerAdminReconcileRoutes } from './routes/admin-reconcile-routes.js';
import { registerInvoiceRoutes } from './routes/invoice-routes.js';
import { registerNumberRoutes } from './routes/number-routes.js';
import { registerPurchaseRoutes } from './routes/purchase-routes.js';
import { Address, Person, Transaction } from './schemas/account-schemas.js';
import { AdminAccount, AdminDestination, ApiKeyInfo, InventoryNumber, TypePrice } from './schemas/admin-schemas.js';
import { CatalogueSync, PricingRule } from './schemas/catalogue-schemas.js';
import { AdminInvoice, AdminInvoiceSummary, Invoice, InvoiceSummary } from './schemas/invoice-schemas.js';
import { PricePlan } from './schemas/price-plan-schemas.js';
import { AvailableNumber, ErrorBody, errorAnswer, ValueSets } from './schemas/common-schemas.js';
import { AccountEvent } from './schemas/event-schemas.js';
import { WebhookEndpoint } from './schemas/webhook-schemas.js';
import { Reservation } from './schemas/reservation-schemas.js';
import { BulkOrder } from './schemas/bulk-order-schemas.js';
import { AdminNumberEvent, NumberEvent } from './schemas/history-schemas.js';
import { OwnedNumber } from './schemas/number-schemas.js';
import { Order } from './schemas/purchase-schemas.js';
import { ReconcileReport, UpstreamDifference } from './schemas/reconcile-schemas.js';
import { BillingRun } from './schemas/billing-schemas.js';
import { registerAdminBillingRoutes } from './routes/admin-billing-routes.js';
import type { TypedApp } from './typed-app.js';

/**
 * swagger-ui's files, named outright: the bin bundles its code (loaded from node_modules, its own copy
 * of yaml took about 55 ms of every start), and a bundled module cannot find its package directory.
 */
function swaggerUiFiles(): { dir: string; logo: string } {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui/package.json')), 'static');
  return { dir, logo: join(dir, 'logo.svg') };
}

export interface AppOptions {
  /** A pino logger, or false for none. */
  logger?: FastifyBaseLogger | false;
  /** The key the operator API (/admin/v1) requires; without one that API refuses every request. */
  adminKey?: string;
  /** The SHA-256 (hex) of that key, where only the hash is kept (the demo's); `adminKey` wins. */
  adminKeyHash?: string;
  /** How long clients may take to send a request; the configuration's defaults if left out. */
  timeouts?: Partial<ClientTimeouts>;
}

const API_PREFIX = '/api/v1';
const ADMIN_PREFIX = '/admin/v1';
const BODY_LIMIT = 16 * 1024;
const MAX_PARAM_LENGTH = 1024 * 1024;

/** Builds the HTTP app around the services. Never listens and never reads the environment. */
export async function createApp(deps: ServiceDeps, options: AppOptions = {}): Promise<TypedApp> {
  // Logged URLs keep only the query parameters some route declares: keys sent in a query string
  // (refused, but sent all the same) must not reach the logs.
  const knownQuery = new Set<string>();
  const logger = options.logger
    ? options.logger.child({}, { serializers: { req: requestSerializer(knownQuery) } })
    : undefined;
  const timeouts = { ...DEFAULT_CLIENT_TIMEOUTS, ...options.timeouts };
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // Headers are timed by Node (a 408 through answerClientError), bodies by bodyDeadlines. Node's
    // requestTimeout stays off: it would cap a whole request, and so the CSV import's upload.
    http: { headersTimeout: timeouts.headersTimeoutMs, connectionsCheckingInterval: Math.min(1_000, timeouts.headersTimeoutMs) },
    requestTimeout: 0,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    genReqId: () => newRequestId(),
    bodyLimit: BODY_LIMIT,
    // A malformed id is answered as an unknown one, by its route and after authentication: escapes
    // that do not decode are taken literally, and ids of any length reach the route (Node's header
    // limit bounds a URL long before this does).
    rewriteUrl: (request) => withLiteralEscapes(request.url ?? '/'),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // What the router still cannot read (a URL that is neither a path nor http(s)://host/path) has
    // no route: the not-found answer, in the contract's format.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      if (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        return sendError(request, reply, noRoute(request));
      }
      return sendError(request, reply, toAppError(request, error));
    },
    clientErrorHandler: answerClientError,
    // Unknown and prototype-polluting fields are dropped, never acted on (and never a 400).
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    // Serializers are built on a route's first answer, not all at start-up (half the start time).
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Query strings and paths are text, so their numbers and booleans are coerced; a JSON body's
  // types are the client's own and a wrong one is a 400, as CrazyTel's (FastAPI) validation does.
  const ajvOptions = { allErrors: true, removeAdditional: true, useDefaults: true, strict: false } as const;
  const bodyAjv = new Ajv({ ...ajvOptions, coerceTypes: false });
  const textAjv = new Ajv({ ...ajvOptions, coerceTypes: 'array' });
  // Fastify gives its shared schemas to its own validators only; requests name the value sets.
  for (const schema of ValueSets) {
    bodyAjv.addSchema(schema);
    textAjv.addSchema(schema);
  }
  app.setValidatorCompiler(({ schema, httpPart }) =>
    lazyValidator(() => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema) as Validator),
  );

  app.addHook('onRoute', (route) => {
    const query = route.schema?.querystring as { properties?: Record<string, unknown> } | undefined;
    for (const name of Object.keys(query?.properties ?? {})) knownQuery.add(name);
  });
  app.decorateRequest('caller', null);
  app.decorateRequest('idempotencyClaim', null);
  app.decorateRequest('idempotencyScope', null);
  app.removeContentTypeParser('text/plain');
  registerJsonParser(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onSend', dropUnwritableHeaders);
  // A write may have appended account events: this process's webhook worker looks at once.
  if (deps.changes) {
    const changes = deps.changes;
    app.addHook('onResponse', async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS') changes.notify();
    });
  }
  app.addHook('preParsing', bodyDeadlines(timeouts, BODY_LIMIT));

  for (const schema of [
    ...ValueSets,
    AvailableNumber,
    ErrorBody,
    OwnedNumber,
    Order,
    Transaction,
    Address,
    Person,
    AdminAccount,
    ApiKeyInfo,
    AdminDestination,
    TypePrice,
    InventoryNumber,
    PricingRule,
    PricePlan,
    CatalogueSync,
    UpstreamDifference,
    ReconcileReport,
    BillingRun,
    Invoice,
    InvoiceSummary,
    AdminInvoice,
    AdminInvoiceSummary,
    NumberEvent,
    AdminNumberEvent,
    AccountEvent,
    WebhookEndpoint,
    Reservation,
    BulkOrder,
  ]) {
    app.addSchema(schema);
  }

  await app.register(fastifySwagger, {
    // Shared schemas keep their own names in the document (and so in the SDK's generated types).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Bilby API',
        version: '1.0.0',
        license: { name: 'MIT', identifier: 'MIT' },
        description:
          "Phone-number (DID) inventory and purchasing, compatible with CrazyTel's API: a CrazyTel client works by changing only the base URL. Operations tagged Bilby are extensions.",
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          crazytelKey: { type: 'apiKey', in: 'header', name: 'X-Crazytel-Api-Key' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
          bearer: { type: 'http', scheme: 'bearer' },
          adminKey: { type: 'apiKey', in: 'header', name: 'X-Admin-Key' },
        },
      },
      security: [{ crazytelKey: [] }, { apiKey: [] }, { bearer: [] }],
      tags: [
        { name: 'CrazyTel', description: "CrazyTel's API, same shapes" },
        { name: 'Bilby', description: "Bilby's extensions" },
        { name: 'Operator', description: 'The operator API (/admin/v1), authenticated by the admin key' },
        { name: 'System', description: 'Health and documents' },
      ],
    },
  });
  const ui = swaggerUiFiles();
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    baseDir: ui.dir,
    logo: { type: 'image/svg+xml', content: readFileSync(ui.logo) },
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isBodyError(error)) {
      // Fastify reads a body before the not-found handler runs; no route would have read this one.
      if (request.is404) return sendError(request, reply, noRoute(request));
      // A customer route checked any header key before the body (a bad one is a 401 there), so no
      // caller means no header key: the api_key could only come from the body, and this one has none.
      if (request.caller === null && isCustomerRoute(request)) {
        return sendError(request, reply, new AppError('unauthenticated', 'Invalid API key'));
      }
    }
    return sendError(request, reply, toAppError(request, error));
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, noRoute(request)));

  registerSystemRoutes(app, deps);
  registerMetrics(app, deps);
  await app.register(
    async (api) => {
      api.addHook('onRequest', authenticateHeaders(deps));
      api.addHook('preValidation', authenticateBody(deps));
      api.addHook('preValidation', reportIgnoredFields);
      api.addHook('preValidation', claimIdempotencyKey(deps));
      api.addHook('preHandler', refuseNulCharacters);
      api.addHook('onSend', storeIdempotentResponse(deps));
      registerNumberRoutes(api, deps);
      registerPurchaseRoutes(api, deps);
      registerAccountRoutes(api, deps);
      registerInvoiceRoutes(api, deps);
      registerEventRoutes(api, deps);
      registerWebhookRoutes(api, deps);
      registerReservationRoutes(api, deps);
      registerRoutingTestRoutes(api, deps);
      registerBulkOrderRoutes(api, deps);
    },
    { prefix: API_PREFIX },
  );
  await app.register(
    async (admin) => {
      admin.addHook('onRoute', (route) => {
        if (route.schema) route.schema.security = [{ adminKey: [] }, { bearer: [] }];
      });
      admin.addHook('onRequest', authenticateOperator(options.adminKey ? hashApiKey(options.adminKey) : options.adminKeyHash));
      admin.addHook('preValidation', async (request) => {
        // A POST whose fields are all optional may come without a body (curl -X POST).
        if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
      });
      admin.addHook('preValidation', reportIgnoredFields);
      admin.addHook('preValidation', claimIdempotencyKey(deps));
      admin.addHook('preHandler', refuseNulCharacters);
      admin.addHook('onSend', storeIdempotentResponse(deps));
      registerAdminAccountRoutes(admin, deps);
      registerAdminInventoryRoutes(admin, deps);
      registerAdminCatalogueRoutes(admin, deps);
      registerAdminReportRoutes(admin, deps);
      registerAdminInvoiceRoutes(admin, deps);
      registerAdminPricePlanRoutes(admin, deps);
      registerAdminReconcileRoutes(admin, deps);
      registerAdminBillingRoutes(admin, deps);
    },
    { prefix: ADMIN_PREFIX },
  );
  return app;
}

type Validator = ((data: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null };

/** A validator compiled on its first use; Fastify reads the errors off the function it was given. */
function lazyValidator(compile: () => Validator): Validator {
  let compiled: Validator | undefined;
  const validate: Validator = (data) => {
    compiled ??= compile();
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  };
  return validate;
}

function lazySerializerFactory(externalSchemas: unknown, options: unknown) {
  const build = SerializerSelector()(externalSchemas as never, options as never);
  return (route: Parameters<typeof build>[0]) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data: unknown) => (serialize ??= build(route) as (data: unknown) => string)(data);
  };
}

/** The path only: a query string may hold a key, and this sentence goes back to the client. */
function noRoute(request: FastifyRequest): AppError {
  return new AppError('not_found', `No route for ${request.method} ${pathOf(request.url)}`);
}

function isCustomerRoute(request: FastifyRequest): boolean {
  return request.routeOptions.url?.startsWith(`${API_PREFIX}/`) ?? false;
}

function registerSystemRoutes(app: TypedApp, deps: ServiceDeps): void {
  const Status = Type.Object({ status: Type.String() });
  const Readiness = Type.Object({
    status: Type.String(),
    carrier: Type.Object({
      name: Type.String(),
      status: Type.Union([Type.Literal('ok'), Type.Literal('refusing')]),
      reason: Type.Optional(Type.Union([Type.Literal('upstream_out_of_funds'), Type.Literal('upstream_unauthorized')])),
      since: Type.Optional(Type.String({ format: 'date-time' })),
    }),
  });
  // What Node's HTTP parser refuses before any route runs (answerClientError), on these paths too.
  const unreadable = errorAnswer('The request could not be read: headers too large (431) or too slow to arrive (408)');
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'The process is up',
        tags: ['System'],
        response: { 200: Status, '4xx': unreadable },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        summary: 'Migrations ran and the database answers',
        description:
          'Ready (200) once the database answers; `carrier` says whether the carrier takes orders. A carrier ' +
          'refusing the reseller’s account (out of funds, key refused) leaves the server ready: searches and ' +
          'everything else still work, and purchases are refused at once until it is fixed.',
        tags: ['System'],
        response: { 200: Readiness, '4xx': unreadable, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const carrier = carrierReadiness(deps);
      return (await checkReadiness(deps)) ? { status: 'ready', carrier } : reply.code(503).send({ status: 'not_ready', carrier });
    },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
