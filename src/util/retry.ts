/**
 * The only retry loop of the project (house style rule 10). A RetryPolicy names its attempts, its
 * backoff bounds (milliseconds) and which failures are worth another try; classification looks at
 * error codes and HTTP statuses, never at message text. Waits are cancelled by the AbortSignal.
 *
 * Backoff: attempt n (1-based) that failed waits min(maxDelayMs, minDelayMs × 2^(n-1)); with
 * jitter 'full' the wait is uniform in [0, that] (AWS "full jitter"), with 'none' exactly that.
 */
import { isAbortError, sleep, throwIfAborted } from './abort.js';

export interface RetryPolicy {
  /** name shown in messages and reports */
  readonly name: string;
  /** total tries, the first included (1 = no retry) */
  readonly attempts: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly jitter: 'full' | 'none';
  /** whether another try may succeed; must not look at message text */
  readonly retryable: (e: unknown) => boolean;
}

export interface RetryHooks {
  readonly signal?: AbortSignal;
  /** called before each wait: the failed attempt (1-based), the error, and the wait in ms */
  readonly onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
  /** random source in [0, 1), for tests */
  readonly random?: () => number;
}

/** The wait after failed attempt `attempt` (1-based). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.max(0, attempt - 1));
  return policy.jitter === 'full' ? Math.floor(random() * base) : base;
}

/**
 * Runs `fn` until it succeeds, fails with an error the policy does not retry, or runs out of
 * attempts; the last error is rethrown as is (callers wrap it with their own code and location).
 * A cancellation is never retried.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const attempts = Math.max(1, Math.floor(policy.attempts));
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(hooks.signal, policy.name);
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= attempts || isAbortError(e) || hooks.signal?.aborted === true || !policy.retryable(e)) throw e;
      const delay = backoffDelay(policy, attempt, hooks.random);
      hooks.onRetry?.(attempt, e, delay);
      await sleep(delay, hooks.signal);
    }
  }
}

/** Socket-level failures worth a retry (Node errno codes). */
const RETRYABLE_NET_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH',
  'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE',
]);

/** S3 error codes that AWS documents as transient (the SDK's own transient and throttling lists). */
const RETRYABLE_S3_CODES: ReadonlySet<string> = new Set([
  'InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout', 'RequestTimeoutException', 'Throttling',
  'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException', 'TooManyRequestsException',
  'ProvisionedThroughputExceededException', 'TransactionInProgressException', 'RequestLimitExceeded', 'BandwidthLimitExceeded',
  'TimeoutError', 'NetworkingError',
]);

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly Code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $retryable?: unknown;
  readonly cause?: unknown;
}

function shape(e: unknown): ErrorShape | null {
  return typeof e === 'object' && e !== null ? (e as ErrorShape) : null;
}

/**
 * Classification for S3 (and other AWS) calls: HTTP 5xx, 429 and 408, the documented transient and
 * throttling error codes, the SDK's `$retryable` mark, and socket errno codes (also on `cause`).
 * A 4xx other than those (403, 404, 400 EntityTooSmall …) will fail again and is not retried.
 */
export function isRetryableAwsError(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur !== undefined && cur !== null && depth < 4; depth++) {
    const s = shape(cur);
    if (s === null) return false;
    const status = s.$metadata?.httpStatusCode;
    if (typeof status === 'number') {
      if (status >= 500 || status === 429 || status === 408) return true;
      if (status >= 400) return false;
    }
    if (s.$retryable !== undefined && s.$retryable !== null && s.$retryable !== false) return true;
    for (const c of [s.code, s.Code, s.name]) {
      if (typeof c === 'string' && (RETRYABLE_NET_CODES.has(c) || RETRYABLE_S3_CODES.has(c))) return true;
    }
    cur = s.cause;
  }
  return false;
}

/**
 * The one policy of the S3 sink: every S3 request (CreateMultipartUpload, each UploadPart,
 * CompleteMultipartUpload, PutObject, HeadObject, …) is retried under it. The SDK's own retries are
 * switched off (maxAttempts 1) so that this is the only loop.
 */
export const S3_REQUEST_RETRY_POLICY: RetryPolicy = Object.freeze({
  name: 's3-request',
  attempts: 5,
  minDelayMs: 200,
  maxDelayMs: 10_000,
  jitter: 'full',
  retryable: isRetryableAwsError,
});
