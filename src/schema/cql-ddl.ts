/**
 * Parses CQL schema scripts (a snapshot's `schema.cql`, `DESCRIBE` output, hand-written DDL) into
 * table schemas in their CQL view.
 *
 * Understood: CREATE TABLE / TYPE, ALTER TABLE ADD / DROP [USING TIMESTAMP] / ALTER ... TYPE / RENAME,
 * ALTER TYPE ADD / RENAME / ALTER, DROP TABLE / TYPE, USE. Every other statement (CREATE KEYSPACE,
 * INDEX, MATERIALIZED VIEW, FUNCTION, INSERT, ...) is skipped up to its `;`. Table options other than
 * COMPACT STORAGE, CLUSTERING ORDER and ID are ignored.
 *
 * The 3.11 snapshot writer (`ColumnFamilyStoreCQLHelper`) lists a dropped column inside CREATE TABLE and
 * then drops it with `ALTER TABLE ... DROP c USING TIMESTAMP <µs>`; tables that CQL cannot express are
 * written inside a comment and so are skipped.
 */
import type { CqlType } from '../sstable/types/model.js';
import { TokenCursor, tokenize, isKeyword, type Token } from './cql-lexer.js';
import { parseRawType, type RawType } from './cql-type.js';
import { UserTypeRegistry } from './udt-registry.js';
import { buildTable, type RawColumn, type RawTable } from './ddl-table.js';
import type { TableSchema } from './model.js';

export interface ParsedSchema {
  tables: TableSchema[];
  /** user types, keyed `ks.name` (non-frozen values; columns hold frozen copies where frozen) */
  types: Map<string, CqlType>;
}

/** A drop without USING TIMESTAMP kills every cell of the column, whatever its timestamp. */
const DROP_WITHOUT_TIMESTAMP = 0x7fffffffffffffffn;

const where = (at: Token): string => `at ${at.line}:${at.col}`;

/** Throws `AgentError('E_SCHEMA')` with line:column and the offending token. */
export function parseCqlSchema(text: string, opts: { defaultKeyspace?: string } = {}): ParsedSchema {
  const context = 'CQL schema';
  const p = new DdlParser(new TokenCursor(tokenize(text, 'E_SCHEMA', context), 'E_SCHEMA', context), opts.defaultKeyspace ?? null);
  p.parseAll();
  return p.result();
}

class DdlParser {
  private readonly tables = new Map<string, RawTable>();
  private readonly udts = new UserTypeRegistry();

  constructor(
    private readonly c: TokenCursor,
    private keyspace: string | null,
  ) {}

  parseAll(): void {
    const c: TokenCursor = this.c;
    while (!c.atEnd()) {
      if (c.acceptPunct(';')) continue;
      this.statement();
      if (!c.atEnd() && !c.acceptPunct(';')) c.fail(`expected ';' or end of input`);
    }
  }

  result(): ParsedSchema {
    const lookup = this.udts.lookup;
    return {
      tables: [...this.tables.values()].map((t) => buildTable(t, lookup, where)),
      types: this.udts.all(),
    };
  }

  private statement(): void {
    const c: TokenCursor = this.c;
    const t = c.peek();
    if (c.acceptKeyword('create')) {
      if (c.acceptKeyword('table') || c.acceptKeyword('columnfamily')) return this.createTable();
      if (c.acceptKeyword('type')) return this.createType();
      return this.skipStatement();
    }
    if (c.acceptKeyword('alter')) {
      if (c.acceptKeyword('table') || c.acceptKeyword('columnfamily')) return this.alterTable();
      if (c.acceptKeyword('type')) return this.alterType();
      return this.skipStatement();
    }
    if (c.acceptKeyword('drop')) {
      if (c.acceptKeyword('table') || c.acceptKeyword('columnfamily')) return this.dropTable();
      if (c.acceptKeyword('type')) return this.dropType();
      return this.skipStatement();
    }
    if (c.acceptKeyword('use')) {
      this.keyspace = c.expectIdent('a keyspace name');
      return;
    }
    if (t.kind !== 'ident') c.fail('expected a statement');
    this.skipStatement();
  }

  /** Consumes tokens up to (not including) the `;` that ends the statement. */
  private skipStatement(): void {
    const c: TokenCursor = this.c;
    let depth = 0;
    while (!c.atEnd()) {
      const t = c.peek();
      if (t.kind === 'punct') {
        if (t.text === ';' && depth === 0) return;
        if (t.text === '(' || t.text === '{' || t.text === '[') depth++;
        else if ((t.text === ')' || t.text === '}' || t.text === ']') && depth > 0) depth--;
      }
      c.next();
    }
  }

  private ifExists(not: boolean): void {
    const c: TokenCursor = this.c;
    if (c.acceptKeyword('if')) {
      if (not) c.expectKeyword('not');
      c.expectKeyword('exists');
    }
  }

  private qualifiedName(what: string): { keyspace: string; name: string; at: Token } {
    const c: TokenCursor = this.c;
    const at = c.peek();
    const first = c.expectIdent(what);
    if (c.acceptPunct('.')) return { keyspace: first, name: c.expectIdent(what), at };
    if (this.keyspace === null) c.failAt(`${what} ${first} has no keyspace (qualify it, add USE, or pass a default keyspace)`, at);
    return { keyspace: this.keyspace, name: first, at };
  }

  private createType(): void {
    const c: TokenCursor = this.c;
    this.ifExists(true);
    const { keyspace, name } = this.qualifiedName('a type name');
    c.expectPunct('(');
    const fields: Array<{ name: string; type: RawType }> = [];
    do {
      if (c.isPunct(')')) break;
      const at = c.peek();
      const fname = c.expectIdent('a field name');
      if (fields.some((f) => f.name === fname)) c.failAt(`duplicate field ${fname}`, at);
      fields.push({ name: fname, type: parseRawType(c) });
    } while (c.acceptPunct(','));
    c.expectPunct(')');
    this.udts.define({ keyspace, name, fields, where });
  }

  private createTable(): void {
    const c: TokenCursor = this.c;
    this.ifExists(true);
    const { keyspace, name, at } = this.qualifiedName('a table name');
    const t: RawTable = {
      keyspace, table: name, id: null, columns: [], partitionKey: [], clustering: [], desc: new Set(), compact: false,
      dropped: new Map(), at,
    };
    c.expectPunct('(');
    do {
      if (c.isPunct(')')) break;
      if (isKeyword(c.peek(), 'primary') && isKeyword(c.peek(1), 'key')) {
        this.primaryKeyClause(t);
        continue;
      }
      const colAt = c.peek();
      const col: RawColumn = { name: c.expectIdent('a column name'), type: parseRawType(c), isStatic: false, at: colAt };
      for (;;) {
        if (c.acceptKeyword('static')) col.isStatic = true;
        else if (isKeyword(c.peek(), 'primary') && isKeyword(c.peek(1), 'key')) {
          const pkAt = c.next();
          c.next();
          if (t.partitionKey.length > 0) c.failAt('the primary key is declared twice', pkAt);
          t.partitionKey.push({ name: col.name, at: colAt });
        } else break;
      }
      addColumn(c, t, col);
    } while (c.acceptPunct(','));
    c.expectPunct(')');
    if (c.acceptKeyword('with')) {
      do this.tableProperty(t);
      while (c.acceptKeyword('and'));
    }
    if (t.partitionKey.length === 0) c.failAt(`table ${keyspace}.${name} has no PRIMARY KEY`, at);
    this.tables.set(`${keyspace}.${name}`, t);
  }

  private primaryKeyClause(t: RawTable): void {
    const c: TokenCursor = this.c;
    const pkAt = c.next();
    c.next();
    if (t.partitionKey.length > 0) c.failAt('the primary key is declared twice', pkAt);
    c.expectPunct('(');
    const ref = (): { name: string; at: Token } => {
      const at = c.peek();
      return { name: c.expectIdent('a column name'), at };
    };
    if (c.acceptPunct('(')) {
      do t.partitionKey.push(ref());
      while (c.acceptPunct(','));
      c.expectPunct(')');
    } else {
      t.partitionKey.push(ref());
    }
    while (c.acceptPunct(',')) t.clustering.push(ref());
    c.expectPunct(')');
  }

  private tableProperty(t: RawTable): void {
    const c: TokenCursor = this.c;
    if (c.acceptKeyword('compact')) {
      c.expectKeyword('storage');
      t.compact = true;
      return;
    }
    if (isKeyword(c.peek(), 'clustering') && isKeyword(c.peek(1), 'order')) {
      c.next();
      c.next();
      c.expectKeyword('by');
      c.expectPunct('(');
      do {
        const at = c.peek();
        const col = c.expectIdent('a clustering column');
        if (!t.clustering.some((k) => k.name === col)) c.failAt(`CLUSTERING ORDER names ${col}, which is not a clustering column`, at);
        if (c.acceptKeyword('desc')) t.desc.add(col);
        else c.acceptKeyword('asc');
      } while (c.acceptPunct(','));
      c.expectPunct(')');
      return;
    }
    if (isKeyword(c.peek(), 'id') && c.isPunct('=', 1)) {
      c.next();
      c.next();
      const v = c.next();
      if ((v.kind !== 'uuid' && v.kind !== 'string') || !/^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/.test(v.text)) {
        c.failAt('expected a table id (uuid)', v);
      }
      t.id = v.text.replace(/-/g, '').toLowerCase();
      return;
    }
    c.expectIdent('a table option');
    c.expectPunct('=');
    this.skipOptionValue();
  }

  /** An option value: a term, possibly a map, list or tuple literal, up to the next AND or `;`. */
  private skipOptionValue(): void {
    const c: TokenCursor = this.c;
    let depth = 0;
    let consumed = 0;
    while (!c.atEnd()) {
      const t = c.peek();
      if (depth === 0 && consumed > 0 && (isKeyword(t, 'and') || (t.kind === 'punct' && t.text === ';'))) return;
      if (t.kind === 'punct') {
        if (t.text === '(' || t.text === '{' || t.text === '[') depth++;
        else if (t.text === ')' || t.text === '}' || t.text === ']') {
          if (depth === 0) c.fail('unbalanced option value');
          depth--;
        } else if (t.text === ';') c.fail('expected an option value');
      }
      c.next();
      consumed++;
    }
    if (depth > 0) c.fail('unterminated option value');
  }

  private existingTable(): RawTable {
    const { keyspace, name, at } = this.qualifiedName('a table name');
    const t = this.tables.get(`${keyspace}.${name}`);
    if (t === undefined) this.c.failAt(`unknown table ${keyspace}.${name}`, at);
    return t;
  }

  private alterTable(): void {
    const c: TokenCursor = this.c;
    const t = this.existingTable();
    if (c.acceptKeyword('add')) {
      const one = (): void => {
        const at = c.peek();
        const col: RawColumn = { name: c.expectIdent('a column name'), type: parseRawType(c), isStatic: c.acceptKeyword('static'), at };
        addColumn(c, t, col);
      };
      if (c.acceptPunct('(')) {
        do one();
        while (c.acceptPunct(','));
        c.expectPunct(')');
      } else one();
      return;
    }
    if (c.acceptKeyword('drop')) {
      const names: Array<{ name: string; at: Token }> = [];
      const one = (): void => {
        const at = c.peek();
        names.push({ name: c.expectIdent('a column name'), at });
      };
      if (c.acceptPunct('(')) {
        do one();
        while (c.acceptPunct(','));
        c.expectPunct(')');
      } else one();
      let droppedAt = DROP_WITHOUT_TIMESTAMP;
      if (c.acceptKeyword('using')) {
        c.expectKeyword('timestamp');
        const v = c.next();
        if (v.kind !== 'number' || !/^-?[0-9]+$/.test(v.text)) c.failAt('expected an integer timestamp (µs)', v);
        droppedAt = BigInt(v.text);
      }
      for (const n of names) {
        const i = t.columns.findIndex((col) => col.name === n.name);
        const col = t.columns[i];
        if (col === undefined) c.failAt(`unknown column ${n.name} in ${t.keyspace}.${t.table}`, n.at);
        if (isKeyColumn(t, n.name)) c.failAt(`cannot drop primary key column ${n.name}`, n.at);
        t.columns.splice(i, 1);
        t.dropped.set(n.name, { at: droppedAt, type: col.type });
      }
      return;
    }
    if (c.acceptKeyword('alter')) {
      const at = c.peek();
      const name = c.expectIdent('a column name');
      c.expectKeyword('type');
      const col = t.columns.find((x) => x.name === name);
      if (col === undefined) c.failAt(`unknown column ${name} in ${t.keyspace}.${t.table}`, at);
      col.type = parseRawType(c);
      return;
    }
    if (c.acceptKeyword('rename')) {
      do {
        const at = c.peek();
        const from = c.expectIdent('a column name');
        c.expectKeyword('to');
        const to = c.expectIdent('a column name');
        const col = t.columns.find((x) => x.name === from);
        if (col === undefined) c.failAt(`unknown column ${from} in ${t.keyspace}.${t.table}`, at);
        if (t.columns.some((x) => x.name === to)) c.failAt(`column ${to} already exists`, at);
        col.name = to;
        for (const k of [...t.partitionKey, ...t.clustering]) if (k.name === from) k.name = to;
        if (t.desc.delete(from)) t.desc.add(to);
      } while (c.acceptKeyword('and'));
      return;
    }
    this.skipStatement();
  }

  private alterType(): void {
    const c: TokenCursor = this.c;
    const { keyspace, name, at } = this.qualifiedName('a type name');
    const def = this.udts.get(keyspace, name);
    if (def === undefined) c.failAt(`unknown type ${keyspace}.${name}`, at);
    const fields = def.fields.map((f) => ({ ...f }));
    if (c.acceptKeyword('add')) {
      const fAt = c.peek();
      const fname = c.expectIdent('a field name');
      if (fields.some((f) => f.name === fname)) c.failAt(`duplicate field ${fname}`, fAt);
      fields.push({ name: fname, type: parseRawType(c) });
    } else if (c.acceptKeyword('rename')) {
      do {
        const fAt = c.peek();
        const from = c.expectIdent('a field name');
        c.expectKeyword('to');
        const to = c.expectIdent('a field name');
        const f = fields.find((x) => x.name === from);
        if (f === undefined) c.failAt(`unknown field ${from}`, fAt);
        f.name = to;
      } while (c.acceptKeyword('and'));
    } else if (c.acceptKeyword('alter')) {
      const fAt = c.peek();
      const fname = c.expectIdent('a field name');
      c.expectKeyword('type');
      const f = fields.find((x) => x.name === fname);
      if (f === undefined) c.failAt(`unknown field ${fname}`, fAt);
      f.type = parseRawType(c);
    } else {
      return this.skipStatement();
    }
    this.udts.define({ ...def, fields });
  }

  private dropTable(): void {
    this.ifExists(false);
    const { keyspace, name } = this.qualifiedName('a table name');
    this.tables.delete(`${keyspace}.${name}`);
  }

  private dropType(): void {
    this.ifExists(false);
    const { keyspace, name } = this.qualifiedName('a type name');
    this.udts.remove(keyspace, name);
  }
}

function isKeyColumn(t: RawTable, name: string): boolean {
  return t.partitionKey.some((k) => k.name === name) || t.clustering.some((k) => k.name === name);
}

function addColumn(c: TokenCursor, t: RawTable, col: RawColumn): void {
  if (t.columns.some((x) => x.name === col.name)) c.failAt(`duplicate column ${col.name}`, col.at);
  t.columns.push(col);
}
