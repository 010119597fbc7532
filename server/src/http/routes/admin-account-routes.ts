import { adjustBalance } from '../../services/adjust-balance.js';
import { createAccount } from '../../services/create-account.js';
import type { ServiceDeps } from '../../services/deps.js';
import {
  accountsPage,
  apiKeysOf,
  changeAccountStatus,
  issueApiKey,
  requireAccount,
  revokeAccountKey,
} from '../../services/operator-accounts.js';
import {
  addDestination,
  changeDestination,
  destinationsForOperator,
  removeDestination,
} from '../../services/operator-destinations.js';
import { transactionsOf } from '../../services/account-queries.js';
import { changeUpstreamRoute, showUpstreamRoute } from '../../services/upstream-route.js';
import { presentAdminAccount, presentAdminDestination, presentApiKey } from '../admin-presenters.js';
import { listBody, pageRequest } from '../cursor.js';
import { centsOf } from '../money-input.js';
import { ANSWER_HOLDS_SECRET, idempotencyClaimOf } from '../idempotency.js';
import { presentTransaction } from '../presenters.js';
import {
  AccountIdParam,
  AccountListQuery,
  AccountUpstreamRoute,
  AdjustmentBody,
  AdminDestinationList,
  AdminAccountList,
  ApiKeyList,
  DestinationBody,
  DestinationIdParam,
  DestinationPatch,
  KeyIdParam,
  NewAccountBody,
  NewAccountResponse,
  NewApiKey,
  NewKeyBody,
  UpstreamRouteBody,
} from '../schemas/admin-schemas.js';
import { TransactionList } from '../schemas/account-schemas.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import { ListQuery } from '../schemas/purchase-schemas.js';
import type { TypedApp } from '../typed-app.js';
import { Type } from 'typebox';

const tags = ['Operator'];
const AccountRef = Type.Ref('AdminAccount');
const DestinationRef = Type.Ref('AdminDestination');

/** Accounts, their API keys, balances and destinations, as the operator manages them. */
export function registerAdminAccountRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.get(
    '/accounts',
    {
      schema: {
        operationId: 'listAccounts',
        summary: 'List accounts',
        tags,
        querystring: AccountListQuery,
        response: { 200: AdminAccountList, ...ErrorResponses },
      },
    },
    async (request) => listBody(await accountsPage(deps, request.query.status, pageRequest(request.query)), presentAdminAccount),
  );

  app.post(
    '/accounts',
    {
      config: ANSWER_HOLDS_SECRET,
      schema: {
        operationId: 'createAccount',
        summary: 'Open an account with one API key (shown once) and an optional opening credit',
        tags,
        body: NewAccountBody,
        response: { 201: NewAccountResponse, ...ErrorResponses },
      },
    },
    async (request, reply) => {
      const credit = request.body.opening_credit === undefined ? undefined : centsOf('opening_credit', request.body.opening_credit);
      const input = { name: request.body.name, ...(credit ? { openingCreditCents: credit } : {}) };
      const created = await createAccount(deps, input, idempotencyClaimOf(request));
      return reply.code(201).send({
        account: presentAdminAccount(created.account),
        api_key: { ...presentApiKey(created.key), api_key: created.apiKey },
      });
    },
  );

  app.get(
    '/accounts/:account_id',
    {
      schema: {
        operationId: 'getAccount',
        summary: 'Show an account',
        tags,
        params: AccountIdParam,
        response: { 200: AccountRef, ...ErrorResponses },
      },
    },
    async (request) => presentAdminAccount(await requireAccount(deps, request.params.account_id)),
  );

  for (const [action, status] of [
    ['suspend', 'suspended'],
    ['reactivate', 'active'],
  ] as const) {
    app.post(
      `/accounts/:account_id/${action}`,
      {
        schema: {
          operationId: `${action}Account`,
          summary:
            action === 'suspend'
              ? "Suspend an account: its keys get 403 account_suspended until it is reactivated"
              : 'Reactivate a suspended account',
          tags,
          params: AccountIdParam,
          response: { 200: AccountRef, ...ErrorResponses },
        },
      },
      async (request) => presentAdminAccount(await changeAccountStatus(deps, request.params.account_id, status)),
    );
  }

  app.get(
    '/accounts/:account_id/keys',
    {
      schema: {
        operationId: 'listApiKeys',
        summary: "An account's API keys, without secrets",
        tags,
        params: AccountIdParam,
        response: { 200: ApiKeyList, ...ErrorResponses },
      },
    },
    async (request) => ({ results: (await apiKeysOf(deps, request.params.account_id)).map(presentApiKey) }),
  );

  app.post(
    '/accounts/:account_id/keys',
    {
      config: ANSWER_HOLDS_SECRET,
      schema: {
        operationId: 'createApiKey',
        summary: 'Create an API key; the secret is in this response only',
        tags,
        params: AccountIdParam,
        body: NewKeyBody,
        response: { 201: NewApiKey, ...ErrorResponses },
      },
    },
    async (request, reply) => {
      const created = await issueApiKey(deps, request.params.account_id, request.body.label ?? null, idempotencyClaimOf(request));
      return reply.code(201).send({ ...presentApiKey(created.key), api_key: created.apiKey });
    },
  );

  app.delete(
    '/accounts/:account_id/keys/:key_id',
    {
      schema: {
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key: refused from the next request on, in every process',
        tags,
        params: KeyIdParam,
        response: { 200: Type.Ref('ApiKeyInfo'), ...ErrorResponses },
      },
    },
    async (request) => presentApiKey(await revokeAccountKey(deps, request.params.account_id, request.params.key_id)),
  );

  for (const direction of ['credit', 'debit'] as const) {
    app.post(
      `/accounts/:account_id/${direction}s`,
      {
        schema: {
          operationId: `${direction}Account`,
          summary:
            direction === 'credit'
              ? 'Credit an account (a ledger transaction of type credit)'
              : 'Debit an account (an adjustment); never below the available balance',
          tags,
          params: AccountIdParam,
          body: AdjustmentBody,
          response: { 201: Type.Ref('Transaction'), ...ErrorResponses },
        },
      },
      async (request, reply) => {
        const cents = centsOf('amount', request.body.amount, 1);
        const change = { direction, cents, reason: request.body.reason };
        const row = await adjustBalance(deps, request.params.account_id, change, idempotencyClaimOf(request));
        return reply.code(201).send(presentTransaction(row));
      },
    );
  }

  app.get(
    '/accounts/:account_id/transactions',
    {
      schema: {
        operationId: 'listAccountTransactions',
        summary: "An account's ledger, newest first",
        tags,
        params: AccountIdParam,
        querystring: ListQuery,
        response: { 200: TransactionList, ...ErrorResponses },
      },
    },
    async (request) => {
      await requireAccount(deps, request.params.account_id);
      return listBody(await transactionsOf(deps, request.params.account_id, pageRequest(request.query)), presentTransaction);
    },
  );

  app.get(
    '/accounts/:account_id/destinations',
    {
      schema: {
        operationId: 'listAccountDestinations',
        summary: "An account's routing targets (devices, servers, voicemail, IVRs, queues, ring groups, forwards)",
        tags,
        params: AccountIdParam,
        response: { 200: AdminDestinationList, ...ErrorResponses },
      },
    },
    async (request) => ({ results: (await destinationsForOperator(deps, request.params.account_id)).map(presentAdminDestination) }),
  );

  app.post(
    '/accounts/:account_id/destinations',
    {
      schema: {
        operationId: 'createAccountDestination',
        summary: 'Register a routing target for an account',
        tags,
        params: AccountIdParam,
        body: DestinationBody,
        response: { 201: DestinationRef, ...ErrorResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(presentAdminDestination(await addDestination(deps, request.params.account_id, request.body, idempotencyClaimOf(request)))),
  );

  app.patch(
    '/accounts/:account_id/destinations/:destination_id',
    {
      schema: {
        operationId: 'updateAccountDestination',
        summary: 'Rename, enable or disable a routing target',
        tags,
        params: DestinationIdParam,
        body: DestinationPatch,
        response: { 200: DestinationRef, ...ErrorResponses },
      },
    },
    async (request) =>
      presentAdminDestination(
        await changeDestination(deps, request.params.account_id, request.params.destination_id, request.body),
      ),
  );

  app.delete(
    '/accounts/:account_id/destinations/:destination_id',
    {
      schema: {
        operationId: 'deleteAccountDestination',
        summary: 'Remove a routing target (409 in_use while a number routes to it)',
        tags,
        params: DestinationIdParam,
        response: { 200: DestinationRef, ...ErrorResponses },
      },
    },
    async (request) =>
      presentAdminDestination(await removeDestination(deps, request.params.account_id, request.params.destination_id)),
  );

  app.get(
    '/accounts/:account_id/upstream-route',
    {
      schema: {
        operationId: 'getAccountUpstreamRoute',
        summary: "Where upstream sends the account's calls (reseller mode; 409 upstream_not_configured otherwise)",
        tags,
        params: AccountIdParam,
        response: { 200: AccountUpstreamRoute, ...ErrorResponses },
      },
    },
    async (request) => showUpstreamRoute(deps, request.params.account_id),
  );

  app.put(
    '/accounts/:account_id/upstream-route',
    {
      schema: {
        operationId: 'setAccountUpstreamRoute',
        summary: "Send the account's calls elsewhere upstream: its numbers are reconfigured upstream in the background",
        tags,
        params: AccountIdParam,
        body: UpstreamRouteBody,
        response: { 200: AccountUpstreamRoute, ...ErrorResponses },
      },
    },
    async (request) => changeUpstreamRoute(deps, request.params.account_id, request.body),
  );

  app.delete(
    '/accounts/:account_id/upstream-route',
    {
      schema: {
        operationId: 'clearAccountUpstreamRoute',
        summary: "Return the account's calls to the configured upstream route",
        tags,
        params: AccountIdParam,
        response: { 200: AccountUpstreamRoute, ...ErrorResponses },
      },
    },
    async (request) => changeUpstreamRoute(deps, request.params.account_id, undefined),
  );
}
