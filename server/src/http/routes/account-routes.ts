import { availableCents, centsToDollars } from '../../domain/money.js';
import {
  accountOf,
  destinationsOf,
  transactionsOf,
  verifiedClisOf,
} from '../../services/account-queries.js';
import { addressesOf, createAddress, createPerson, deleteIpnd, personsOf } from '../../services/address-book.js';
import type { ServiceDeps } from '../../services/deps.js';
import { changeLowBalanceAlert } from '../../services/low-balance-alert.js';
import type { Account } from '../../domain/account.js';
import { centsOf } from '../money-input.js';
import { callerOf } from '../auth.js';
import { idempotencyClaimOf } from '../idempotency.js';
import { listBody, pageRequest } from '../cursor.js';
import { presentAddress, presentPerson, presentTransaction } from '../presenters.js';
import {
  AddressBody,
  AddressList,
  Balance,
  DestinationList,
  LowBalanceAlertBody,
  PersonBody,
  PersonList,
  TransactionList,
  VerifiedCliList,
} from '../schemas/account-schemas.js';
import { ErrorResponses, IdParam, Message } from '../schemas/common-schemas.js';
import { ListQuery } from '../schemas/purchase-schemas.js';
import type { TypedApp } from '../typed-app.js';

function presentBalance(account: Account) {
  const lowBalance = account.low_balance_cents === null || account.low_balance_cents === undefined ? null : Number(account.low_balance_cents);
  return {
    account_code: account.account_code,
    balance: centsToDollars(Number(account.balance_cents)),
    available_balance: centsToDollars(availableCents(account)),
    low_balance_alert: lowBalance === null ? null : centsToDollars(lowBalance),
  };
}

export function registerAccountRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.get(
    '/balance',
    {
      schema: {
        operationId: 'getBalance',
        summary: 'Account balance',
        tags: ['CrazyTel'],
        response: { 200: Balance, ...ErrorResponses },
      },
    },
    async (request) => {
      const account = await accountOf(deps, callerOf(request).accountId);
      return presentBalance(account);
    },
  );

  app.put(
    '/account/low-balance-alert',
    {
      schema: {
        operationId: 'setLowBalanceAlert',
        summary: 'Be told (event balance.low) each time the balance falls below a threshold [Bilby]',
        description: 'Once per fall: the balance must climb back to the threshold before it is told again. Setting it tells nothing by itself.',
        tags: ['Bilby'],
        body: LowBalanceAlertBody,
        response: { 200: Balance, ...ErrorResponses },
      },
    },
    async (request) => {
      const { threshold } = request.body;
      const cents = threshold === null ? null : centsOf('threshold', threshold);
      return presentBalance(await changeLowBalanceAlert(deps, callerOf(request).accountId, cents));
    },
  );

  app.get(
    '/phone-numbers/addresses',
    {
      schema: {
        operationId: 'listAddresses',
        summary: "The caller's registered service addresses (IPND)",
        tags: ['CrazyTel'],
        querystring: ListQuery,
        response: { 200: AddressList, ...ErrorResponses },
      },
    },
    async (request) => listBody(await addressesOf(deps, callerOf(request).accountId, pageRequest(request.query)), presentAddress),
  );

  app.get(
    '/phone-numbers/owners',
    {
      schema: {
        operationId: 'listOwners',
        summary: "The caller's persons / account holders (IPND)",
        tags: ['CrazyTel'],
        querystring: ListQuery,
        response: { 200: PersonList, ...ErrorResponses },
      },
    },
    async (request) => listBody(await personsOf(deps, callerOf(request).accountId, pageRequest(request.query)), presentPerson),
  );

  app.get(
    '/phone-numbers/destinations',
    {
      schema: {
        operationId: 'listDestinations',
        summary: "Where the caller's numbers can be routed",
        tags: ['CrazyTel'],
        querystring: ListQuery,
        response: { 200: DestinationList, ...ErrorResponses },
      },
    },
    async (request) =>
      listBody(await destinationsOf(deps, callerOf(request).accountId, pageRequest(request.query)), (destination) => destination),
  );

  app.post(
    '/account/address',
    {
      schema: {
        operationId: 'createAddress',
        summary: 'Add a service address',
        tags: ['CrazyTel'],
        body: AddressBody,
        response: { 201: { $ref: 'Address' }, ...ErrorResponses },
      },
    },
    async (request, reply) => {
      const row = await createAddress(deps, callerOf(request).accountId, request.body, idempotencyClaimOf(request));
      return reply.code(201).send(presentAddress(row));
    },
  );

  app.delete(
    '/account/address/:id',
    {
      schema: {
        operationId: 'deleteAddress',
        summary: 'Remove an address (409 while a number uses it)',
        tags: ['CrazyTel'],
        params: IdParam,
        response: { 200: Message, ...ErrorResponses },
      },
    },
    async (request) => {
      await deleteIpnd(deps, 'address', callerOf(request).accountId, request.params.id);
      return { message: 'Address deleted' };
    },
  );

  app.post(
    '/account/person',
    {
      schema: {
        operationId: 'createOwner',
        summary: 'Add a person (owner)',
        tags: ['CrazyTel'],
        body: PersonBody,
        response: { 201: { $ref: 'Person' }, ...ErrorResponses },
      },
    },
    async (request, reply) => {
      const row = await createPerson(deps, callerOf(request).accountId, request.body, idempotencyClaimOf(request));
      return reply.code(201).send(presentPerson(row));
    },
  );

  app.delete(
    '/account/person/:id',
    {
      schema: {
        operationId: 'deleteOwner',
        summary: 'Remove a person (409 while a number uses it)',
        tags: ['CrazyTel'],
        params: IdParam,
        response: { 200: Message, ...ErrorResponses },
      },
    },
    async (request) => {
      await deleteIpnd(deps, 'person', callerOf(request).accountId, request.params.id);
      return { message: 'Person deleted' };
    },
  );

  app.get(
    '/account/verified-cli',
    {
      schema: {
        operationId: 'listVerifiedCallerIds',
        summary: 'Verified caller IDs (purchased numbers join automatically)',
        tags: ['CrazyTel'],
        response: { 200: VerifiedCliList, ...ErrorResponses },
      },
    },
    async (request) => ({ results: await verifiedClisOf(deps, callerOf(request).accountId) }),
  );

  app.get(
    '/account/transactions',
    {
      schema: {
        operationId: 'listTransactions',
        summary: 'The ledger: every charge, refund and credit, newest first [Bilby]',
        tags: ['Bilby'],
        querystring: ListQuery,
        response: { 200: TransactionList, ...ErrorResponses },
      },
    },
    async (request) =>
      listBody(await transactionsOf(deps, callerOf(request).accountId, pageRequest(request.query)), presentTransaction),
  );
}
