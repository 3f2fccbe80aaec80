import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyV8Tuning, describeV8Tuning, V8_TUNING_FLAGS } from '../../src/util/v8-tuning.js';

describe('applyV8Tuning', () => {
  it('is turned off by CASSANDRA_EXTRACTOR_V8_TUNING=off (any case, or 0/false/no)', () => {
    for (const v of ['off', 'OFF', ' 0 ', 'false', 'no']) {
      const r = applyV8Tuning({ CASSANDRA_EXTRACTOR_V8_TUNING: v }, []);
      expect(r).toEqual({ applied: [], skipped: 'disabled' });
      expect(describeV8Tuning(r)).toMatch(/defaults/);
    }
  });

  it('sets only the flags the node command line does not already give (dashes or underscores)', () => {
    expect(applyV8Tuning({}, []).applied).toEqual(V8_TUNING_FLAGS);
    expect(applyV8Tuning({}, ['--max_inlined_bytecode_size=2000']).applied).toEqual(['--max-inlined-bytecode-size-cumulative=1840']);
    const both = applyV8Tuning({ CASSANDRA_EXTRACTOR_V8_TUNING: 'on' }, ['--max-inlined-bytecode-size=1', '--max-inlined-bytecode-size-cumulative=2']);
    expect(both).toEqual({ applied: [], skipped: 'already-set' });
  });

  it('runs in the launcher before the CLI, which still works', () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'cassandra-extractor.js');
    const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/usage: cassandra-extractor/);
  });
});
