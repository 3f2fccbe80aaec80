/**
 * Prompt release of received and decompressed buffers.
 *
 * A thread that receives batches as ArrayBuffers from other threads (the main thread of a parallel read)
 * allocates almost nothing on the V8 heap itself, so V8 rarely collects, and buffers already written
 * out stay resident until its external-memory heuristic fires (some 64 MB later). Collecting after
 * every `everyBytes` of such buffers keeps resident memory to what is live (docs/memory.md), for
 * about a millisecond per collection.
 *
 * V8's collector is reached through its `--expose-gc` flag, set at run time; when that is refused
 * the reclaimer does nothing and memory is only bounded by V8's own heuristics.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (opts?: { type: 'minor' | 'major' }) => void;

let collect: Collect | null | undefined;

function collector(): Collect | null {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    collect = typeof fn === 'function' ? (fn as Collect) : null;
  } catch {
    collect = null;
  }
  return collect;
}

/**
 * `(bytes) => void`: counts buffer bytes passed along; once `everyBytes` have passed, runs a minor
 * collection (the buffers are young: received or allocated since the last one). Not a major one: in a
 * thread running hot decode loops, major collections also discard optimised code (weakly held maps
 * die), which cost more than they saved.
 */
export function bufferReclaimer(everyBytes: number): (bytes: number) => void {
  const gc = collector();
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < everyBytes || gc === null) return;
    since = 0;
    gc({ type: 'minor' });
  };
}
