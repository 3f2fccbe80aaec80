/**
 * Partitioners: the total order of partitions in Data.db, Index.db and Summary.db (§7.4): by token, then
 * by the raw key bytes compared unsigned.
 */
import { createHash } from 'node:crypto';
import { AgentError } from '../errors.js';
import { compareUnsigned } from './bytes.js';
import { murmur3Token } from './murmur3.js';

export type Token = bigint | Uint8Array;

export interface Partitioner {
  /** the fully-qualified Cassandra class name */
  readonly className: string;
  /** total order of partitions: token, then key bytes unsigned */
  compareKeys(a: Uint8Array, b: Uint8Array): number;
  token(key: Uint8Array): Token;
  /**
   * Orders two tokens returned by token(); lets a caller that caches tokens avoid re-hashing.
   * Optional so that hand-written partitioners (tests) need not provide it.
   */
  compareTokens?(a: Token, b: Token): number;
}

const PKG = 'org.apache.cassandra.dht.';

/**
 * RandomPartitioner.getToken: abs(BigInteger(md5(key))), the digest read as a signed big-endian number;
 * an empty key has the minimum token −1.
 */
export function randomPartitionerToken(key: Uint8Array): bigint {
  if (key.length === 0) return -1n;
  const d = createHash('md5').update(key).digest();
  const v = BigInt.asIntN(128, BigInt('0x' + d.toString('hex')));
  return v < 0n ? -v : v;
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function asBig(t: Token): bigint {
  if (typeof t !== 'bigint') throw new AgentError('E_BAD_ARGUMENT', 'expected a numeric token, found bytes');
  return t;
}

function asBytes(t: Token): Uint8Array {
  if (typeof t === 'bigint') throw new AgentError('E_BAD_ARGUMENT', 'expected a byte token, found a number');
  return t;
}

function hashPartitioner(className: string, hash: (key: Uint8Array) => bigint): Partitioner {
  return {
    className,
    token: hash,
    compareKeys(a, b) {
      const c = compareBig(hash(a), hash(b));
      return c !== 0 ? c : compareUnsigned(a, b);
    },
    compareTokens: (a, b) => compareBig(asBig(a), asBig(b)),
  };
}

/** Partitioners whose token is the key itself, ordered by `cmp` (ByteOrderedPartitioner, LocalPartitioner). */
function keyOrderedPartitioner(className: string, cmp: (a: Uint8Array, b: Uint8Array) => number): Partitioner {
  return {
    className,
    token: (key) => key,
    compareKeys(a, b) {
      const c = cmp(a, b);
      return c !== 0 ? c : compareUnsigned(a, b);
    },
    compareTokens: (a, b) => cmp(asBytes(a), asBytes(b)),
  };
}

/**
 * The partitioner named by Statistics.db VALIDATION or system.local (short or fully-qualified class
 * name). LocalPartitioner (secondary-index tables) orders keys by the indexed column's type, so it needs
 * `localCompare`, that type's value comparator. Throws E_BAD_ARGUMENT for unknown partitioners.
 */
export function partitionerFromClass(className: string, localCompare?: (a: Uint8Array, b: Uint8Array) => number): Partitioner {
  const short = className.startsWith(PKG) ? className.slice(PKG.length) : className;
  const bare = short.replace(/\(.*\)$/s, '');
  switch (bare) {
    case 'Murmur3Partitioner':
      return hashPartitioner(PKG + bare, murmur3Token);
    case 'RandomPartitioner':
      return hashPartitioner(PKG + bare, randomPartitionerToken);
    case 'ByteOrderedPartitioner':
      return keyOrderedPartitioner(PKG + bare, compareUnsigned);
    case 'LocalPartitioner':
      if (localCompare === undefined) {
        throw new AgentError('E_BAD_ARGUMENT', `${className} orders keys by the indexed column's type; a comparator for that type is required`);
      }
      return keyOrderedPartitioner(PKG + bare, localCompare);
    default:
      throw new AgentError(
        'E_BAD_ARGUMENT',
        `unsupported partitioner ${className}; expected Murmur3Partitioner, RandomPartitioner, ByteOrderedPartitioner or LocalPartitioner`,
      );
  }
}
