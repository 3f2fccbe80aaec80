/**
 * CompressionInfo.db (§3.1; C/io/compress/CompressionMetadata.java, 2.1 and 3.11):
 * utf compressor, i32 option count + utf pairs, i32 chunkLength, i64 dataLength, i32 chunkCount,
 * chunkCount × i64 file offset of each chunk in Data.db.
 */
import { AgentError } from '../../errors.js';
import { ByteReader } from './byte-reader.js';

export interface CompressionInfo {
  /** simple class name, e.g. `LZ4Compressor` (a fully qualified name is reduced to its last segment) */
  compressor: string;
  options: ReadonlyMap<string, string>;
  /** uncompressed bytes per chunk */
  chunkLength: number;
  /** total uncompressed length of Data.db */
  dataLength: number;
  /** file offset of chunk i in Data.db; entries beyond ceil(dataLength / chunkLength) are empty trailing chunks */
  chunkOffsets: Float64Array | number[];
}

/** Pure. Throws E_TRUNCATED / E_BAD_FORMAT naming `file`. */
export function parseCompressionInfo(bytes: Uint8Array, file: string): CompressionInfo {
  const r = new ByteReader(bytes, file);
  const className = r.utf('the compressor class name');
  const compressor = className.slice(className.lastIndexOf('.') + 1);
  const optionCount = r.i32('the option count');
  if (optionCount < 0) r.fail(`negative compressor option count ${optionCount}`);
  const options = new Map<string, string>();
  for (let i = 0; i < optionCount; i++) {
    const key = r.utf('a compressor option name');
    options.set(key, r.utf('a compressor option value'));
  }
  const chunkLengthAt = r.pos;
  const chunkLength = r.i32('the chunk length');
  if (chunkLength <= 0) {
    throw new AgentError('E_BAD_FORMAT', `chunk length must be positive, found ${chunkLength}`, { file, offset: chunkLengthAt });
  }
  const dataLength = r.i64Number('the uncompressed data length');
  const countAt = r.pos;
  const chunkCount = r.i32('the chunk count');
  const expected = Math.ceil(dataLength / chunkLength);
  // More offsets than the data length needs is legal: some 3.0.x writers end the file with an empty
  // chunk (a final flush of an empty buffer). Readers only ever address chunk floor(pos / chunkLength)
  // (CompressionMetadata.chunkFor), so such trailing chunks are never read. Fewer is an error.
  if (chunkCount < expected) {
    throw new AgentError('E_BAD_FORMAT', `chunk count ${chunkCount} is too small for data length ${dataLength} / chunk length ${chunkLength} (expected ${expected})`, { file, offset: countAt });
  }
  r.need(chunkCount * 8, `the ${chunkCount} chunk offsets`);
  const chunkOffsets = new Float64Array(chunkCount);
  let prev = 0;
  for (let i = 0; i < chunkCount; i++) {
    const at = r.pos;
    const off = r.i64Number('a chunk offset');
    if (off < prev) {
      throw new AgentError('E_BAD_FORMAT', `chunk offsets must not decrease: chunk ${i} at ${off} after ${prev}`, { file, offset: at, chunk: i });
    }
    chunkOffsets[i] = off;
    prev = off;
  }
  return { compressor, options, chunkLength, dataLength, chunkOffsets };
}
