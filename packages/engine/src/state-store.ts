// The visited-state store (TLC's FPSet): an open-addressing hash table over
// fixed-width states kept in large Int32Array chunks, so that no state is ever a
// JavaScript object. A state's index is its insertion order, which makes the
// store itself the BFS queue (states [head, size) are the frontier) and lets
// parent links and traces refer to states by index.

export interface StateStore {
  readonly width: number;
  readonly size: number;
  /** Insert a state; returns its index when new, or -(index + 1) when already present. */
  add(state: Int32Array): number;
  /** The index of a stored state, or -1 when it is not stored (stores nothing). */
  find(state: Int32Array): number;
  /** Copy state `index` into `out`. */
  read(index: number, out: Int32Array): void;
  /** Bytes held, for progress and statistics. */
  bytes(): number;
}

const CHUNK_STATES = 1 << 16;

/** 32-bit hash of a state vector (murmur3-style mixing). */
export function hashState(s: Int32Array, width: number): number {
  let h = 0x9747b28c ^ width;
  for (let i = 0; i < width; i++) {
    let k = Math.imul(s[i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= width;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

export class ExactStateStore implements StateStore {
  private readonly chunks: Int32Array[] = [];
  private hashes: Int32Array[] = [];
  private table: Int32Array;
  private mask: number;
  size = 0;

  constructor(readonly width: number, initialCapacity = 1 << 12) {
    let cap = 1;
    while (cap < initialCapacity) cap <<= 1;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private stateHash(index: number): number {
    return this.hashes[index >>> 16]![index & (CHUNK_STATES - 1)]!;
  }

  private equals(index: number, s: Int32Array): boolean {
    const chunk = this.chunks[index >>> 16]!;
    const base = (index & (CHUNK_STATES - 1)) * this.width;
    for (let i = 0; i < this.width; i++) if (chunk[base + i] !== s[i]) return false;
    return true;
  }

  find(s: Int32Array): number {
    const h = hashState(s, this.width);
    for (let pos = h & this.mask; ; pos = (pos + 1) & this.mask) {
      const entry = this.table[pos]!;
      if (entry === 0) return -1;
      const idx = entry - 1;
      if (this.stateHash(idx) === h && this.equals(idx, s)) return idx;
    }
  }

  add(s: Int32Array): number {
    const h = hashState(s, this.width);
    let pos = h & this.mask;
    for (;;) {
      const entry = this.table[pos]!;
      if (entry === 0) break;
      const idx = entry - 1;
      if (this.stateHash(idx) === h && this.equals(idx, s)) return -(idx + 1);
      pos = (pos + 1) & this.mask;
    }
    const idx = this.size++;
    const ci = idx >>> 16;
    if (ci === this.chunks.length) {
      this.chunks.push(new Int32Array(CHUNK_STATES * this.width));
      this.hashes.push(new Int32Array(CHUNK_STATES));
    }
    this.chunks[ci]!.set(s.subarray(0, this.width), (idx & (CHUNK_STATES - 1)) * this.width);
    this.hashes[ci]![idx & (CHUNK_STATES - 1)] = h;
    this.table[pos] = idx + 1;
    if (this.size * 2 > this.table.length) this.grow();
    return idx;
  }

  private grow(): void {
    const cap = this.table.length * 2;
    const table = new Int32Array(cap);
    const mask = cap - 1;
    for (let idx = 0; idx < this.size; idx++) {
      let pos = this.stateHash(idx) & mask;
      while (table[pos] !== 0) pos = (pos + 1) & mask;
      table[pos] = idx + 1;
    }
    this.table = table;
    this.mask = mask;
  }

  read(index: number, out: Int32Array): void {
    const chunk = this.chunks[index >>> 16]!;
    const base = (index & (CHUNK_STATES - 1)) * this.width;
    out.set(chunk.subarray(base, base + this.width));
  }

  bytes(): number {
    return this.chunks.length * CHUNK_STATES * (this.width + 1) * 4 + this.table.length * 4;
  }
}

/** A growable Int32 array in chunks (never copies what it holds). */
export class IntColumn {
  private readonly chunks: Int32Array[] = [];
  set(index: number, v: number): void {
    const ci = index >>> 16;
    while (ci >= this.chunks.length) this.chunks.push(new Int32Array(CHUNK_STATES));
    this.chunks[ci]![index & (CHUNK_STATES - 1)] = v;
  }
  get(index: number): number {
    return this.chunks[index >>> 16]![index & (CHUNK_STATES - 1)]!;
  }
  bytes(): number {
    return this.chunks.length * CHUNK_STATES * 4;
  }
}
