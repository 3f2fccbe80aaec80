/**
 * Summary.db (§7.3; C/io/sstable/IndexSummary.java serializer, SSTableReader.saveSummary): a sample of
 * Index.db (every minIndexInterval-th partition, fewer after downsampling) used to plan splits and seeks.
 * The offset table and the Index.db positions are little-endian (written in native order, pitfall P14);
 * everything else is big-endian. `ka`/`la`/`lb` append segment-boundary data after the last key, which
 * is ignored.
 */
import { AgentError } from '../../errors.js';
import { ByteReader } from './byte-reader.js';
import type { SSTableVersion } from './descriptor.js';

export interface SummaryEntry {
  /** partition key bytes (a view into the Summary.db bytes) */
  key: Uint8Array;
  /** offset of the partition's entry in Index.db */
  indexPosition: number;
}

export interface Summary {
  minIndexInterval: number;
  /** 128 = full sampling (BASE_SAMPLING_LEVEL) */
  samplingLevel: number;
  sizeAtFullSampling: number;
  entries: SummaryEntry[];
  firstKey: Uint8Array;
  lastKey: Uint8Array;
}

/** Pure. Throws E_TRUNCATED / E_BAD_FORMAT naming `file`. All versions share the layout up to the last key. */
export function parseSummary(bytes: Uint8Array, _version: SSTableVersion, file: string): Summary {
  const r = new ByteReader(bytes, file);
  const minIndexInterval = r.i32('minIndexInterval');
  const count = r.i32('the entry count');
  const entriesBytesAt = r.pos;
  const entriesBytes = r.i64Number('the entries size');
  const samplingLevel = r.i32('the sampling level');
  const sizeAtFullSampling = r.i32('the size at full sampling');
  if (count < 0) r.fail(`negative summary entry count ${count}`);
  const base = r.pos;
  r.need(entriesBytes, 'the summary entries');
  if (entriesBytes < count * 4) {
    throw new AgentError('E_BAD_FORMAT', `summary entries size ${entriesBytes} cannot hold ${count} offsets`, { file, offset: entriesBytesAt });
  }
  const offsets = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) offsets[i] = r.i32le('a summary offset');
  offsets[count] = entriesBytes;
  const entries: SummaryEntry[] = [];
  for (let i = 0; i < count; i++) {
    const start = offsets[i] as number;
    const end = offsets[i + 1] as number;
    if (start < count * 4 || end - start < 8 || end > entriesBytes) {
      throw new AgentError('E_BAD_FORMAT', `summary entry ${i} spans [${start}, ${end}) of ${entriesBytes} bytes`, { file, offset: base + i * 4 });
    }
    r.seek(base + start, 'a summary entry');
    const key = r.bytesView(end - start - 8, 'a summary key');
    entries.push({ key, indexPosition: r.i64leNumber('an Index.db position') });
  }
  r.seek(base + entriesBytes, 'the first key');
  const firstKey = r.bytesView(r.i32('the first key length'), 'the first key');
  const lastKey = r.bytesView(r.i32('the last key length'), 'the last key');
  return { minIndexInterval, samplingLevel, sizeAtFullSampling, entries, firstKey, lastKey };
}
