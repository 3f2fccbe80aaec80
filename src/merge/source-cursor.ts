/**
 * One source of the merge: an SSTable's event stream read batch by batch, plus the per-source state the
 * merge keeps (cached token, open range tombstone, partition position for error messages).
 */
import { AgentError } from '../errors.js';
import { I64_MIN } from '../sstable/model.js';
import type { SSTableEvent } from '../sstable/model.js';
import type { Token } from './partitioner.js';

const NO_EVENTS: readonly SSTableEvent[] = [];

export class SourceCursor {
  /** the current batch; events before `idx` are consumed */
  batch: readonly SSTableEvent[] = NO_EVENTS;
  idx = 0;
  /** the iterator is exhausted (or closed) */
  done = false;
  /** token of the partition key `tokenKey` (cached: hashing is the dominant cost of comparing keys) */
  token: Token | null = null;
  tokenKey: Uint8Array | null = null;
  /** markedForDeleteAt of this source's open range tombstone in the current partition; I64_MIN if none */
  open = I64_MIN;
  /** this source's current partition has reached its end event */
  ended = false;
  /** Data.db position of the current partition, -1 before the first */
  position = -1;

  constructor(
    readonly index: number,
    private readonly it: AsyncIterator<readonly SSTableEvent[]>,
  ) {}

  /** Replaces the batch with the next one (an empty batch when the stream is exhausted). */
  async fill(): Promise<void> {
    const r = await this.it.next();
    if (r.done === true) {
      this.done = true;
      this.batch = NO_EVENTS;
    } else {
      this.batch = r.value;
    }
    this.idx = 0;
  }

  /** Closes the iterator unless it is exhausted (lets the reader release its file and buffers). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.it.return?.();
  }
}

/** E_BAD_FORMAT for a stream that breaks the event grammar (partition, [static], unfiltered*, end). */
export function badStream(message: string, c: SourceCursor): AgentError {
  const where = c.position >= 0 ? { offset: c.position } : {};
  return new AgentError('E_BAD_FORMAT', `event stream of source #${c.index}: ${message}`, where);
}
