/**
 * Parser for marshal class strings (doc §8.1; Cassandra 3.11 `db/marshal/TypeParser`), as found in
 * SSTable serialization headers, 2.x comparators and 2.x schema tables.
 *
 * Mapping decisions beyond TypeParser:
 * - `FrozenType(T)` freezes T. Types nested inside another type (collection elements, map keys and
 *   values, tuple and UDT fields) are always frozen: Cassandra cannot store a multi-cell value there,
 *   although 3.11 prints no `FrozenType` inside a frozen type and 3.0 prints none around UDTs (P6).
 * - A top-level `UserType(…)` or collection without `FrozenType` is `frozen: false`; the schema must
 *   override that for files written by 3.0.x (pitfall P6).
 * - `DateType` (legacy) and `TimestampType` both become `timestamp`, and `LexicalUUIDType` becomes
 *   `uuid`: the model has no separate names. Values decode identically, but the legacy classes sort
 *   differently (DateType is unsigned byte order, LexicalUUIDType compares as java.util.UUID); such
 *   clustering columns exist only in pre-2.0 tables.
 * - `T(reversed=true)` (AbstractType.parseDefaultParameters) is read as `ReversedType(T)`.
 * - An unknown class keeps its full name, plus its parameter text verbatim, as `custom`.
 */
import { AgentError } from '../../errors.js';
import { fromHex, utf8 } from './bytes.js';
import type { CqlType, NativeTypeName, UdtField } from './model.js';

export const MARSHAL_PACKAGE = 'org.apache.cassandra.db.marshal.';

/** Marshal class (short name) -> native type. */
export const NATIVE_BY_CLASS: ReadonlyMap<string, NativeTypeName> = new Map<string, NativeTypeName>([
  ['AsciiType', 'ascii'], ['LongType', 'bigint'], ['BytesType', 'blob'], ['BooleanType', 'boolean'],
  ['CounterColumnType', 'counter'], ['SimpleDateType', 'date'], ['DecimalType', 'decimal'],
  ['DoubleType', 'double'], ['DurationType', 'duration'], ['FloatType', 'float'],
  ['InetAddressType', 'inet'], ['Int32Type', 'int'], ['ShortType', 'smallint'], ['UTF8Type', 'text'],
  ['TimeType', 'time'], ['TimestampType', 'timestamp'], ['DateType', 'timestamp'],
  ['TimeUUIDType', 'timeuuid'], ['ByteType', 'tinyint'], ['UUIDType', 'uuid'],
  ['LexicalUUIDType', 'uuid'], ['IntegerType', 'varint'], ['EmptyType', 'empty'],
]);

/** Parses a marshal type string; throws AgentError('E_BAD_TYPE') naming the string and position. */
export function parseMarshalType(s: string): CqlType {
  const p = new Parser(s);
  p.skipBlank();
  if (p.eos()) return { kind: 'native', name: 'blob' };
  const t = p.type(false);
  p.skipBlank();
  if (!p.eos()) p.fail('unexpected trailing characters');
  return t;
}

const isIdentChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ||
  c === 45 /* - */ || c === 43 /* + */ || c === 46 /* . */ || c === 95 /* _ */ || c === 38; /* & */

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  eos(): boolean {
    return this.i >= this.s.length;
  }

  fail(msg: string): never {
    throw new AgentError('E_BAD_TYPE', `cannot parse type '${this.s}' at char ${this.i}: ${msg}`);
  }

  skipBlank(): void {
    while (!this.eos()) {
      const c = this.s.charCodeAt(this.i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return;
      this.i++;
    }
  }

  private peek(): string {
    return this.s.charAt(this.i);
  }

  private expect(ch: string): void {
    this.skipBlank();
    if (this.peek() !== ch) this.fail(`expected '${ch}'`);
    this.i++;
  }

  private ident(what: string): string {
    this.skipBlank();
    const start = this.i;
    while (!this.eos() && isIdentChar(this.s.charCodeAt(this.i))) this.i++;
    if (this.i === start) this.fail(`expected ${what}`);
    return this.s.slice(start, this.i);
  }

  /** True when a parameter list starts here (after blanks). */
  private atParams(): boolean {
    this.skipBlank();
    return this.peek() === '(';
  }

  /**
   * Iterates a parenthesised, comma-separated list; `item` parses one entry. Leaves the cursor after
   * the closing parenthesis. An empty list `()` is allowed.
   */
  private list(item: () => void): void {
    this.expect('(');
    this.skipBlank();
    if (this.peek() === ')') {
      this.i++;
      return;
    }
    for (;;) {
      item();
      this.skipBlank();
      const c = this.peek();
      this.i++;
      if (c === ')') return;
      if (c !== ',') {
        this.i--;
        this.fail(this.eos() ? 'unexpected end of string' : "expected ',' or ')'");
      }
    }
  }

  private typeList(frozen: boolean): CqlType[] {
    const out: CqlType[] = [];
    this.list(() => out.push(this.type(frozen)));
    return out;
  }

  private exactly(n: number, name: string, frozen: boolean): CqlType[] {
    const at = this.i;
    const ts = this.typeList(frozen);
    if (ts.length !== n) {
      this.i = at;
      this.fail(`${name} takes exactly ${n} type parameter${n === 1 ? '' : 's'}, found ${ts.length}`);
    }
    return ts;
  }

  private hexText(what: string): string {
    const at = this.i;
    const h = this.ident(what);
    try {
      const b = fromHex(h, what);
      return utf8(b, 0, b.length);
    } catch {
      this.i = at;
      return this.fail(`${what} is not valid hex: '${h}'`);
    }
  }

  /** `frozen`: whether the enclosing context freezes this type (FrozenType, or nested in a type). */
  type(frozen: boolean): CqlType {
    const nameStart = this.i;
    const raw = this.ident('a type name');
    const full = raw.includes('.') ? raw : MARSHAL_PACKAGE + raw;
    const short = full.startsWith(MARSHAL_PACKAGE) ? full.slice(MARSHAL_PACKAGE.length) : undefined;
    const nat = short === undefined ? undefined : NATIVE_BY_CLASS.get(short);
    if (nat !== undefined) return this.nativeWithDefaults({ kind: 'native', name: nat });

    switch (short) {
      case 'FrozenType': {
        const [inner] = this.exactly(1, 'FrozenType', true);
        return freeze(inner as CqlType);
      }
      case 'ReversedType': {
        const [base] = this.exactly(1, 'ReversedType', frozen);
        return { kind: 'reversed', base: base as CqlType };
      }
      case 'ListType':
      case 'SetType': {
        const [element] = this.exactly(1, short, true);
        return { kind: short === 'ListType' ? 'list' : 'set', element: element as CqlType, frozen };
      }
      case 'MapType': {
        const [key, value] = this.exactly(2, 'MapType', true);
        return { kind: 'map', key: key as CqlType, value: value as CqlType, frozen };
      }
      case 'TupleType':
        return { kind: 'tuple', elements: this.typeList(true) };
      case 'CompositeType':
        return { kind: 'composite', components: this.typeList(false) };
      case 'UserType':
        return this.userType(frozen);
      case 'DynamicCompositeType':
        return this.dynamicComposite();
      case 'ColumnToCollectionType':
        return this.columnToCollection();
      default:
        return this.custom(nameStart, full);
    }
  }

  private nativeWithDefaults(t: CqlType): CqlType {
    if (!this.atParams()) return t;
    let reversed = false;
    this.list(() => {
      const k = this.ident('a parameter name');
      this.skipBlank();
      let v = '';
      if (this.peek() === '=') {
        this.i++;
        v = this.ident('a parameter value');
      }
      if (k === 'reversed' && (v === '' || v === 'true')) reversed = true;
    });
    return reversed ? { kind: 'reversed', base: t } : t;
  }

  private userType(frozen: boolean): CqlType {
    this.expect('(');
    const keyspace = this.ident('a keyspace name');
    this.expect(',');
    const name = this.hexText('a hex type name');
    const fields: UdtField[] = [];
    for (;;) {
      this.skipBlank();
      const c = this.peek();
      this.i++;
      if (c === ')') break;
      if (c !== ',') {
        this.i--;
        this.fail(this.eos() ? 'unexpected end of string' : "expected ',' or ')'");
      }
      const fieldName = this.hexText('a hex field name');
      this.expect(':');
      this.skipBlank();
      fields.push({ name: fieldName, type: this.type(true) });
    }
    return { kind: 'udt', keyspace, name, fields, frozen };
  }

  private dynamicComposite(): CqlType {
    const aliases = new Map<string, CqlType>();
    if (!this.atParams()) return { kind: 'dynamicComposite', aliases };
    this.list(() => {
      const alias = this.ident('an alias');
      if (alias.length !== 1) this.fail('an alias should be a single character');
      this.skipBlank();
      if (!this.s.startsWith('=>', this.i)) this.fail("expected '=>'");
      this.i += 2;
      this.skipBlank();
      aliases.set(alias, this.type(false));
    });
    return { kind: 'dynamicComposite', aliases };
  }

  private columnToCollection(): CqlType {
    const columns = new Map<string, CqlType>();
    this.list(() => {
      const at = this.i;
      const h = this.ident('a hex column name').toLowerCase();
      if (!/^(?:[0-9a-f]{2})*$/.test(h)) {
        this.i = at;
        this.fail(`column name is not valid hex: '${h}'`);
      }
      this.expect(':');
      this.skipBlank();
      const t = this.type(false);
      if (t.kind !== 'list' && t.kind !== 'set' && t.kind !== 'map') this.fail('ColumnToCollectionType values must be collections');
      columns.set(h, t);
    });
    return { kind: 'columnToCollection', columns };
  }

  /** Unknown class: keep the name and any balanced parameter text (blanks removed). */
  private custom(nameStart: number, full: string): CqlType {
    const afterName = this.i;
    if (!this.atParams()) {
      this.i = afterName;
      return { kind: 'custom', className: full };
    }
    const open = this.i;
    let depth = 0;
    for (; !this.eos(); this.i++) {
      const c = this.peek();
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        this.i++;
        const params = this.s.slice(open, this.i).replace(/[ \t\n\r]/g, '');
        return { kind: 'custom', className: full + params };
      }
    }
    this.i = nameStart;
    return this.fail('unbalanced parentheses');
  }
}

/** The frozen version of a type (FrozenType.freeze: only collections and UDTs carry the flag). */
export function freeze(t: CqlType): CqlType {
  switch (t.kind) {
    case 'list':
    case 'set':
    case 'map':
    case 'udt':
      return t.frozen ? t : { ...t, frozen: true };
    case 'reversed':
      return { kind: 'reversed', base: freeze(t.base) };
    default:
      return t;
  }
}
