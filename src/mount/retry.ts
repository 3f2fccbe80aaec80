/**
 * Retry policies for remote operations (sshfs mounts, SSH commands, reads through a mount), run by the
 * project's one retry loop (src/util/retry.ts). Errors are classified by their AgentError code only.
 */
import { isAgentError, type ErrorCode } from '../errors.js';
import type { RetryPolicy } from '../util/retry.js';

export type { RetryPolicy } from '../util/retry.js';
export { withRetry } from '../util/retry.js';

/** A policy retrying AgentErrors of the given codes, with exponential backoff (no jitter). */
export function codePolicy(name: string, attempts: number, minDelayMs: number, maxDelayMs: number, codes: readonly ErrorCode[]): RetryPolicy {
  return Object.freeze({ name, attempts, minDelayMs, maxDelayMs, jitter: 'none' as const, retryable: (e: unknown) => isAgentError(e) && codes.includes(e.code) });
}

/** Remote links: a restarted sshd or a dropped mount usually comes back within seconds. */
export const REMOTE_RETRY: RetryPolicy = codePolicy('remote link', 4, 250, 4000, ['E_SSH_UNREACHABLE', 'E_MOUNT_LOST']);

export const NO_RETRY: RetryPolicy = codePolicy('no retry', 1, 0, 0, []);
