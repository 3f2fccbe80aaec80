import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AgentError, ERROR_CATALOG } from '../../src/errors.js';

describe('error catalog', () => {
  it('docs/errors.md lists exactly the codes and statuses of src/errors.ts', () => {
    const md = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Map<string, number>();
    for (const m of md.matchAll(/^\| `(E_[A-Z_]+)` \| (\d+) \|/gm)) documented.set(m[1] as string, Number(m[2]));
    const coded = new Map(Object.entries(ERROR_CATALOG).map(([k, v]) => [k, v.status as number]));
    expect([...documented].sort()).toEqual([...coded].sort());
  });

  it('messages name the location', () => {
    const e = new AgentError('E_CORRUPT_CHUNK', 'checksum mismatch', { file: '/d/mc-1-big-Data.db', chunk: 3, offset: 1234 });
    expect(e.message).toBe('checksum mismatch (/d/mc-1-big-Data.db, chunk 3, offset 1234)');
    expect(e.withFile('/other').message).toBe(e.message);
    expect(new AgentError('E_TRUNCATED', 'ends early').withFile('/f').message).toBe('ends early (/f)');
  });
});
