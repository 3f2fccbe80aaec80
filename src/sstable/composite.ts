/**
 * CompositeType values (§8.3): per component u16 length, bytes, u8 end-of-component.
 * Used for multi-column partition keys.
 */
import { AgentError } from '../errors.js';

/** Splits a composite value into its component views. @throws E_BAD_FORMAT on overrun */
export function splitComposite(v: Uint8Array, file?: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < v.length) {
    if (p + 2 > v.length) throw new AgentError('E_BAD_FORMAT', 'composite value ends inside a component length', file === undefined ? {} : { file });
    const len = ((v[p] as number) << 8) | (v[p + 1] as number);
    p += 2;
    if (p + len + 1 > v.length) throw new AgentError('E_BAD_FORMAT', `composite component of ${len} bytes overruns the value`, file === undefined ? {} : { file });
    out.push(v.subarray(p, p + len));
    p += len + 1;
  }
  return out;
}

/** Builds a composite value from components (end-of-component 0). */
export function buildComposite(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += 3 + p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out[o] = p.length >> 8;
    out[o + 1] = p.length & 0xff;
    out.set(p, o + 2);
    o += 2 + p.length;
    out[o++] = 0;
  }
  return out;
}
