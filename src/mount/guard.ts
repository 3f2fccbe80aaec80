/**
 * Reads through a mount that may drop. A failure whose errno means "the link is gone" (ENOTCONN
 * after sshfs died, EIO/ECONNABORTED/ETIMEDOUT when ssh lost the server) becomes E_MOUNT_LOST naming
 * the node and the file; with a retry policy, the mount is repaired and the whole operation runs
 * again. Only for operations that can be repeated from scratch (open, read a range, close): a
 * half-consumed stream must be restarted by its owner, never resumed here.
 */
import { AgentError, isAgentError } from '../errors.js';
import type { MountTarget } from './layout.js';
import { NO_RETRY, withRetry, type RetryPolicy } from './retry.js';

/** errno codes FUSE/sshfs return when the SSH link or the sshfs process is gone */
const LINK_LOST = new Set(['ENOTCONN', 'EIO', 'ECONNABORTED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTDOWN', 'ESHUTDOWN']);

function errnoOf(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('E_')) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `e` as E_MOUNT_LOST when it is a lost-link errno on a path under `target`, else `e` unchanged. */
export function asMountLost(e: unknown, target: MountTarget, path: string): unknown {
  const errno = errnoOf(e);
  if (errno === undefined || !LINK_LOST.has(errno)) return e;
  if (isAgentError(e) && e.code === 'E_MOUNT_LOST') return e;
  return new AgentError('E_MOUNT_LOST', `reading through the sshfs mount of ${target.remoteDir} failed with ${errno}`, { host: target.host, file: path }, { cause: e });
}

/** What the guard needs from the mount manager. */
export interface MountRepairer {
  targetOf(localPath: string): MountTarget | null;
  remount(target: MountTarget): Promise<void>;
}

export interface GuardOptions {
  policy?: RetryPolicy;
  signal?: AbortSignal;
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs `op` (which reads `path`); on a lost link, remounts the target and runs `op` again per the
 * policy (default: no retry, only the clear error). Paths outside every mount run `op` unguarded.
 */
export async function readThroughMount<T>(mounts: MountRepairer, path: string, op: () => Promise<T>, opts: GuardOptions = {}): Promise<T> {
  const target = mounts.targetOf(path);
  if (target === null) return op();
  return withRetry(async (attempt) => {
    if (attempt > 1) {
      try {
        await mounts.remount(target);
      } catch (e) {
        // a failed remount (server still down) is one more lost-link attempt, retried by code
        throw isAgentError(e) && e.code === 'E_SSH_UNREACHABLE'
          ? new AgentError('E_MOUNT_LOST', `remounting ${target.remoteDir} failed: ${e.message}`, { host: target.host, file: path }, { cause: e })
          : e;
      }
    }
    try {
      return await op();
    } catch (e) {
      throw asMountLost(e, target, path);
    }
  }, opts.policy ?? NO_RETRY, { ...(opts.signal === undefined ? {} : { signal: opts.signal }), onRetry: (failed, e) => opts.onRetry?.(e, failed + 1) });
}
