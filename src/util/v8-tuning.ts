/**
 * V8 settings the agent runs with, applied by the launcher (bin/cassandra-extractor.js) before any of
 * the agent's code is loaded, and by the benchmarks before they time anything, so that what is
 * measured is what runs.
 *
 * The one setting: twice V8's default inlining budgets (bytecode size of a function it may inline,
 * 460 -> 920, and of all inlined code in one optimised function, 920 -> 1840). The decoders and the
 * CSV encoder are small functions called per cell and per field from a few hot loops; with the default
 * budgets V8 stops inlining them partway. Measured (docs/extract.md, "V8 settings"): about 5-8% less
 * CPU for decoding and extraction. The budgets are read when V8 optimises a function, so setting them
 * before the agent's code has run is the same as passing them on the node command line; they are
 * process-wide, so decoding workers have them too.
 *
 * CASSANDRA_EXTRACTOR_V8_TUNING=off leaves V8's defaults (for comparing, or if a Node.js release ever
 * objects). Flags already given on the node command line win: nothing is set twice.
 */
import { setFlagsFromString } from 'node:v8';

export const V8_TUNING_FLAGS: readonly string[] = Object.freeze([
  '--max-inlined-bytecode-size=920',
  '--max-inlined-bytecode-size-cumulative=1840',
]);

export interface V8TuningResult {
  /** the flags set now */
  readonly applied: readonly string[];
  /** why nothing was set, when nothing was */
  readonly skipped?: 'disabled' | 'already-set';
}

/**
 * Sets the V8_TUNING_FLAGS not already on the command line (`execArgv`), unless `env` turns them off.
 * Call it once, first thing in the process.
 */
export function applyV8Tuning(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): V8TuningResult {
  const setting = (env.CASSANDRA_EXTRACTOR_V8_TUNING ?? '').trim().toLowerCase();
  if (setting === 'off' || setting === '0' || setting === 'false' || setting === 'no') return { applied: [], skipped: 'disabled' };
  const given = new Set(execArgv.map((a) => a.split('=')[0]?.replace(/_/g, '-')));
  const applied = V8_TUNING_FLAGS.filter((f) => !given.has(f.split('=')[0]));
  for (const f of applied) setFlagsFromString(f);
  return applied.length === 0 ? { applied, skipped: 'already-set' } : { applied };
}

/** One line for logs and benchmark headers. */
export function describeV8Tuning(r: V8TuningResult): string {
  if (r.skipped === 'disabled') return 'V8 tuning off (CASSANDRA_EXTRACTOR_V8_TUNING=off): V8 defaults';
  if (r.skipped === 'already-set') return 'V8 tuning given on the node command line';
  return `V8 tuning: ${r.applied.join(' ')}`;
}
