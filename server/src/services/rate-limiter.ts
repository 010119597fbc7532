import { AppError } from '../domain/errors.js';
import type { Database } from '../store/database.js';
import { countRateLimitHit, deleteRateLimitWindows } from '../store/rate-limit-store.js';

/** Counts requests per API key in fixed one-minute windows. */
export interface RateLimiter {
  /** Counts a hit for the key at `now`; returns the window's total so far and when it ends. */
  hit(keyId: string, now: Date): Promise<{ hits: number; windowEndsAt: number }>;
  /** Drops windows that ended before `now`. */
  prune(now: Date): Promise<void>;
}

const WINDOW_MS = 60_000;

function windowOf(now: Date): { start: number; end: number } {
  const start = Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS;
  return { start, end: start + WINDOW_MS };
}

/** One process on its own database (SQLite): counting in memory costs no disk write per request. */
export function createMemoryRateLimiter(): RateLimiter {
  const windows = new Map<string, { start: number; hits: number }>();
  return {
    async hit(keyId, now) {
      const { start, end } = windowOf(now);
      const current = windows.get(keyId);
      const hits = current?.start === start ? current.hits + 1 : 1;
      windows.set(keyId, { start, hits });
      return { hits, windowEndsAt: end };
    },
    async prune(now) {
      const { start } = windowOf(now);
      for (const [key, window] of windows) if (window.start < start) windows.delete(key);
    },
  };
}

/** Several processes sharing PostgreSQL: the window is a row all of them increment. */
export function createDatabaseRateLimiter(database: Database): RateLimiter {
  return {
    async hit(keyId, now) {
      const { start, end } = windowOf(now);
      const hits = await countRateLimitHit(database.db, keyId, new Date(start).toISOString());
      return { hits, windowEndsAt: end };
    },
    async prune(now) {
      await deleteRateLimitWindows(database.db, new Date(windowOf(now).start).toISOString());
    },
  };
}

/** The limiter a deployment needs: shared through PostgreSQL, in memory for SQLite. */
export function createRateLimiter(database: Database): RateLimiter {
  return database.dialect === 'postgres' ? createDatabaseRateLimiter(database) : createMemoryRateLimiter();
}

/** Throws 429 rate_limited once a key has made more than `perMinute` requests this minute (0: no limit). */
export async function enforceRateLimit(
  deps: { rateLimiter: RateLimiter; clock: () => Date; settings: { rateLimitPerMinute: number } },
  keyId: string,
): Promise<void> {
  const limit = deps.settings.rateLimitPerMinute;
  if (limit <= 0) return;
  const now = deps.clock();
  const { hits, windowEndsAt } = await deps.rateLimiter.hit(keyId, now);
  if (hits > limit) {
    throw new AppError('rate_limited', `Rate limit of ${limit} requests per minute exceeded`, {
      retryAfterSeconds: Math.max(1, Math.ceil((windowEndsAt - now.getTime()) / 1000)),
    });
  }
}
