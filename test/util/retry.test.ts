import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { sleep } from '../../src/util/abort.js';
import { backoffDelay, isRetryableAwsError, S3_REQUEST_RETRY_POLICY, withRetry, type RetryPolicy } from '../../src/util/retry.js';

const policy: RetryPolicy = { name: 't', attempts: 4, minDelayMs: 1, maxDelayMs: 4, jitter: 'none', retryable: (e) => (e as { code?: string }).code === 'AGAIN' };
const again = (): Error => Object.assign(new Error('x'), { code: 'AGAIN' });

describe('withRetry', () => {
  it('retries retryable failures up to `attempts`, then rethrows the last error', async () => {
    let n = 0;
    const waits: number[] = [];
    await expect(withRetry(async () => {
      n++;
      throw again();
    }, policy, { onRetry: (_a, _e, d) => waits.push(d) })).rejects.toMatchObject({ code: 'AGAIN' });
    expect(n).toBe(4);
    expect(waits).toEqual([1, 2, 4]);
  });

  it('succeeds after transient failures; never retries a non-retryable error', async () => {
    let n = 0;
    expect(await withRetry(async (attempt) => {
      n++;
      if (attempt < 3) throw again();
      return 'ok';
    }, policy)).toBe('ok');
    expect(n).toBe(3);
    n = 0;
    await expect(withRetry(async () => {
      n++;
      throw new Error('AGAIN in the message is not a code');
    }, policy)).rejects.toThrow();
    expect(n).toBe(1);
  });

  it('an abort cancels the backoff wait (E_ABORTED)', async () => {
    const ac = new AbortController();
    const slow: RetryPolicy = { ...policy, minDelayMs: 60_000, maxDelayMs: 60_000 };
    const p = withRetry(async () => {
      throw again();
    }, slow, { signal: ac.signal });
    setTimeout(() => ac.abort(), 10);
    const t0 = Date.now();
    await expect(p).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(Date.now() - t0).toBeLessThan(5000);
    await expect(sleep(10, ac.signal)).rejects.toBeInstanceOf(AgentError);
  });

  it('full jitter stays within [0, capped exponential]', () => {
    const p: RetryPolicy = { ...policy, jitter: 'full', minDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(p, 1, () => 0.999)).toBeLessThan(100);
    expect(backoffDelay(p, 10, () => 0.999)).toBeLessThan(1000);
    expect(backoffDelay(p, 3, () => 0)).toBe(0);
  });
});

describe('isRetryableAwsError (by status and code, never by message)', () => {
  const http = (status: number, name = 'X'): unknown => Object.assign(new Error('m'), { name, $metadata: { httpStatusCode: status } });
  it.each([
    [http(500), true], [http(503, 'SlowDown'), true], [http(429), true], [http(408), true],
    [http(403, 'AccessDenied'), false], [http(404, 'NoSuchBucket'), false], [http(400, 'EntityTooSmall'), false],
    [Object.assign(new Error('m'), { code: 'ECONNRESET' }), true], [Object.assign(new Error('m'), { name: 'TimeoutError' }), true],
    [new Error('socket hang up ECONNRESET InternalError 500'), false],
    [Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('m'), { code: 'EPIPE' }) }), true],
  ])('%#', (e, expected) => {
    expect(isRetryableAwsError(e)).toBe(expected);
  });
  it('the S3 policy is named and bounded', () => {
    expect(S3_REQUEST_RETRY_POLICY).toMatchObject({ name: 's3-request', attempts: 5, minDelayMs: 200, maxDelayMs: 10_000, jitter: 'full' });
  });
});
