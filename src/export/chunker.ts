/**
 * Splits one table's stream of CSV records into LOAD files of about `targetBytes` each
 * (`LOAD00000001.csv`, `LOAD00000002.csv`, …), streaming: a part's body is an AsyncIterable of
 * Uint8Array pieces pulled from the record source as the consumer reads it, so a 64 MiB part is never
 * held whole.
 *
 * Memory bound: one source batch (the caller's) + one piece of at most max(pieceBytes, longest record)
 * bytes, plus its string form while it is being encoded.
 *
 * Contract: parts are strictly sequential. Read a part's body to its end before asking for the next
 * part (the next part starts with the records the previous body did not take); `summary()` is
 * available once the body has ended. Records are never split across parts; a part exceeds targetBytes
 * only when it holds a single record larger than that.
 */
import { createHash, type Hash } from 'node:crypto';
import { AgentError } from '../errors.js';
import { utf8Length } from './csv.js';
import type { ChunkOptions } from './options.js';

export interface PartSummary {
  /** file name, e.g. LOAD00000001.csv */
  readonly name: string;
  readonly rows: number;
  readonly bytes: number;
  /** lowercase hex SHA-256 of the part's bytes */
  readonly sha256: string;
}

export interface CsvPart {
  readonly name: string;
  /** 1-based part number */
  readonly index: number;
  /** single use; pieces are fresh buffers the consumer may keep */
  readonly body: AsyncIterable<Uint8Array>;
  /** @throws AgentError E_BAD_ARGUMENT before the body has been read to its end */
  summary(): PartSummary;
}

/** `LOAD` + 8 digits (decimal, or uppercase hex like DMS's S3 target) + `.csv`; 1-based. */
export function loadFileName(index: number, counter: ChunkOptions['counter'] = 'decimal'): string {
  const limit = counter === 'hex' ? 0xffffffff : 99999999;
  if (!Number.isInteger(index) || index < 1 || index > limit) throw new AgentError('E_BAD_ARGUMENT', `LOAD file number ${index} is outside 1..${limit}`);
  const digits = counter === 'hex' ? index.toString(16).toUpperCase() : String(index);
  return `LOAD${digits.padStart(8, '0')}.csv`;
}

/** Pulls records one by one from batches, with one record of look-back (a record a part refused). */
class RecordSource {
  private batch: readonly string[] = [];
  private pos = 0;
  private held: string | undefined;
  private ended = false;

  constructor(private readonly it: AsyncIterator<readonly string[]>) {}

  async next(): Promise<string | undefined> {
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
      this.batch = r.value;
      this.pos = 0;
    }
    return this.batch[this.pos++];
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
  private readonly hash: Hash = createHash('sha256');
  private state: 'new' | 'reading' | 'done' = 'new';
  private digest = '';

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
    let textBytes = 0;
    for (;;) {
      const record = await this.source.next();
      if (record === undefined) break;
      const n = utf8Length(record);
      if (this.bytes > 0 && this.bytes + n > this.o.targetBytes) {
        this.source.unread(record);
        break;
      }
      this.rows++;
      this.bytes += n;
      text += record;
      textBytes += n;
      if (textBytes >= this.o.pieceBytes) {
        yield this.piece(text);
        text = '';
        textBytes = 0;
      }
    }
    if (text !== '') yield this.piece(text);
    this.digest = this.hash.digest('hex');
    this.state = 'done';
  }

  private piece(text: string): Uint8Array {
    const b = Buffer.from(text, 'utf8');
    this.hash.update(b);
    return b;
  }

  summary(): PartSummary {
    if (this.state !== 'done') throw new AgentError('E_BAD_ARGUMENT', `summary of ${this.name} asked before its body was read to the end`);
    return { name: this.name, rows: this.rows, bytes: this.bytes, sha256: this.digest };
  }
}

/**
 * The LOAD parts of one table. `records` yields batches of complete CSV records (each ending with the
 * row delimiter, as csv.ts makes them). A table without records yields one empty part when
 * `emptyTableFile` is set, none otherwise.
 * @throws AgentError E_BAD_ARGUMENT when the next part is requested before the previous body ended
 */
export async function* csvParts(records: AsyncIterable<readonly string[]>, o: ChunkOptions): AsyncGenerator<CsvPart> {
  const source = new RecordSource(records[Symbol.asyncIterator]());
  try {
    let index = 1;
    for (;;) {
      const first = await source.next();
      if (first === undefined && (index > 1 || !o.emptyTableFile)) return;
      if (first !== undefined) source.unread(first);
      const part = new Part(loadFileName(index, o.counter), index, source, o);
      yield part;
      if (!part.finished) throw new AgentError('E_BAD_ARGUMENT', `the next LOAD part was requested before the body of ${part.name} was read to its end`);
      if (first === undefined) return;
      index++;
    }
  } finally {
    await source.close();
  }
}
