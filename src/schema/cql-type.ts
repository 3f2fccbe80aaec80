/**
 * CQL type strings, as `system_schema.columns.type`, `system_schema.types.field_types` and CREATE
 * statements write them (3.11 `CQL3Type.Raw`): natives, `frozen<...>`, `list/set/map<...>`,
 * `tuple<...>`, user type names (optionally `ks.name`, optionally quoted) and custom types as a quoted
 * marshal class string.
 *
 * Parsing is two steps: a syntax tree (`RawType`, positions kept for errors) and resolution against a
 * keyspace's user types. The DDL parser uses both steps separately so that a table may name a type
 * defined further down the file.
 */
import { AgentError } from '../errors.js';
import type { CqlType, NativeTypeName } from '../sstable/types/model.js';
import type { UserTypeLookup } from './model.js';
import { TokenCursor, tokenize, type Token } from './cql-lexer.js';

export type RawType =
  | { readonly k: 'native'; readonly name: NativeTypeName; readonly at: Token }
  | { readonly k: 'list' | 'set'; readonly element: RawType; readonly frozen: boolean; readonly at: Token }
  | { readonly k: 'map'; readonly key: RawType; readonly value: RawType; readonly frozen: boolean; readonly at: Token }
  | { readonly k: 'tuple'; readonly elements: readonly RawType[]; readonly at: Token }
  | { readonly k: 'udt'; readonly keyspace: string | null; readonly name: string; readonly frozen: boolean; readonly at: Token }
  | { readonly k: 'custom'; readonly className: string; readonly at: Token };

/** CQL native type keywords (3.11 `CQL3Type.Native`); `varchar` is an alias of `text`. */
const NATIVES: ReadonlyMap<string, NativeTypeName> = new Map<string, NativeTypeName>([
  ['ascii', 'ascii'], ['bigint', 'bigint'], ['blob', 'blob'], ['boolean', 'boolean'], ['counter', 'counter'],
  ['date', 'date'], ['decimal', 'decimal'], ['double', 'double'], ['duration', 'duration'], ['empty', 'empty'],
  ['float', 'float'], ['inet', 'inet'], ['int', 'int'], ['smallint', 'smallint'], ['text', 'text'],
  ['time', 'time'], ['timestamp', 'timestamp'], ['timeuuid', 'timeuuid'], ['tinyint', 'tinyint'],
  ['uuid', 'uuid'], ['varchar', 'text'], ['varint', 'varint'],
]);

/** Reads one type at the cursor. */
export function parseRawType(c: TokenCursor): RawType {
  const t = c.peek();
  if (t.kind === 'string') {
    c.next();
    return { k: 'custom', className: t.text, at: t };
  }
  if (t.kind === 'ident' && c.isPunct('<', 1)) {
    const kw = t.text.toLowerCase();
    if (kw === 'frozen') {
      c.next();
      c.expectPunct('<');
      const inner = parseRawType(c);
      c.expectPunct('>');
      return freeze(inner);
    }
    if (kw === 'list' || kw === 'set') {
      c.next();
      c.expectPunct('<');
      const element = parseRawType(c);
      c.expectPunct('>');
      return { k: kw, element, frozen: false, at: t };
    }
    if (kw === 'map') {
      c.next();
      c.expectPunct('<');
      const key = parseRawType(c);
      c.expectPunct(',');
      const value = parseRawType(c);
      c.expectPunct('>');
      return { k: 'map', key, value, frozen: false, at: t };
    }
    if (kw === 'tuple') {
      c.next();
      c.expectPunct('<');
      const elements: RawType[] = [parseRawType(c)];
      while (c.acceptPunct(',')) elements.push(parseRawType(c));
      c.expectPunct('>');
      return { k: 'tuple', elements, at: t };
    }
  }
  if (t.kind === 'ident' && !c.isPunct('.', 1)) {
    const native = NATIVES.get(t.text.toLowerCase());
    if (native !== undefined) {
      c.next();
      return { k: 'native', name: native, at: t };
    }
  }
  if (t.kind === 'ident' || t.kind === 'qident') {
    const first = c.expectIdent('a type');
    if (c.acceptPunct('.')) {
      const name = c.expectIdent('a type name');
      return { k: 'udt', keyspace: first, name, frozen: false, at: t };
    }
    return { k: 'udt', keyspace: null, name: first, frozen: false, at: t };
  }
  return c.fail('expected a type');
}

/** `frozen<T>`: T and everything inside it is one cell. `frozen<int>` is tolerated (no effect). */
function freeze(t: RawType): RawType {
  switch (t.k) {
    case 'list':
    case 'set':
    case 'map':
    case 'udt':
      return { ...t, frozen: true };
    default:
      return t;
  }
}

export interface ResolveContext {
  readonly keyspace: string;
  readonly udts: UserTypeLookup;
  /** wording of errors: the DDL parser reports line:column, parseCqlType names the string */
  readonly where: (at: Token) => string;
}

/**
 * Resolves a syntax tree. `nested` is true for anything inside a collection, tuple, UDT field or
 * `frozen<>`: such values are serialized as one blob, so they are always frozen (3.11 `CQL3Type.Raw`
 * rejects non-frozen nested collections/UDTs; we accept and freeze them).
 */
export function resolveRawType(t: RawType, ctx: ResolveContext, nested = false): CqlType {
  switch (t.k) {
    case 'native':
      return { kind: 'native', name: t.name };
    case 'custom':
      return { kind: 'custom', className: t.className };
    case 'list':
    case 'set': {
      const frozen = nested || t.frozen;
      return { kind: t.k, element: resolveRawType(t.element, ctx, true), frozen };
    }
    case 'map': {
      const frozen = nested || t.frozen;
      return { kind: 'map', key: resolveRawType(t.key, ctx, true), value: resolveRawType(t.value, ctx, true), frozen };
    }
    case 'tuple':
      return { kind: 'tuple', elements: t.elements.map((e) => resolveRawType(e, ctx, true)) };
    case 'udt': {
      const ks = t.keyspace ?? ctx.keyspace;
      const found = ctx.udts(ks, t.name);
      if (found === undefined || found.kind !== 'udt') {
        throw new AgentError('E_SCHEMA', `unknown user type ${ks}.${t.name} ${ctx.where(t.at)}`);
      }
      const frozen = nested || t.frozen;
      return found.frozen === frozen ? found : { ...found, frozen };
    }
  }
}

/**
 * Parses one CQL type string. `keyspace` qualifies bare user type names; `udts` supplies their fields
 * (a frozen copy is returned under `frozen<>`). Syntax errors throw `E_BAD_TYPE`, unknown user types
 * `E_SCHEMA`.
 */
export function parseCqlType(s: string, keyspace: string, udts: UserTypeLookup): CqlType {
  const context = `CQL type "${s}"`;
  const c = new TokenCursor(tokenize(s, 'E_BAD_TYPE', context), 'E_BAD_TYPE', context);
  const raw = parseRawType(c);
  if (!c.atEnd()) c.fail('expected end of type');
  return resolveRawType(raw, { keyspace, udts, where: () => `in ${context}` });
}
