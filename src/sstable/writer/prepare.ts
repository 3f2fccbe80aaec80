/**
 * Input rows (JSON or bytes, by column name) -> encoded rows (header indexes, serialized values,
 * sorted cells), with the defaults of the input model applied and checked.
 *
 * Multi-cell columns follow what CQL writes (3.11 Lists/Sets/Maps/UserTypes Setter): a whole-value write
 * is a complex deletion at `timestamp - 1` plus one cell per element; null UDT fields write no cell.
 * List cell paths are version-1 TimeUUIDs made from the cell timestamp and a per-writer counter, so
 * they are unique and increase in write order (UUIDGen.getTimeUUID orders list elements the same way).
 */
import { AgentError } from '../../errors.js';
import { LIVE, EMPTY_LIVENESS, NO_DELETION_TIME, type DeletionTime, type Liveness } from '../model.js';
import { encodeJson } from '../types/index.js';
import { baseType, type CqlType, type JsonValue } from '../types/model.js';
import type { WriterColumn, WriterLayout } from './layout.js';
import type { WriteCell, WriteColumn, WriteComplex, WriteElement, WriteLiveness, WriteValue } from './model.js';
import type { EncodedCell, EncodedColumn, EncodedRow } from './unfiltered.js';

const EMPTY = new Uint8Array(0);
/** 100-ns intervals between 1582-10-15 and 1970-01-01 (UUID version 1 epoch) */
const UUID_EPOCH_OFFSET = 0x01b21dd213814000n;

const bad = (msg: string): never => {
  throw new AgentError('E_BAD_ARGUMENT', msg);
};

/** JSON through encodeJson, bytes as they are. */
export function encodeValue(t: CqlType, v: WriteValue, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  try {
    return encodeJson(t, v);
  } catch (e) {
    if (e instanceof AgentError) throw new AgentError('E_BAD_ARGUMENT', `${what}: ${e.message}`, {}, { cause: e });
    throw e;
  }
}

export class RowEncoder {
  private lastUuidTime = 0n;

  constructor(
    private readonly layout: WriterLayout,
    private readonly nowInSec: number,
  ) {}

  liveness(l: WriteLiveness | undefined): Liveness {
    if (l === undefined) return EMPTY_LIVENESS;
    const ttl = l.ttl ?? 0;
    if (ttl < 0) bad(`negative TTL ${ttl}`);
    return { timestamp: l.timestamp, ttl, localExpirationTime: ttl === 0 ? NO_DELETION_TIME : l.localExpirationTime ?? this.nowInSec + ttl };
  }

  /** Encodes the cells of a row (static or not). `defaultTs` is the row's timestamp, if any. */
  encodeRow(
    isStatic: boolean,
    clustering: readonly (Uint8Array | null)[],
    liveness: Liveness,
    deletion: DeletionTime,
    cells: Readonly<Record<string, WriteColumn>> | undefined,
    defaultTs: bigint | undefined,
  ): EncodedRow {
    const columns: EncodedColumn[] = [];
    if (cells !== undefined) {
      for (const [name, input] of Object.entries(cells)) {
        const entry = this.layout.byName.get(name);
        if (entry === undefined) bad(`${this.where()}: no column "${name}"`);
        else if (entry.isStatic !== isStatic) bad(`${this.where()}: column "${name}" is ${entry.isStatic ? '' : 'not '}static`);
        else columns.push(this.encodeColumn(entry.column, entry.index, input, defaultTs));
      }
    }
    columns.sort((a, b) => a.index - b.index);
    return { kind: 'row', isStatic, clustering, liveness, deletion, columns };
  }

  private where(): string {
    return `${this.layout.schema.keyspace}.${this.layout.schema.table}`;
  }

  private cell(c: WriteCell, col: WriterColumn, value: Uint8Array, path: Uint8Array | null, defaultTs: bigint | undefined): EncodedCell {
    const timestamp = c.timestamp ?? defaultTs ?? bad(`${this.where()}.${col.name}: a cell needs a timestamp (or a row liveness timestamp)`);
    if (c.deleted === true) {
      return { timestamp, ttl: 0, localDeletionTime: c.localDeletionTime ?? this.nowInSec, value: EMPTY, path };
    }
    const ttl = c.ttl ?? 0;
    if (ttl < 0) bad(`${this.where()}.${col.name}: negative TTL ${ttl}`);
    const ldt = ttl === 0 ? NO_DELETION_TIME : c.localExpirationTime ?? this.nowInSec + ttl;
    return { timestamp, ttl, localDeletionTime: ldt, value, path };
  }

  private encodeColumn(col: WriterColumn, index: number, input: WriteColumn, defaultTs: bigint | undefined): EncodedColumn {
    const t = col.def.type;
    if (!col.complex) {
      if ('kind' in input) return bad(`${this.where()}.${col.name} is not a multi-cell column`);
      const value = input.deleted === true || input.value === undefined ? EMPTY : encodeValue(t, input.value, `${this.where()}.${col.name}`);
      if (input.deleted !== true && input.value === undefined) bad(`${this.where()}.${col.name}: a live cell needs a value`);
      return { index, cells: [this.cell(input, col, value, null, defaultTs)], deletion: LIVE };
    }
    const complex: WriteComplex = 'kind' in input ? input : this.expandWhole(col, input, defaultTs);
    const cells = complex.elements.map((e) => this.element(col, e, defaultTs));
    const cmp = col.pathCompare;
    if (cmp !== null) {
      cells.sort((a, b) => cmp(a.path ?? EMPTY, b.path ?? EMPTY));
      for (let i = 1; i < cells.length; i++) {
        if (cmp((cells[i - 1] as EncodedCell).path ?? EMPTY, (cells[i] as EncodedCell).path ?? EMPTY) === 0) {
          bad(`${this.where()}.${col.name}: two elements with the same cell path`);
        }
      }
    }
    return { index, cells, deletion: complex.deletion ?? LIVE };
  }

  /** A whole-collection write or delete of a multi-cell column. */
  private expandWhole(col: WriterColumn, c: WriteCell, defaultTs: bigint | undefined): WriteComplex {
    const ts = c.timestamp ?? defaultTs ?? bad(`${this.where()}.${col.name}: a cell needs a timestamp`);
    const ldt = c.localDeletionTime ?? this.nowInSec;
    if (c.deleted === true) return { kind: 'complex', deletion: { markedForDeleteAt: ts, localDeletionTime: ldt }, elements: [] };
    const deletion: DeletionTime = { markedForDeleteAt: ts - 1n, localDeletionTime: ldt };
    const v = c.value;
    if (v === undefined || v === null) return { kind: 'complex', deletion, elements: [] };
    if (v instanceof Uint8Array) return bad(`${this.where()}.${col.name}: give a multi-cell column's value as JSON or as elements`);
    const base = baseType(col.def.type);
    const cellOpts = { timestamp: ts, ...(c.ttl === undefined ? {} : { ttl: c.ttl }), ...(c.localExpirationTime === undefined ? {} : { localExpirationTime: c.localExpirationTime }) };
    const elements: WriteElement[] = [];
    if (base.kind === 'udt') {
      if (typeof v !== 'object' || Array.isArray(v)) return bad(`${this.where()}.${col.name}: expected an object`);
      for (const f of base.fields) {
        const fv = v[f.name];
        if (fv !== undefined && fv !== null) elements.push({ ...cellOpts, path: f.name, value: fv });
      }
    } else {
      if (!Array.isArray(v)) return bad(`${this.where()}.${col.name}: expected an array`);
      for (const e of v) {
        if (base.kind === 'map') {
          if (!Array.isArray(e) || e.length !== 2) return bad(`${this.where()}.${col.name}: expected [key, value] pairs`);
          elements.push({ ...cellOpts, path: e[0] as JsonValue, value: e[1] as JsonValue });
        } else if (base.kind === 'set') {
          elements.push({ ...cellOpts, path: e });
        } else {
          elements.push({ ...cellOpts, value: e });
        }
      }
    }
    return { kind: 'complex', deletion, elements };
  }

  private element(col: WriterColumn, e: WriteElement, defaultTs: bigint | undefined): EncodedCell {
    const base = baseType(col.def.type);
    const what = `${this.where()}.${col.name}`;
    let path: Uint8Array;
    let valueType: CqlType | null;
    switch (base.kind) {
      case 'list':
        path = e.path === undefined ? this.nextTimeUuid(e.timestamp ?? defaultTs ?? 0n) : encodeValue({ kind: 'native', name: 'timeuuid' }, e.path, what);
        valueType = base.element;
        break;
      case 'set':
        path = e.path === undefined ? bad(`${what}: a set element needs a path (the element)`) : encodeValue(base.element, e.path, what);
        valueType = null;
        break;
      case 'map':
        path = e.path === undefined ? bad(`${what}: a map element needs a path (the key)`) : encodeValue(base.key, e.path, what);
        valueType = base.value;
        break;
      case 'udt': {
        const p = e.path;
        let idx: number;
        if (typeof p === 'string') idx = base.fields.findIndex((f) => f.name === p);
        else if (typeof p === 'number') idx = p;
        else idx = -1;
        if (p instanceof Uint8Array) {
          path = p;
          idx = new DataView(p.buffer, p.byteOffset, p.length).getInt16(0);
        } else {
          if (idx < 0 || idx >= base.fields.length) bad(`${what}: no field ${JSON.stringify(p ?? null)}`);
          path = Uint8Array.of(idx >> 8, idx & 0xff);
        }
        valueType = base.fields[idx]?.type ?? bad(`${what}: no field #${idx}`);
        break;
      }
      default:
        return bad(`${what} is not a collection`);
    }
    let value: Uint8Array = EMPTY;
    if (e.deleted !== true && valueType !== null) {
      value = e.value === undefined ? bad(`${what}: a live element needs a value`) : encodeValue(valueType, e.value, what);
    }
    return this.cell(e, col, value, path, defaultTs);
  }

  /** A version-1 TimeUUID at the cell's time, strictly after the previous one generated. */
  private nextTimeUuid(timestampMicros: bigint): Uint8Array {
    let t = timestampMicros * 10n + UUID_EPOCH_OFFSET;
    if (t <= this.lastUuidTime) t = this.lastUuidTime + 1n;
    this.lastUuidTime = t;
    const out = new Uint8Array(16);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, Number(t & 0xffffffffn));
    dv.setUint16(4, Number((t >> 32n) & 0xffffn));
    dv.setUint16(6, Number((t >> 48n) & 0x0fffn) | 0x1000);
    dv.setUint16(8, 0x8000);
    out.set([0x02, 0x42, 0xac, 0x11, 0x00, 0x02], 10);
    return out;
  }
}
