/**
 * uuid/timeuuid and inet renderings and parsers.
 *
 * inet follows `InetAddressSerializer.toString` = Java `InetAddress.getHostAddress()`: IPv4 dotted;
 * IPv6 as eight lowercase hex groups without leading zeros and without "::" compression
 * ("0:0:0:0:0:0:0:1"). Like `InetAddress.getByAddress`, a 16-byte IPv4-mapped address
 * (::ffff:a.b.c.d) becomes an IPv4 address and prints dotted.
 */
import { AgentError } from '../../errors.js';
import { fromHex, hex, u16, u8 } from './bytes.js';

/** Lowercase 8-4-4-4-12 text of the 16 bytes at `s`. */
export function formatUuid(b: Uint8Array, s: number): string {
  return `${hex(b, s, s + 4)}-${hex(b, s + 4, s + 6)}-${hex(b, s + 6, s + 8)}-${hex(b, s + 8, s + 10)}-${hex(b, s + 10, s + 16)}`;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function parseUuid(text: string): Uint8Array {
  if (!UUID_RE.test(text)) throw new AgentError('E_BAD_ARGUMENT', `not a uuid: '${text}'`);
  return fromHex(text.replace(/-/g, ''), 'uuid');
}

function isMappedV4(b: Uint8Array, s: number): boolean {
  for (let i = 0; i < 10; i++) if (u8(b, s + i) !== 0) return false;
  return u8(b, s + 10) === 0xff && u8(b, s + 11) === 0xff;
}

/** Text of the inet value `b[s..e)` (4 or 16 bytes; anything else throws E_BAD_FORMAT). */
export function formatInet(b: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n === 4) return `${u8(b, s)}.${u8(b, s + 1)}.${u8(b, s + 2)}.${u8(b, s + 3)}`;
  if (n !== 16) throw new AgentError('E_BAD_FORMAT', `inet value of ${n} bytes (expected 4 or 16)`);
  if (isMappedV4(b, s)) return formatInet(b, s + 12, e);
  let out = u16(b, s).toString(16);
  for (let i = 2; i < 16; i += 2) out += ':' + u16(b, s + i).toString(16);
  return out;
}

const V4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(text: string): number[] | undefined {
  const m = V4_RE.exec(text);
  if (m === null) return undefined;
  const parts = m.slice(1, 5).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/** Parses dotted IPv4 or IPv6 text (with optional "::" and a trailing dotted quad). */
export function parseInet(text: string): Uint8Array {
  const bad = (): never => {
    throw new AgentError('E_BAD_ARGUMENT', `not an IP address: '${text}'`);
  };
  if (!text.includes(':')) return Uint8Array.from(parseV4(text) ?? bad());
  const halves = text.split('::');
  if (halves.length > 2) bad();
  const groups = (part: string, allowV4: boolean): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    items.forEach((g, i) => {
      if (allowV4 && i === items.length - 1 && g.includes('.')) {
        const v4 = parseV4(g) ?? bad();
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else bad();
    });
    return out;
  };
  const head = groups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] ?? '', true) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || (halves.length === 2 && fill < 1)) bad();
  const all = [...head, ...new Array<number>(Math.max(fill, 0)).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}
