import { it } from 'vitest';
import { describeDataFile } from '/work/main/src/sstable/io/descriptor.js';
import { openSSTable } from '/work/main/src/sstable/table.js';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
it('raw', async () => {
  const file = process.env.FILE!;
  const t = await openSSTable(await describeDataFile(file));
  const parts: Uint8Array[] = [];
  for await (const ch of t.data.chunks()) parts.push(ch.bytes);
  const buf = Buffer.concat(parts);
  let p = 0; const lim = Number(process.env.LIMIT ?? 200); let count = 0;
  while (p < buf.length && count < lim) {
    const kl = buf.readUInt16BE(p); console.log('PARTITION', hex(buf.subarray(p+2, p+2+kl)), buf.readInt32BE(p+2+kl), buf.readBigInt64BE(p+6+kl)); p += 2 + kl + 12;
    for (;;) {
      const nl = buf.readUInt16BE(p); p += 2; if (nl === 0) { console.log('EOR'); break; }
      const name = buf.subarray(p, p + nl); p += nl; const mask = buf[p++]!;
      count++;
      if (mask & 0x10) { const ml = buf.readUInt16BE(p); p += 2; const max = buf.subarray(p, p + ml); p += ml; const ldt = buf.readInt32BE(p); const ts = buf.readBigInt64BE(p + 4); p += 12; console.log('RT', hex(name), '..', hex(max), ts, ldt); continue; }
      if (mask & 0x04) { p += 8; }
      else if (mask & 0x02) { p += 8; }
      const ts = buf.readBigInt64BE(p); p += 8; const vl = buf.readInt32BE(p); p += 4; const v = buf.subarray(p, p + vl); p += vl;
      console.log('CELL', mask, hex(name), ts, vl > 40 ? vl + 'B' : hex(v));
    }
  }
});
