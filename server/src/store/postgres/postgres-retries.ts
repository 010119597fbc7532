import { setTimeout as sleep } from 'node:timers/promises';

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';
const MAX_ATTEMPTS = 30;

/**
 * Write transactions are SERIALIZABLE unless they guard themselves (WriteOptions), so the checks a
 * transaction reads hold when it commits, as under SQLite's single writer. PostgreSQL then aborts
 * one of two conflicting transactions (or one of a deadlock, at any level); that is retried here
 * with jittered back-off and never reaches a client.
 */
export async function withRetries<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const retryable = code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED;
      if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
      await sleep(Math.random() * Math.min(50, 2 * attempt));
    }
  }
}
