// Frontiers (TLC's StateQueue): which state to expand next, and at what depth.
// BFS over an exact store needs no queue of its own: the store numbers states in
// discovery order, so states [head, size) are the queue and depth grows by one
// each time the head passes the end of a level. BFS over fingerprints queues the
// packed states themselves; DFS keeps an explicit stack (no recursion, so deep
// models cannot overflow the call stack).
import type { StateStore } from "./state-store.js";

export interface Frontier {
  /** A newly stored state (at state[off..]) to expand later. */
  push(index: number, depth: number, state: Int32Array, off: number): void;
  /** The next state to expand, into `out`; returns its index, or -1 when done. Its depth is then `depth`. */
  pop(out: Int32Array): number;
  readonly depth: number;
  readonly pending: number;
  bytes(): number;
}

export class BfsStoreFrontier implements Frontier {
  private head = 0;
  private levelEnd = 0;
  depth = -1;
  constructor(private readonly store: StateStore) {}
  push(): void {
    // the store's insertion order is the queue
  }
  pop(out: Int32Array): number {
    if (this.head >= this.store.size) return -1;
    const idx = this.head++;
    if (idx >= this.levelEnd) {
      this.depth++;
      this.levelEnd = this.store.size;
    }
    this.store.read(idx, out);
    return idx;
  }
  get pending(): number {
    return this.store.size - this.head;
  }
  bytes(): number {
    return 0;
  }
}

const CHUNK = 1 << 14;

/** A FIFO of (index, depth, packed state) records in chunks, freed as they are consumed. */
export class BfsQueueFrontier implements Frontier {
  private readonly chunks: Int32Array[] = [];
  private readonly rec: number;
  private tail = 0;
  private head = 0;
  private dropped = 0;
  depth = 0;
  constructor(private readonly words: number) {
    this.rec = words + 2;
  }
  push(index: number, depth: number, state: Int32Array, off: number): void {
    const ci = Math.floor(this.tail / CHUNK) - this.dropped;
    if (ci === this.chunks.length) this.chunks.push(new Int32Array(CHUNK * this.rec));
    const base = (this.tail % CHUNK) * this.rec;
    const c = this.chunks[ci]!;
    c[base] = index;
    c[base + 1] = depth;
    for (let i = 0; i < this.words; i++) c[base + 2 + i] = state[off + i]!;
    this.tail++;
  }
  pop(out: Int32Array): number {
    if (this.head >= this.tail) return -1;
    const ci = Math.floor(this.head / CHUNK) - this.dropped;
    const base = (this.head % CHUNK) * this.rec;
    const c = this.chunks[ci]!;
    const idx = c[base]!;
    this.depth = c[base + 1]!;
    out.set(c.subarray(base + 2, base + 2 + this.words));
    this.head++;
    if (this.head % CHUNK === 0) {
      this.chunks.shift();
      this.dropped++;
    }
    return idx;
  }
  get pending(): number {
    return this.tail - this.head;
  }
  bytes(): number {
    return this.chunks.length * CHUNK * this.rec * 4;
  }
}

/** A stack of (index, depth) — and, without an exact store to read states from, the packed states too. */
export class DfsFrontier implements Frontier {
  private stack: Int32Array;
  private top = 0;
  private readonly rec: number;
  depth = 0;
  constructor(private readonly store: StateStore) {
    this.rec = store.exact ? 2 : 2 + store.words;
    this.stack = new Int32Array(1024 * this.rec);
  }
  push(index: number, depth: number, state: Int32Array, off: number): void {
    if ((this.top + 1) * this.rec > this.stack.length) {
      const bigger = new Int32Array(this.stack.length * 2);
      bigger.set(this.stack);
      this.stack = bigger;
    }
    const base = this.top * this.rec;
    this.stack[base] = index;
    this.stack[base + 1] = depth;
    if (!this.store.exact) for (let i = 0; i < this.store.words; i++) this.stack[base + 2 + i] = state[off + i]!;
    this.top++;
  }
  pop(out: Int32Array): number {
    if (this.top === 0) return -1;
    this.top--;
    const base = this.top * this.rec;
    const idx = this.stack[base]!;
    this.depth = this.stack[base + 1]!;
    if (this.store.exact) this.store.read(idx, out);
    else out.set(this.stack.subarray(base + 2, base + 2 + this.store.words));
    return idx;
  }
  get pending(): number {
    return this.top;
  }
  bytes(): number {
    return this.stack.byteLength;
  }
}
