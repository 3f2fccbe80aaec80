/**
 * SHA-256 of sink bodies computed in a helper thread, beside the extraction that produces them:
 * hashing the LOAD files took about a tenth of a main-thread extraction's CPU (docs/extract.md,
 * "Session 12"), and on the thread that also decodes and encodes it added to the wall time.
 *
 * Bytes reach the thread through a ring of SLOTS slots of SLOT_BYTES in one SharedArrayBuffer: a
 * piece is copied into free slots (a copy costs a fraction of hashing it), the thread hashes each
 * slot and frees it. Fixed memory, no allocation per piece (a SharedArrayBuffer per piece kept
 * hundreds of MB alive until a major GC). `update` waits while every slot is taken.
 *
 * One thread per process, started on first use from a few lines of code (no module graph to load),
 * kept referenced only while a hash is open, so that it never keeps a finished process alive. The
 * slots are shared by all hashes in order of use; each hash's pieces are hashed in the order sent.
 * If the thread dies, the open hashes fail with E_INTERNAL and the next ones start a new thread; one
 * that cannot start fails the put with E_INTERNAL, naming why.
 */
import { Worker } from 'node:worker_threads';
import { AgentError } from '../errors.js';

export const SLOT_BYTES = 1 << 20;
export const SLOTS = 16;

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ring = new Uint8Array(workerData.ring);
const slotBytes = workerData.slotBytes;
const open = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = open.get(m.id);
    if (h === undefined) { h = createHash('sha256'); open.set(m.id, h); }
    h.update(ring.subarray(m.slot * slotBytes, m.slot * slotBytes + m.length));
    parentPort.postMessage({ id: m.id, slot: m.slot });
  } else if (m.op === 'digest') {
    const h = open.get(m.id) ?? createHash('sha256');
    open.delete(m.id);
    parentPort.postMessage({ id: m.id, hex: h.digest('hex') });
  } else if (m.op === 'drop') {
    open.delete(m.id);
  }
});
`;

interface Pending {
  readonly resolve: (hex: string) => void;
  readonly reject: (e: unknown) => void;
}

interface Reply {
  readonly id: number;
  readonly slot?: number;
  readonly hex?: string;
}

interface HashThread {
  readonly worker: Worker;
  readonly ring: Uint8Array;
  /** free slot numbers */
  readonly free: number[];
  /** callers waiting for a free slot, in order */
  readonly waiting: (() => void)[];
  /** open hashes, and their digest callbacks once asked */
  readonly open: Map<number, Pending | null>;
}

let current: HashThread | null = null;
let nextId = 1;

function fail(t: HashThread, e: unknown): void {
  if (current === t) current = null;
  const err = new AgentError('E_INTERNAL', `the hashing thread failed: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
  for (const p of t.open.values()) p?.reject(err);
  t.open.clear();
  // waiters wake up and find the thread gone
  for (const w of t.waiting.splice(0)) w();
}

function thread(): HashThread {
  if (current !== null) return current;
  const sab = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
  let worker: Worker;
  try {
    worker = new Worker(SOURCE, { eval: true, workerData: { ring: sab, slotBytes: SLOT_BYTES } });
  } catch (e) {
    throw new AgentError('E_INTERNAL', `cannot start the hashing thread: ${(e as Error).message}`, {}, { cause: e });
  }
  const t: HashThread = { worker, ring: new Uint8Array(sab), free: Array.from({ length: SLOTS }, (_, i) => i), waiting: [], open: new Map() };
  worker.on('message', (m: Reply) => {
    if (m.slot !== undefined) {
      t.free.push(m.slot);
      t.waiting.shift()?.();
      return;
    }
    if (m.hex === undefined) return;
    const p = t.open.get(m.id);
    t.open.delete(m.id);
    if (t.open.size === 0) worker.unref();
    p?.resolve(m.hex);
  });
  worker.on('error', (e) => fail(t, e));
  worker.on('exit', (code) => fail(t, new Error(`it exited with code ${code}`)));
  worker.unref();
  current = t;
  return t;
}

/** One SHA-256 computed in the hashing thread. */
export class ThreadHash {
  private readonly id = nextId++;
  private readonly t: HashThread;
  private done = false;

  /** @throws AgentError E_INTERNAL when the hashing thread cannot start */
  constructor() {
    this.t = thread();
    this.t.open.set(this.id, null);
    this.t.worker.ref();
  }

  private gone(): AgentError {
    return new AgentError('E_INTERNAL', 'the hashing thread failed');
  }

  /** Copies `piece` into the ring (waiting for free slots) to be hashed after the pieces before it. */
  async update(piece: Uint8Array): Promise<void> {
    if (this.done) throw new AgentError('E_INTERNAL', 'update after digest');
    const t = this.t;
    for (let at = 0; at < piece.byteLength; at += SLOT_BYTES) {
      while (t.free.length === 0) {
        if (!t.open.has(this.id)) throw this.gone();
        await new Promise<void>((resolve) => t.waiting.push(resolve));
      }
      if (!t.open.has(this.id)) throw this.gone();
      const slot = t.free.pop() as number;
      const length = Math.min(SLOT_BYTES, piece.byteLength - at);
      t.ring.set(piece.subarray(at, at + length), slot * SLOT_BYTES);
      t.worker.postMessage({ op: 'update', id: this.id, slot, length });
    }
  }

  /** Lowercase hex of the bytes sent. */
  digest(): Promise<string> {
    this.done = true;
    const t = this.t;
    return new Promise<string>((resolve, reject) => {
      if (!t.open.has(this.id)) {
        reject(this.gone());
        return;
      }
      t.open.set(this.id, { resolve, reject });
      t.worker.postMessage({ op: 'digest', id: this.id });
    });
  }

  /** Forgets the hash (a failed put). */
  abandon(): void {
    if (this.done) return;
    this.done = true;
    const t = this.t;
    if (t.open.delete(this.id)) {
      t.worker.postMessage({ op: 'drop', id: this.id });
      if (t.open.size === 0) t.worker.unref();
    }
  }
}
