/**
 * Splits one table's stream of CSV records into LOAD files of about `targetBytes` each
 * (`LOAD00000001.csv`, `LOAD00000002.csv`, …), streaming: a part's body is an AsyncIterable of
 * Uint8Array pieces pulled from the record source as the consumer reads it, so a 64 MiB part is never
 * held whole.
 *
 * Memory bound: one source batch (the caller's) + one piece of at most max(pieceBytes, longest record)
 * bytes, plus its string form while it is being encoded (byte batches: the batches a piece spans).
 *
 * Contract: parts are strictly sequential. Read a part's body to its end before asking for the next
 * part (the next part starts with the records the previous body did not take); `summary()` is
 * available once the body has ended. Records are never split across parts; a part exceeds targetBytes
 * only when it holds a single record larger than that.
 */
import { AgentError } from '../errors.js';
import { utf8Length } from './csv.js';
import type { ChunkOptions } from './options.js';

/** A LOAD file as written (manifest, checkpoint): the chunker's figures and the sink's digest. */
export interface PartSummary extends PartTally {
  /** lowercase hex SHA-256 of the bytes the sink stored (PutResult.sha256) */
  readonly sha256: string;
}

export interface CsvPart {
  readonly name: string;
  /** 1-based part number */
  readonly index: number;
  /**
   * single use; the consumer may keep the pieces: each is a fresh buffer or a view of a byte batch
   * (never modified once handed over, see RecordBatch)
   */
  readonly body: AsyncIterable<Uint8Array>;
  /** @throws AgentError E_BAD_ARGUMENT before the body has been read to its end */
  summary(): PartTally;
}

/**
 * A part's figures as the chunker knows them. Its SHA-256 is the sink's to compute (PutResult.sha256:
 * the digest of what was stored), so that each byte is hashed once.
 */
export interface PartTally {
  /** file name, e.g. LOAD00000001.csv */
  readonly name: string;
  readonly rows: number;
  readonly bytes: number;
}

/** `LOAD` + 8 digits (decimal, or uppercase hex like DMS's S3 target) + `.csv`; 1-based. */
export function loadFileName(index: number, counter: ChunkOptions['counter'] = 'decimal'): string {
  const limit = counter === 'hex' ? 0xffffffff : 99999999;
  if (!Number.isInteger(index) || index < 1 || index > limit) throw new AgentError('E_BAD_ARGUMENT', `LOAD file number ${index} is outside 1..${limit}`);
  const digits = counter === 'hex' ? index.toString(16).toUpperCase() : String(index);
  return `LOAD${digits.padStart(8, '0')}.csv`;
}

/**
 * A batch of records: strings, or the UTF-8 bytes of complete records (csv-fast.ts `encode`), each
 * ending with LF (the row delimiter "\n" or "\r\n") and quoted by RFC 4180, so that a record ends at
 * the first LF outside quotes. A byte batch must not be modified once handed over: parts keep views of it.
 */
export type RecordBatch = readonly string[] | Uint8Array | IndexedRecords;

/**
 * Byte records whose ends the producer already knows (csv-fast.ts `encode(rows, ends)`): `ends[i]` is
 * the offset in `bytes` just after record i, for i < count. The chunker then never scans the bytes.
 */
export interface IndexedRecords {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
  readonly count: number;
}

/** Whole records of a byte batch taken at once: `bytes` is a view of the batch. */
interface RecordRun {
  readonly bytes: Uint8Array;
  readonly rows: number;
}

const LF = 0x0a;
const QUOTE = 0x22;

/**
 * Pulls records from batches: string records one by one (with one record of look-back, a record a
 * part refused), byte records as runs of whole records.
 */
class RecordSource {
  private batch: readonly string[] | Uint8Array = [];
  /** record ends of the current byte batch when the producer gave them, and the next one to use */
  private ends: Uint32Array | null = null;
  private endIdx = 0;
  private pos = 0;
  /** byte batches: the first '"' at or after `quoteFrom` (-1: none), a cache for the record scan */
  private nextQuote = -1;
  private quoteFrom = Infinity;
  private held: string | undefined;
  private ended = false;

  constructor(private readonly it: AsyncIterator<RecordBatch>) {}

  /**
   * The next string record, or a run of whole byte records of at most `room` bytes (at least one
   * record when `first`; `rows` 0 when none fits) that ends once it holds `pieceRoom` bytes, or
   * undefined at the end.
   */
  async next(room: number, pieceRoom: number, first: boolean): Promise<string | RecordRun | undefined> {
    if (this.held !== undefined) {
      const r = this.held;
      this.held = undefined;
      return r;
    }
    while (this.pos >= this.batch.length) {
      if (this.ended) return undefined;
      const r = await this.it.next();
      if (r.done === true) {
        this.ended = true;
        return undefined;
      }
      this.take(r.value);
    }
    const b = this.batch;
    if (!(b instanceof Uint8Array)) return b[this.pos++];
    return this.run(b, room, pieceRoom, first);
  }

  /** Has a record left to give (used to look ahead without taking one). */
  async hasMore(): Promise<boolean> {
    if (this.held !== undefined) return true;
    while (this.pos >= this.batch.length) {
      if (this.ended) return false;
      const r = await this.it.next();
      if (r.done === true) {
        this.ended = true;
        return false;
      }
      this.take(r.value);
    }
    return true;
  }

  private take(batch: RecordBatch): void {
    if (batch instanceof Uint8Array || Array.isArray(batch)) {
      this.batch = batch as readonly string[] | Uint8Array;
      this.ends = null;
    } else {
      const indexed = batch as IndexedRecords;
      this.batch = indexed.bytes;
      this.ends = indexed.ends;
      this.endIdx = 0;
    }
    this.pos = 0;
    this.quoteFrom = Infinity;
  }

  private run(b: Uint8Array, room: number, pieceRoom: number, first: boolean): RecordRun {
    const start = this.pos;
    const limit = start + room;
    let end = start;
    let rows = 0;
    while (end < b.length) {
      const next = this.recordEnd(b, end);
      if (next > limit && !(first && rows === 0)) break;
      end = next;
      rows++;
      if (end - start >= pieceRoom) break;
    }
    this.pos = end;
    return { bytes: b.subarray(start, end), rows };
  }

  /** Offset just after the record starting at `p`: its first LF outside quotes (or the batch end). */
  private recordEnd(b: Uint8Array, p: number): number {
    const ends = this.ends;
    if (ends !== null) {
      while (this.endIdx < ends.length && (ends[this.endIdx] as number) <= p) this.endIdx++;
      return this.endIdx < ends.length ? (ends[this.endIdx] as number) : b.length;
    }
    for (;;) {
      const lf = b.indexOf(LF, p);
      if (lf < 0) return b.length;
      if (this.quoteFrom > p || (this.nextQuote >= 0 && this.nextQuote < p)) {
        this.nextQuote = b.indexOf(QUOTE, p);
        this.quoteFrom = p;
      }
      const q = this.nextQuote;
      if (q < 0 || q > lf) return lf + 1;
      // a quoted field: go past its closing quote ("" inside reads as a close and a reopen)
      const close = b.indexOf(QUOTE, q + 1);
      if (close < 0) return b.length;
      p = close + 1;
    }
  }

  unread(record: string): void {
    this.held = record;
  }

  async close(): Promise<void> {
    if (!this.ended) await this.it.return?.();
    this.ended = true;
  }
}

class Part implements CsvPart {
  private rows = 0;
  private bytes = 0;
  private state: 'new' | 'reading' | 'done' = 'new';

  constructor(
    readonly name: string,
    readonly index: number,
    private readonly source: RecordSource,
    private readonly o: ChunkOptions,
  ) {}

  get finished(): boolean {
    return this.state === 'done';
  }

  get body(): AsyncIterable<Uint8Array> {
    return { [Symbol.asyncIterator]: () => this.read() };
  }

  private async *read(): AsyncGenerator<Uint8Array> {
    if (this.state !== 'new') throw new AgentError('E_BAD_ARGUMENT', `the body of ${this.name} can be read only once`);
    this.state = 'reading';
    let text = '';
    let runs: Uint8Array[] = [];
    let pending = 0;
    for (;;) {
      const record = await this.source.next(this.o.targetBytes - this.bytes, this.o.pieceBytes - pending, this.bytes === 0);
      if (record === undefined) break;
      if (typeof record === 'string') {
        const n = utf8Length(record);
        if (this.bytes > 0 && this.bytes + n > this.o.targetBytes) {
          this.source.unread(record);
          break;
        }
        this.rows++;
        this.bytes += n;
        text += record;
        pending += n;
      } else {
        if (record.rows === 0) break;
        this.rows += record.rows;
        this.bytes += record.bytes.length;
        if (record.bytes.length >= this.o.pieceBytes / 4) {
          // a large run (a worker's batch) leaves as it is, a view: no copy
          if (pending > 0) yield this.piece(runs, text);
          text = '';
          runs = [];
          pending = 0;
          yield record.bytes;
          continue;
        }
        if (text !== '') runs.push(Buffer.from(text, 'utf8'));
        text = '';
        runs.push(record.bytes);
        pending += record.bytes.length;
      }
      if (pending >= this.o.pieceBytes) {
        yield this.piece(runs, text);
        text = '';
        runs = [];
        pending = 0;
      }
    }
    if (pending > 0) yield this.piece(runs, text);
    this.state = 'done';
  }

  /** One buffer holding the runs, then the text (a single run is passed on as it is). */
  private piece(runs: readonly Uint8Array[], text: string): Uint8Array {
    if (runs.length === 0) return Buffer.from(text, 'utf8');
    if (runs.length === 1 && text === '') return runs[0] as Uint8Array;
    return Buffer.concat(text === '' ? runs : [...runs, Buffer.from(text, 'utf8')]);
  }

  summary(): PartTally {
    if (this.state !== 'done') throw new AgentError('E_BAD_ARGUMENT', `summary of ${this.name} asked before its body was read to the end`);
    return { name: this.name, rows: this.rows, bytes: this.bytes };
  }
}

/**
 * The LOAD parts of one table. `records` yields batches of complete CSV records (each ending with the
 * row delimiter, as csv.ts makes them), as strings or as UTF-8 bytes (see RecordBatch). A table without records yields one empty part when
 * `emptyTableFile` is set, none otherwise.
 * @throws AgentError E_BAD_ARGUMENT when the next part is requested before the previous body ended
 */
export async function* csvParts(records: AsyncIterable<RecordBatch>, o: ChunkOptions): AsyncGenerator<CsvPart> {
  const source = new RecordSource(records[Symbol.asyncIterator]());
  try {
    let index = 1;
    for (;;) {
      const more = await source.hasMore();
      if (!more && (index > 1 || !o.emptyTableFile)) return;
      const part = new Part(loadFileName(index, o.counter), index, source, o);
      yield part;
      if (!part.finished) throw new AgentError('E_BAD_ARGUMENT', `the next LOAD part was requested before the body of ${part.name} was read to its end`);
      if (!more) return;
      index++;
    }
  } finally {
    await source.close();
  }
}
