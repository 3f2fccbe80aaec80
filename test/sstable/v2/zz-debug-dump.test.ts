import { it } from 'vitest';
import { join } from 'node:path';
import { parseCqlSchema } from '/work/main/src/schema/cql-ddl.js';
import { describeDataFile } from '/work/main/src/sstable/io/descriptor.js';
import { openSSTable } from '/work/main/src/sstable/table.js';
import { buildV2Layout } from '/work/main/src/sstable/v2/layout.js';
import { readV2 } from '/work/main/src/sstable/v2/reader.js';
const hex = (b: Uint8Array | null) => b === null ? 'null' : Buffer.from(b).toString('hex');
it('dump', async () => {
  const cql = process.env.CQL!; const file = process.env.FILE!;
  const schema = parseCqlSchema(cql).tables[0]!;
  const t = await openSSTable(await describeDataFile(file));
  for await (const b of readV2(t.data, buildV2Layout(schema, file))) for (const e of b) {
    if (e.kind === 'partition') console.log('P', hex(e.key), e.deletion);
    else if (e.kind === 'row') console.log('R', e.isStatic, e.clustering.map(hex).join(':'), 'lv', e.liveness.timestamp, 'del', e.deletion.markedForDeleteAt, e.cells.map(c => `${c.column}/${hex(c.path)}=${hex(c.value)}@${c.timestamp}`).join(' '));
    else if (e.kind === 'marker') console.log('M', e.bound.kind, e.bound.values.map(hex).join(':'), 'close', e.close?.markedForDeleteAt, 'open', e.open?.markedForDeleteAt);
    else console.log('END');
  }
});
