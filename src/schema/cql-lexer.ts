/**
 * Tokenizer and token cursor for the CQL subset the schema parsers read: CREATE/ALTER/DROP statements
 * (snapshot `schema.cql`, user input) and type strings from `system_schema`. Positions are 1-based
 * line:column so that errors can point at the offending token.
 */
import { AgentError, type ErrorCode } from '../errors.js';

export type TokenKind = 'ident' | 'qident' | 'string' | 'number' | 'uuid' | 'hex' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** ident: as written; qident/string: unescaped content; others: as written */
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

const UUID_RE = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z_])/y;
const HEX_RE = /0[xX][0-9a-fA-F]*(?![0-9A-Za-z_])/y;
const NUMBER_RE = /-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?(?![A-Za-z_])/y;
const DIGIT_WORD_RE = /[0-9][A-Za-z0-9_]*/y;
const IDENT_RE = /[A-Za-z][A-Za-z0-9_]*/y;
const PUNCT = new Set(['(', ')', '<', '>', ',', ';', '.', '=', '{', '}', '[', ']', ':', '?', '+', '-', '*', '/', '!']);

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of input';
    case 'qident': return `"${t.text}"`;
    case 'string': return `'${t.text}'`;
    default: return `'${t.text}'`;
  }
}

/** Splits `src` into tokens; comments (`--`, `//`, `/* *\/`) and whitespace are dropped. */
export function tokenize(src: string, code: ErrorCode, context: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (msg: string, at: number): never => {
    throw new AgentError(code, `${context}: ${msg} at ${line}:${at - lineStart + 1}`);
  };
  /** advances over src[from, to), keeping line/lineStart up to date */
  const advance = (to: number): void => {
    for (let k = i; k < to; k++) {
      if (src.charCodeAt(k) === 10) {
        line++;
        lineStart = k + 1;
      }
    }
    i = to;
  };
  const n = src.length;
  while (i < n) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v') {
      advance(i + 1);
      continue;
    }
    if ((c === '-' && src[i + 1] === '-') || (c === '/' && src[i + 1] === '/')) {
      const eol = src.indexOf('\n', i);
      advance(eol < 0 ? n : eol);
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment', i);
      advance(end + 2);
      continue;
    }
    const tokLine = line;
    const tokCol = i - lineStart + 1;
    const push = (kind: TokenKind, text: string, end: number): void => {
      out.push({ kind, text, line: tokLine, col: tokCol });
      advance(end);
    };
    if (c === '\'' || c === '"') {
      let j = i + 1;
      let text = '';
      for (;;) {
        const q = src.indexOf(c, j);
        if (q < 0) fail(c === '"' ? 'unterminated quoted identifier' : 'unterminated string', i);
        text += src.slice(j, q);
        if (src[q + 1] === c) {
          text += c;
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      push(c === '"' ? 'qident' : 'string', text, j);
      continue;
    }
    if (c === '$' && src[i + 1] === '$') {
      const end = src.indexOf('$$', i + 2);
      if (end < 0) fail('unterminated $$ string', i);
      push('string', src.slice(i + 2, end), end + 2);
      continue;
    }
    const uuid = matchAt(UUID_RE, src, i);
    if (uuid !== null) {
      push('uuid', uuid, i + uuid.length);
      continue;
    }
    const hex = matchAt(HEX_RE, src, i);
    if (hex !== null) {
      push('hex', hex, i + hex.length);
      continue;
    }
    const num = matchAt(NUMBER_RE, src, i);
    if (num !== null && (c !== '-' || !prevIsOperand(out))) {
      push('number', num, i + num.length);
      continue;
    }
    const word = matchAt(DIGIT_WORD_RE, src, i);
    if (word !== null) {
      // duration literals (1h30m) and other digit-led words in option values
      push('number', word, i + word.length);
      continue;
    }
    const id = matchAt(IDENT_RE, src, i);
    if (id !== null) {
      push('ident', id, i + id.length);
      continue;
    }
    if (PUNCT.has(c)) {
      push('punct', c, i + 1);
      continue;
    }
    fail(`unexpected character '${c}'`, i);
  }
  out.push({ kind: 'eof', text: '', line, col: i - lineStart + 1 });
  return out;
}

function matchAt(re: RegExp, src: string, at: number): string | null {
  re.lastIndex = at;
  const m = re.exec(src);
  return m === null ? null : m[0];
}

/** `a-1` is a subtraction, not `a` followed by `-1`. */
function prevIsOperand(out: Token[]): boolean {
  const p = out[out.length - 1];
  return p !== undefined && (p.kind === 'ident' || p.kind === 'number' || p.kind === 'qident' || (p.kind === 'punct' && (p.text === ')' || p.text === ']')));
}

/** A cursor over tokens; every `expect*` failure throws `AgentError(code)` naming line:column and the token. */
export class TokenCursor {
  private i = 0;
  constructor(
    private readonly tokens: readonly Token[],
    readonly code: ErrorCode,
    private readonly context: string,
  ) {}

  peek(ahead = 0): Token {
    const t = this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)];
    if (t === undefined) throw new AgentError(this.code, `${this.context}: no tokens`);
    return t;
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }

  /** True (and consumes it) when the next token is the keyword `kw` (case-insensitive). */
  acceptKeyword(kw: string): boolean {
    if (isKeyword(this.peek(), kw)) {
      this.i++;
      return true;
    }
    return false;
  }

  acceptPunct(p: string): boolean {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === p) {
      this.i++;
      return true;
    }
    return false;
  }

  isPunct(p: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.text === p;
  }

  expectKeyword(kw: string): Token {
    const t = this.peek();
    if (!isKeyword(t, kw)) this.fail(`expected ${kw.toUpperCase()}`, t);
    return this.next();
  }

  expectPunct(p: string): Token {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== p) this.fail(`expected '${p}'`, t);
    return this.next();
  }

  /** An identifier: unquoted ones are lower-cased, quoted ones keep their case. */
  expectIdent(what: string): string {
    const t = this.peek();
    if (t.kind === 'ident') {
      this.next();
      return t.text.toLowerCase();
    }
    if (t.kind === 'qident') {
      this.next();
      return t.text;
    }
    return this.fail(`expected ${what}`, t);
  }

  fail(msg: string, t: Token = this.peek()): never {
    throw new AgentError(this.code, `${this.context}: ${msg} at ${t.line}:${t.col}, found ${describe(t)}`);
  }

  failAt(msg: string, t: Token): never {
    throw new AgentError(this.code, `${this.context}: ${msg} at ${t.line}:${t.col}`);
  }
}

export function isKeyword(t: Token, kw: string): boolean {
  return t.kind === 'ident' && t.text.toLowerCase() === kw;
}

/** The identifier as CQL resolves it: unquoted -> lower case, quoted -> as written. */
export function identName(t: Token): string {
  return t.kind === 'ident' ? t.text.toLowerCase() : t.text;
}
