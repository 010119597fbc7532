import { randomBytes } from 'node:crypto';
import { ACCOUNT_EVENT_KINDS, type AccountEventKind } from './account-event.js';
import { invalidRequest } from './errors.js';

/** What an endpoint may ask to hear: any account event kind, or `*` for all of them. */
export const WEBHOOK_EVENT_CHOICES = ['*', ...ACCOUNT_EVENT_KINDS] as const;
export type WebhookEventChoice = (typeof WEBHOOK_EVENT_CHOICES)[number];

export type WebhookEndpointStatus = 'enabled' | 'disabled';
/** pending: to be sent (now or at its next attempt); delivered: a 2xx came back; failed: given up on. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** Endpoints an account may have: enough for every integration, not a fan-out amplifier. */
export const MAX_ENDPOINTS_PER_ACCOUNT = 16;
export const MAX_WEBHOOK_URL_LENGTH = 2_048;
/** The longest a rotated-out secret may keep signing deliveries beside its successor. */
export const MAX_SECRET_OVERLAP_HOURS = 7 * 24;
/** Events one replay may send again. */
export const MAX_REPLAY_EVENTS = 10_000;

export interface WebhookEndpoint {
  id: string;
  accountId: string;
  url: string;
  description: string | null;
  events: WebhookEventChoice[];
  status: WebhookEndpointStatus;
  /** Why it was disabled: by its owner, or by Bilby after failing for the whole retry window. */
  disabledReason: string | null;
  /** The first failed attempt since its last success; null while deliveries succeed. */
  failingSince: string | null;
  /** The previous secret still signs until this instant (a rotation's overlap); null when none does. */
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An attempt as its endpoint's log shows it, with where its delivery stands now. */
export interface LoggedAttempt {
  id: string;
  eventId: string;
  kind: AccountEventKind;
  round: number;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: string;
  deliveryStatus: WebhookDeliveryStatus;
  nextAttemptAt: string | null;
}

/** A signing secret, as Stripe's look: 32 random bytes after `whsec_`. Shown once, kept to sign. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The kinds an endpoint asked for, each once, `*` alone when it is among them. */
export function normaliseEventChoices(choices: readonly string[]): WebhookEventChoice[] {
  if (choices.length === 0) throw invalidRequest('events', 'names no event kind: list the kinds wanted, or "*" for all');
  const known = new Set<string>(WEBHOOK_EVENT_CHOICES);
  const chosen = new Set<WebhookEventChoice>();
  choices.forEach((choice, i) => {
    if (!known.has(choice)) throw invalidRequest(`events[${i}]`, `"${choice}" is not an event kind (${WEBHOOK_EVENT_CHOICES.join(', ')})`);
    chosen.add(choice as WebhookEventChoice);
  });
  return chosen.has('*') ? ['*'] : [...chosen].sort();
}

export function wantsKind(choices: readonly WebhookEventChoice[], kind: AccountEventKind): boolean {
  return choices.includes('*') || choices.includes(kind);
}

/**
 * The URL as a delivery will use it: http or https, a host, no credentials (a receiver checks the
 * signature instead; a password in a URL would be shown in every listing), no fragment.
 */
export function parseWebhookUrl(text: string): URL {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) throw invalidRequest('url', `is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidRequest('url', 'is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidRequest('url', 'must be an http or https URL');
  if (url.hostname === '') throw invalidRequest('url', 'has no host');
  if (url.username !== '' || url.password !== '') throw invalidRequest('url', 'must not carry credentials: receivers check the Bilby-Signature header instead');
  if (url.hash !== '') throw invalidRequest('url', 'must not have a fragment (#…)');
  return url;
}

/** The URL's host as an address to check, without IPv6's brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export interface RetrySchedule {
  /** The wait after the first failed attempt; each later one doubles it. */
  baseMs: number;
  /** The longest wait between two attempts. */
  maxDelayMs: number;
  /** How long after its event a delivery is retried before Bilby gives up on it, and how long an endpoint may fail before it is disabled. */
  giveUpAfterMs: number;
}

/** Stripe's window: three days of retries, waits doubling from 30 s up to 6 hours. */
export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = { baseMs: 30_000, maxDelayMs: 6 * 3_600_000, giveUpAfterMs: 3 * 86_400_000 };

/**
 * When a delivery that has failed `attempts` times is tried again: the wait doubles per attempt,
 * up to the maximum, less up to a tenth at random (`jitter` in [0, 1)) so that the deliveries one
 * outage failed together do not all come back in the same instant.
 */
export function nextAttemptDelayMs(schedule: RetrySchedule, attempts: number, jitter: number): number {
  const doubled = schedule.baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30);
  const wait = Math.min(doubled, schedule.maxDelayMs);
  return Math.max(1, Math.round(wait * (1 - 0.1 * jitter)));
}
