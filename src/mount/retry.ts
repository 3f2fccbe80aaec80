/**
 * The one retry loop for remote operations (sshfs mounts, SSH commands, reads through a mount). A
 * policy is data: attempts, delays in milliseconds and the error codes worth another try. Errors are
 * classified by their AgentError code only, never by message text. An abort cancels the backoff.
 *
 * (House style puts this in src/util/retry.ts; it lives here until the lead moves it.)
 */
import { isAgentError, type ErrorCode } from '../errors.js';

export interface RetryPolicy {
  /** total attempts including the first (1 = no retry) */
  readonly attempts: number;
  /** delay before the second attempt, ms; doubles per attempt */
  readonly minDelayMs: number;
  /** cap of the delay, ms */
  readonly maxDelayMs: number;
  /** codes that may succeed on another attempt */
  readonly retryable: readonly ErrorCode[];
}

/** Remote links: a restarted sshd or a dropped mount usually comes back within seconds. */
export const REMOTE_RETRY: RetryPolicy = Object.freeze({
  attempts: 4,
  minDelayMs: 250,
  maxDelayMs: 4000,
  retryable: Object.freeze(['E_SSH_UNREACHABLE', 'E_MOUNT_LOST'] as const),
});

export const NO_RETRY: RetryPolicy = Object.freeze({ attempts: 1, minDelayMs: 0, maxDelayMs: 0, retryable: Object.freeze([]) });

export interface RetryOptions {
  signal?: AbortSignal;
  /** called before each new attempt, with the error that caused it (for logging by the caller) */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export function isRetryable(policy: RetryPolicy, error: unknown): boolean {
  return isAgentError(error) && policy.retryable.includes(error.code);
}

/** Delay before attempt `attempt` (2 = first retry): exponential from minDelayMs, capped. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.max(0, attempt - 2));
}

/** Runs `op` until it succeeds, fails with a non-retryable error, or the attempts run out (last error thrown). */
export async function withRetry<T>(policy: RetryPolicy, op: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await op(attempt);
    } catch (e) {
      if (attempt >= policy.attempts || !isRetryable(policy, e)) throw e;
      const delay = backoffDelay(policy, attempt + 1);
      opts.onRetry?.(e, attempt + 1, delay);
      await sleep(delay, opts.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
