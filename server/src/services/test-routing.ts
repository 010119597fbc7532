import { callerOf, screenCaller, type BlockPrefs, type Caller, type Screening } from '../domain/call-screening.js';
import { isRouteType, needsDestination, type RouteType } from '../domain/routing.js';
import { findDestination } from '../store/destination-store.js';
import { findOwnedNumber } from '../store/number-store.js';
import type { ServiceDeps } from './deps.js';
import { numberNotFound, requireOwnedNumberFormat } from './release-number.js';
import { DEFAULT_BLOCK_PREFS, DEFAULT_PRIMARY_TIMEOUT_S } from './settle-order.js';

/** One place an inbound call would be sent, in turn. */
export interface RoutingStep {
  step: 'primary' | 'backup' | 'blocked';
  route: RouteType;
  destination: string | null;
  /** How long it rings before the next step takes over; null for the last step or one that ends the call. */
  timeoutSeconds: number | null;
  /** For a route that takes a destination: whether the account has it, and whether the operator left it enabled. */
  destinationExists: boolean | null;
  destinationEnabled: boolean | null;
  /** The call can be sent here. */
  usable: boolean;
  /** Why not, in a sentence; null when usable. */
  problem: string | null;
}

export interface RoutingTest {
  didNumber: string;
  caller: Caller;
  screening: Screening;
  steps: RoutingStep[];
  /** The step that would take the call first; null when none can (or a block refuses it). */
  answeredBy: RoutingStep['step'] | null;
  /** What would happen, in a sentence. */
  outcome: string;
}

/**
 * `POST /phone-numbers/{did_number}/test`: what an inbound call from `caller` to one of the
 * account's numbers would meet, as its routing reads now: the block preferences first, then each
 * step (primary, backup, or where blocked calls go) with whether its destination exists and is
 * enabled. Nothing is dialled or changed.
 */
export async function testRouting(deps: Pick<ServiceDeps, 'database'>, accountId: string, didNumber: string, callerNumber: string | null): Promise<RoutingTest> {
  const e164 = requireOwnedNumberFormat(didNumber);
  const number = await findOwnedNumber(deps.database.db, accountId, e164);
  if (!number) throw numberNotFound(e164);
  const prefs: BlockPrefs = { ...DEFAULT_BLOCK_PREFS, ...(number.block_prefs ? (JSON.parse(number.block_prefs) as Partial<BlockPrefs>) : {}) };
  const caller = callerOf(callerNumber);
  const screening = screenCaller(prefs, caller);
  const step = async (name: RoutingStep['step'], route: string | null, destination: string | null, timeoutSeconds: number | null): Promise<RoutingStep | undefined> => {
    if (route === null || !isRouteType(route)) return undefined;
    if (!needsDestination(route)) return { step: name, route, destination: null, timeoutSeconds: null, destinationExists: null, destinationEnabled: null, usable: true, problem: null };
    const found = destination === null ? undefined : await findDestination(deps.database.db, accountId, route, destination);
    const exists = found !== undefined;
    const enabled = exists && Number(found.enabled) === 1;
    const problem = !exists
      ? `the account has no ${route} destination ${destination ?? '(none set)'}`
      : !enabled
        ? `the ${route} destination ${destination} is disabled`
        : null;
    return { step: name, route, destination, timeoutSeconds, destinationExists: exists, destinationEnabled: exists ? enabled : null, usable: problem === null, problem };
  };

  const steps: RoutingStep[] = [];
  if (screening.blocked) {
    const sent = await step('blocked', prefs.route, prefs.destination, null);
    if (sent) steps.push(sent);
  } else {
    const backup = await step('backup', number.backup_route, number.backup_destination, number.backup_timeout === null ? null : Number(number.backup_timeout));
    const primary = await step('primary', number.primary_route, number.primary_destination, backup ? Number(number.primary_timeout ?? DEFAULT_PRIMARY_TIMEOUT_S) : null);
    if (primary) steps.push(primary);
    if (backup) steps.push(backup);
  }
  const answeredBy = steps.find((s) => s.usable)?.step ?? null;
  return { didNumber: e164, caller, screening, steps, answeredBy, outcome: outcomeOf(screening, steps, answeredBy) };
}

function outcomeOf(screening: Screening, steps: RoutingStep[], answeredBy: RoutingStep['step'] | null): string {
  const where = (s: RoutingStep) => (s.destination === null ? s.route : `${s.route} ${s.destination}`);
  if (screening.blocked) {
    const sent = steps[0];
    if (!sent) return `Blocked by ${screening.rule}: the call is refused.`;
    return sent.usable ? `Blocked by ${screening.rule}: the call goes to ${where(sent)}.` : `Blocked by ${screening.rule}: it would go to ${where(sent)}, but ${sent.problem}; the call is refused.`;
  }
  const first = steps.find((s) => s.step === answeredBy);
  if (!first) return steps.length === 0 ? 'The number has no routing: the call fails.' : `No step can take the call (${steps.map((s) => s.problem).join('; ')}): it fails.`;
  const allowed = screening.rule === 'allow_list' ? 'The caller is on the allow list. ' : '';
  const next = steps[steps.indexOf(first) + 1];
  const then = next && first.timeoutSeconds !== null ? ` If unanswered within ${first.timeoutSeconds} s, ${next.usable ? `it goes to ${where(next)}` : `it would go to ${where(next)}, but ${next.problem}`}.` : '';
  const skipped = steps.indexOf(first) > 0 ? `The ${steps[0]!.step} step is skipped (${steps[0]!.problem}). ` : '';
  return `${allowed}${skipped}The call rings ${where(first)}.${then}`;
}
