/**
 * User types whose field types are still syntax trees, resolved on first use. Field types may name
 * other user types of the keyspace in any order (`system_schema.types` rows are sorted by name, not by
 * dependency), so resolution is lazy, memoized and refuses cycles.
 */
import { AgentError } from '../errors.js';
import type { CqlType } from '../sstable/types/model.js';
import type { Token } from './cql-lexer.js';
import { resolveRawType, type RawType } from './cql-type.js';
import type { UserTypeLookup } from './model.js';

export interface RawUserType {
  readonly keyspace: string;
  readonly name: string;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly type: RawType }>;
  /** how errors inside this definition name their place */
  readonly where: (at: Token) => string;
}

const key = (keyspace: string, name: string): string => `${keyspace}.${name}`;

export class UserTypeRegistry {
  private readonly raw = new Map<string, RawUserType>();
  private readonly resolved = new Map<string, CqlType>();
  private readonly resolving = new Set<string>();

  has(keyspace: string, name: string): boolean {
    return this.raw.has(key(keyspace, name));
  }

  define(t: RawUserType): void {
    this.raw.set(key(t.keyspace, t.name), t);
    this.resolved.clear();
  }

  remove(keyspace: string, name: string): void {
    this.raw.delete(key(keyspace, name));
    this.resolved.clear();
  }

  get(keyspace: string, name: string): RawUserType | undefined {
    return this.raw.get(key(keyspace, name));
  }

  /** Resolves (the returned value is non-frozen; use sites make frozen copies). */
  readonly lookup: UserTypeLookup = (keyspace, name) => {
    const k = key(keyspace, name);
    const done = this.resolved.get(k);
    if (done !== undefined) return done;
    const def = this.raw.get(k);
    if (def === undefined) return undefined;
    if (this.resolving.has(k)) {
      throw new AgentError('E_SCHEMA', `user type ${k} refers to itself (cycle through ${[...this.resolving].join(' -> ')})`);
    }
    this.resolving.add(k);
    try {
      const ctx = { keyspace, udts: this.lookup, where: def.where };
      const t: CqlType = {
        kind: 'udt',
        keyspace,
        name,
        fields: def.fields.map((f) => ({ name: f.name, type: resolveRawType(f.type, ctx, true) })),
        frozen: false,
      };
      this.resolved.set(k, t);
      return t;
    } finally {
      this.resolving.delete(k);
    }
  };

  /** Every type, resolved, keyed `ks.name`. */
  all(): Map<string, CqlType> {
    const out = new Map<string, CqlType>();
    for (const def of this.raw.values()) {
      const t = this.lookup(def.keyspace, def.name);
      if (t !== undefined) out.set(key(def.keyspace, def.name), t);
    }
    return out;
  }
}
