/**
 * Tells this process's background workers that a request may have written something they act on
 * (an account event for the webhook worker), so that they look at once instead of at their next
 * poll. Other processes' changes are still found by polling.
 */
export interface ChangeSignal {
  notify(): void;
  /** Calls `listener` on each notification; returns the unsubscription. */
  subscribe(listener: () => void): () => void;
}

export function createChangeSignal(): ChangeSignal {
  const listeners = new Set<() => void>();
  return {
    notify() {
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
