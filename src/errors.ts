/**
 * One error base with stable codes. The catalog below is mirrored in docs/errors.md; a test checks
 * that both list the same codes. Pure stages throw these too (they carry data, not I/O policy).
 */
export const ERROR_CATALOG = {
  E_CORRUPT_CHUNK: { status: 422, hint: 'The SSTable chunk failed its checksum or did not decompress; run nodetool scrub on the node or restore the file from a snapshot.' },
  E_TRUNCATED: { status: 422, hint: 'The file ends before the structure it holds; it may still be being written, or was copied partially.' },
  E_MISSING_COMPONENT: { status: 422, hint: 'A component the SSTable needs is absent; check the TOC.txt and that the copy or mount is complete.' },
  E_UNSUPPORTED_VERSION: { status: 422, hint: 'Only SSTable formats ka, la, lb, ma, mb, mc, md and me are supported.' },
  E_UNSUPPORTED_COMPRESSOR: { status: 422, hint: 'Supported compressors: LZ4Compressor, SnappyCompressor, DeflateCompressor, ZstdCompressor.' },
  E_BAD_TYPE: { status: 422, hint: 'The type string could not be parsed; check the schema or the SSTable header.' },
  E_BAD_FORMAT: { status: 422, hint: 'The bytes do not follow the SSTable format at this position.' },
  E_SCHEMA: { status: 422, hint: 'The schema is missing, cannot be parsed, or does not match the data.' },
  E_BAD_ARGUMENT: { status: 400, hint: 'Check the command line or request against the documentation.' },
  E_NOT_FOUND: { status: 404, hint: 'Check the path, keyspace and table names.' },
  E_IO: { status: 500, hint: 'An operating-system read or write failed; see the cause.' },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface ErrorLocation {
  file?: string;
  /** byte offset, in the file or (for Data.db) in the uncompressed stream, as the message says */
  offset?: number | bigint;
  chunk?: number;
  host?: string;
}

export class AgentError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation;
  constructor(code: ErrorCode, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(AgentError.compose(message, location), options);
    this.name = 'AgentError';
    this.code = code;
    this.location = location;
  }

  get hint(): string {
    return ERROR_CATALOG[this.code].hint;
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }

  private static compose(message: string, loc: ErrorLocation): string {
    const where: string[] = [];
    if (loc.host !== undefined) where.push(`host ${loc.host}`);
    if (loc.file !== undefined) where.push(loc.file);
    if (loc.chunk !== undefined) where.push(`chunk ${loc.chunk}`);
    if (loc.offset !== undefined) where.push(`offset ${loc.offset}`);
    return where.length > 0 ? `${message} (${where.join(', ')})` : message;
  }

  /** The same error, now also naming the file (decoders that work on bytes do not know it). */
  withFile(file: string): AgentError {
    if (this.location.file !== undefined) return this;
    const e = new AgentError(this.code, this.message, { ...this.location, file }, { cause: this.cause });
    return e;
  }
}

export function isAgentError(e: unknown): e is AgentError {
  return e instanceof AgentError;
}
