/**
 * Abort helpers: one AbortSignal per task is passed down as `opts.signal`; these turn it into
 * rejections and cancellable waits.
 */
import { AgentError } from '../errors.js';

/** The error a cancelled operation rejects with (E_ABORTED), keeping the signal's reason as cause. */
export function abortError(signal: AbortSignal, what = 'operation'): AgentError {
  return new AgentError('E_ABORTED', `${what} cancelled`, {}, { cause: signal.reason });
}

/** @throws AgentError E_ABORTED when the signal has fired */
export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted === true) throw abortError(signal, what);
}

/** Resolves after `ms`, or rejects with E_ABORTED as soon as the signal fires (the timer is cleared). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortError(signal, 'wait'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal, 'wait'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Whether `e` is a cancellation (ours, or the AbortError of the AWS SDK / fetch / lib-storage). */
export function isAbortError(e: unknown): boolean {
  if (e instanceof AgentError) return e.code === 'E_ABORTED';
  return e instanceof Error && e.name === 'AbortError';
}
