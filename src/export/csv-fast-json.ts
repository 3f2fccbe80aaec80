/**
 * JSON text of the live cells of a non-frozen list, set or map column, written element by element
 * from the cell buffers: the text `jsonText(jsonCellsDecoder(t)(cells))` gives (dms-columns.ts,
 * json-codec.ts), i.e. list -> [v, ...], set -> [path, ...], map -> [[path, v], ...]. Elements without
 * a fast writer, or that it declines, are rendered by their json-codec decoder and `jsonText`.
 * Non-frozen UDTs take the string path whole.
 *
 * The writers run with the ByteWriter inside an opened CSV quote (`inQuotes`): every '"' they write
 * is doubled and counted, so that the usual JSON field needs no second pass (csv-fast.ts).
 */
import { ViewCell, type Cell } from '../sstable/model.js';
import { jsonRangeDecoder, type RangeDecoder } from '../sstable/types/index.js';
import { baseType, type CqlType, type JsonValue } from '../sstable/types/model.js';
import type { ByteWriter } from './byte-writer.js';
import { jsonElementWriter, type RawWriter } from './csv-fast-values.js';
import { jsonText } from './dms-columns.js';

export type ComplexWriter = (w: ByteWriter, cells: readonly Cell[]) => void;

interface Element {
  readonly raw: RawWriter | null;
  readonly decode: RangeDecoder;
}

const NO_PATH = new Uint8Array(0);

const element = (t: CqlType): Element => ({ raw: jsonElementWriter(t), decode: jsonRangeDecoder(t) });

function put(w: ByteWriter, el: Element, b: Uint8Array, s: number, e: number): void {
  if (el.raw === null || !el.raw(w, b, s, e)) {
    const start = w.pos;
    w.string(jsonText(el.decode(b, s, e)));
    w.doubleQuotesFrom(start);
  }
}

function putValue(w: ByteWriter, el: Element, c: Cell): void {
  if (c instanceof ViewCell) put(w, el, c.buf, c.valueOffset, c.valueOffset + c.valueLength);
  else put(w, el, c.value, 0, c.value.length);
}

function putPath(w: ByteWriter, el: Element, c: Cell): void {
  if (c instanceof ViewCell) {
    if (c.pathOffset < 0) put(w, el, NO_PATH, 0, 0);
    else put(w, el, c.buf, c.pathOffset, c.pathOffset + c.pathLength);
  } else {
    const p = c.path ?? NO_PATH;
    put(w, el, p, 0, p.length);
  }
}

/**
 * The writer of a multi-cell column of type `t`. `decodeCells` and `render` are the string path
 * (jsonCellsDecoder and the column's fieldRenderer), used whole for UDTs.
 */
export function complexWriter(t: CqlType, decodeCells: (cells: readonly Cell[]) => JsonValue, render: (v: JsonValue) => string): ComplexWriter {
  const b = baseType(t);
  switch (b.kind) {
    case 'list':
    case 'set': {
      const el = element(b.element);
      const fromPath = b.kind === 'set';
      return (w, cells) => {
        w.ensure(1);
        w.byte(0x5b);
        for (let i = 0; i < cells.length; i++) {
          w.ensure(1);
          if (i > 0) w.byte(0x2c);
          const c = cells[i] as Cell;
          if (fromPath) putPath(w, el, c);
          else putValue(w, el, c);
        }
        w.ensure(1);
        w.byte(0x5d);
      };
    }
    case 'map': {
      const key = element(b.key);
      const value = element(b.value);
      return (w, cells) => {
        w.ensure(1);
        w.byte(0x5b);
        for (let i = 0; i < cells.length; i++) {
          w.ensure(2);
          if (i > 0) w.byte(0x2c);
          w.byte(0x5b);
          const c = cells[i] as Cell;
          putPath(w, key, c);
          w.ensure(1);
          w.byte(0x2c);
          putValue(w, value, c);
          w.ensure(1);
          w.byte(0x5d);
        }
        w.ensure(1);
        w.byte(0x5d);
      };
    }
    default:
      return (w, cells) => {
        const start = w.pos;
        w.string(render(decodeCells(cells)));
        w.doubleQuotesFrom(start);
      };
  }
}
