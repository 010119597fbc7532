import { Type } from 'typebox';
import { ROUTE_TYPES } from '../../domain/routing.js';
import type { ServiceDeps } from '../../services/deps.js';
import { testRouting, type RoutingStep } from '../../services/test-routing.js';
import { callerOf } from '../auth.js';
import { noBodyAsEmpty } from '../json-body.js';
import { DidNumberParam, ErrorResponses, Nullable, StringEnum } from '../schemas/common-schemas.js';
import type { TypedApp } from '../typed-app.js';

const RoutingTestBody = Type.Object(
  {
    caller: Type.Optional(
      Nullable(Type.String({ maxLength: 64, description: 'The calling number in any form; null, empty or "anonymous" for a withheld number (the default)' })),
    ),
  },
  { additionalProperties: false },
);

const Step = Type.Object({
  step: StringEnum(['primary', 'backup', 'blocked'] as const, { description: 'blocked: where the block preferences send a blocked call' }),
  route: StringEnum(ROUTE_TYPES),
  destination: Nullable(Type.String()),
  timeout_seconds: Nullable(Type.Integer({ description: 'How long it rings before the next step takes over' })),
  destination_exists: Nullable(Type.Boolean({ description: 'null for a route that takes no destination' })),
  destination_enabled: Nullable(Type.Boolean()),
  usable: Type.Boolean(),
  problem: Nullable(Type.String()),
});

const RoutingTestAnswer = Type.Object({
  did_number: Type.String(),
  caller: Type.Object({
    number: Nullable(Type.String({ description: 'E.164 digits; null when withheld or not a number' })),
    kind: StringEnum(['hidden', 'invalid', 'international', 'mobile', 'landline', 'other'] as const),
  }),
  blocked: Type.Boolean(),
  block_rule: Nullable(Type.String({ description: 'The preference that blocked the call, or allow_list when that let it through' })),
  steps: Type.Array(Step),
  answered_by: Nullable(StringEnum(['primary', 'backup', 'blocked'] as const, { description: 'The first step that can take the call' })),
  outcome: Type.String({ description: 'What would happen, in a sentence' }),
});

/** The seed's "test number after activation": a dry run of an inbound call through the number's routing. */
export function registerRoutingTestRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.post(
    '/phone-numbers/:did_number/test',
    {
      preValidation: noBodyAsEmpty,
      schema: {
        operationId: 'testNumberRouting',
        summary: 'What an inbound call from a caller would meet: block preferences, then each routing step and whether its destination exists and is enabled [Bilby]',
        description: 'No call is placed and nothing changes. 404 number_not_found unless the number is the caller’s and active.',
        tags: ['Bilby'],
        params: DidNumberParam,
        body: RoutingTestBody,
        response: { 200: RoutingTestAnswer, ...ErrorResponses },
      },
    },
    async (request) => {
      const test = await testRouting(deps, callerOf(request).accountId, request.params.did_number, request.body.caller ?? null);
      return {
        did_number: test.didNumber,
        caller: { number: test.caller.e164, kind: test.caller.kind },
        blocked: test.screening.blocked,
        block_rule: test.screening.rule,
        steps: test.steps.map(presentStep),
        answered_by: test.answeredBy,
        outcome: test.outcome,
      };
    },
  );
}

function presentStep(step: RoutingStep) {
  return {
    step: step.step,
    route: step.route,
    destination: step.destination,
    timeout_seconds: step.timeoutSeconds,
    destination_exists: step.destinationExists,
    destination_enabled: step.destinationEnabled,
    usable: step.usable,
    problem: step.problem,
  };
}
