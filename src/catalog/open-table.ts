/**
 * Opening every SSTable of a table on a live node. Compaction may delete an SSTable between the directory
 * listing and the open of its files; the open then fails with ENOENT on a file the listing had seen. That
 * SSTable's data now lives in the compaction's output, which a new listing shows (the committed
 * transaction log hides the inputs: C/db/lifecycle/LogTransaction), so everything opened is closed and
 * the table listed again, under one retry policy (src/util/retry.ts).
 *
 * Once open, an SSTable is pinned (src/sstable/table.ts): later deletions do not affect its reads.
 */
import { AgentError, isAgentError } from '../errors.js';
import type { SSTableDescriptor } from '../sstable/io/descriptor.js';
import { closeAll, openSSTable, type OpenedSSTable, type OpenSSTableOptions } from '../sstable/table.js';
import { withRetry, type RetryPolicy } from '../util/retry.js';
import { locateTable, type TableLocation } from './locate.js';

export interface OpenTableOptions extends OpenSSTableOptions {
  /** listings tried before giving up, the first included; default 5 */
  readonly attempts?: number;
  /** pause after the first failed attempt, doubling after each further one (ms); default 100 */
  readonly pauseMs?: number;
  /** lists the table; default locateTable(paths, keyspace, table). Callers with their own listing
   *  (several data roots, snapshots) pass it here; tests use it to race the listing. */
  readonly locate?: () => Promise<TableLocation>;
  readonly signal?: AbortSignal;
  /** called before each pause with the failed attempt (1-based) and its E_TABLE_CHANGING error */
  readonly onRetry?: (attempt: number, error: AgentError) => void;
}

export interface OpenedTable {
  /** the listing the SSTables were opened from */
  readonly loc: TableLocation;
  /** one per loc.sstables entry, in the same order; the caller closes them (closeAll) */
  readonly sstables: OpenedSSTable[];
}

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_PAUSE_MS = 100;

/** The retry policy of openTableSSTables: only E_TABLE_CHANGING (a listed file vanished) is retried. */
export function tableOpenRetryPolicy(attempts = DEFAULT_ATTEMPTS, pauseMs = DEFAULT_PAUSE_MS): RetryPolicy {
  return {
    name: 'sstable-open',
    attempts,
    minDelayMs: pauseMs,
    maxDelayMs: Math.max(pauseMs, 2000),
    jitter: 'none',
    retryable: (e) => isAgentError(e) && e.code === 'E_TABLE_CHANGING',
  };
}

function isEnoent(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ENOENT';
}

function listedFiles(sstables: readonly SSTableDescriptor[]): Set<string> {
  const out = new Set<string>();
  for (const d of sstables) for (const c of d.components) out.add(d.componentPath(c));
  return out;
}

/**
 * The file a failed open found gone although the listing had it, or null when the failure has another
 * cause (a component never listed, such as CompressionInfo.db named by TOC.txt only, fails the same way
 * on every listing and is reported as it is).
 */
function vanishedFile(e: unknown, listed: ReadonlySet<string>): string | null {
  if (!isAgentError(e) || e.code !== 'E_MISSING_COMPONENT' || !isEnoent(e.cause)) return null;
  const file = e.location.file;
  return file !== undefined && listed.has(file) ? file : null;
}

/**
 * Lists the table's SSTables and opens them all; re-lists when compaction removed a listed file first.
 * @param paths as locateTable takes them (ignored when opts.locate is given)
 * @throws AgentError E_TABLE_CHANGING naming the last vanished file when every attempt lost a race;
 *   any other error of locateTable / openSSTable as it is. Nothing stays open when it throws.
 */
export async function openTableSSTables(paths: readonly string[], keyspace?: string, table?: string, opts: OpenTableOptions = {}): Promise<OpenedTable> {
  const attempts = Math.max(1, Math.floor(opts.attempts ?? DEFAULT_ATTEMPTS));
  const locate = opts.locate ?? (() => locateTable(paths, keyspace, table));
  const once = async (attempt: number): Promise<OpenedTable> => {
    const loc = await locate();
    const sstables: OpenedSSTable[] = [];
    try {
      for (const d of loc.sstables) sstables.push(await openSSTable(d, opts));
      return { loc, sstables };
    } catch (e) {
      await closeAll(sstables).catch(() => undefined);
      const file = vanishedFile(e, listedFiles(loc.sstables));
      if (file === null) throw e;
      const what = loc.keyspace !== null && loc.table !== null ? `${loc.keyspace}.${loc.table}` : 'the table';
      throw new AgentError(
        'E_TABLE_CHANGING',
        `an SSTable file of ${what} was deleted (compaction) between listing and opening it, on attempt ${attempt} of ${attempts}: the table kept changing; retry later or read a snapshot (nodetool snapshot, read.snapshotTag)`,
        { file },
        { cause: e },
      );
    }
  };
  const hooks = {
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.onRetry === undefined ? {} : { onRetry: (attempt: number, e: unknown) => opts.onRetry?.(attempt, e as AgentError) }),
  };
  return withRetry(once, tableOpenRetryPolicy(attempts, opts.pauseMs ?? DEFAULT_PAUSE_MS), hooks);
}
