// Visited-state stores (TLC's FPSet), over packed states, with no per-state
// JavaScript object:
// - ExactStateStore keeps every state in large Int32Array chunks and an
//   open-addressing table of indices; a state's index is its insertion order,
//   which makes the store itself the BFS queue and lets traces name states.
// - FingerprintStateStore keeps only a 64-bit fingerprint per state, in a
//   bucketed table filled up to 90% (about 9-11 bytes a state), and estimates the
//   probability that two different states shared a fingerprint.
// Neither copies the states it holds when it grows; the exact table of indices
// is rebuilt from the chunks, the fingerprint table from itself.

export interface StateStore {
  /** Packed width in words. */
  readonly words: number;
  readonly size: number;
  /** True when states can be read back (exact mode). */
  readonly exact: boolean;
  /** Insert a state; returns its index when new, or a negative number when already present (exact: -(index + 1)). */
  add(state: Int32Array): number;
  /** Is the state present? Exact: its index or -1; fingerprint: 0 or -1. */
  find(state: Int32Array): number;
  /** Copy state `index` into `out` (exact stores only). */
  read(index: number, out: Int32Array): void;
  /** Bytes held. */
  bytes(): number;
}

/** Returned by a fingerprint store for a state seen before: its index is unknown. */
export const SEEN = -0x80000000;

const CHUNK_BITS = 16;
const CHUNK_STATES = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_STATES - 1;

/** 32-bit hash of a packed state (murmur3-style mixing); `seed` gives independent hashes. */
export function hashState(s: Int32Array, width: number, seed = 0x9747b28c): number {
  let h = seed ^ width;
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
  readonly exact = true;
  private readonly chunks: Int32Array[] = [];
  private table: Int32Array;
  private mask: number;
  size = 0;

  constructor(readonly words: number, initialCapacity = 1 << 12) {
    let cap = 1;
    while (cap < initialCapacity) cap <<= 1;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private equals(index: number, s: Int32Array): boolean {
    const chunk = this.chunks[index >>> CHUNK_BITS]!;
    const w = this.words;
    const base = (index & CHUNK_MASK) * w;
    for (let i = 0; i < w; i++) if (chunk[base + i] !== s[i]) return false;
    return true;
  }

  /** The table position holding the state, or the empty position where it would go (as ~pos). */
  private probe(s: Int32Array): number {
    let pos = hashState(s, this.words) & this.mask;
    for (;;) {
      const entry = this.table[pos]!;
      if (entry === 0) return ~pos;
      if (this.equals(entry - 1, s)) return pos;
      pos = (pos + 1) & this.mask;
    }
  }

  add(s: Int32Array): number {
    const pos = this.probe(s);
    if (pos >= 0) return -this.table[pos]!;
    const idx = this.size++;
    const ci = idx >>> CHUNK_BITS;
    if (ci === this.chunks.length) this.chunks.push(new Int32Array(CHUNK_STATES * this.words));
    this.chunks[ci]!.set(s.subarray(0, this.words), (idx & CHUNK_MASK) * this.words);
    this.table[~pos] = idx + 1;
    if (this.size * 4 > this.table.length * 3) this.grow();
    return idx;
  }

  find(s: Int32Array): number {
    const pos = this.probe(s);
    return pos >= 0 ? this.table[pos]! - 1 : -1;
  }

  private grow(): void {
    const cap = this.table.length * 2;
    const table = new Int32Array(cap);
    const mask = cap - 1;
    const w = this.words;
    for (let ci = 0; ci < this.chunks.length; ci++) {
      const chunk = this.chunks[ci]!;
      const n = Math.min(CHUNK_STATES, this.size - ci * CHUNK_STATES);
      for (let j = 0; j < n; j++) {
        let pos = hashState(chunk.subarray(j * w, j * w + w), w) & mask;
        while (table[pos] !== 0) pos = (pos + 1) & mask;
        table[pos] = ci * CHUNK_STATES + j + 1;
      }
    }
    this.table = table;
    this.mask = mask;
  }

  read(index: number, out: Int32Array): void {
    const chunk = this.chunks[index >>> CHUNK_BITS]!;
    const base = (index & CHUNK_MASK) * this.words;
    out.set(chunk.subarray(base, base + this.words));
  }

  bytes(): number {
    return this.chunks.length * CHUNK_STATES * this.words * 4 + this.table.length * 4;
  }
}

const BUCKET = 8;

/**
 * Fingerprints in buckets of 8 (two Int32 per entry: high and low half; 0/0 means
 * empty, and a fingerprint that is 0/0 is stored as 0/1). The bucket is chosen by
 * multiply-shift range reduction, so the table can grow by a quarter at a time.
 */
export class FingerprintStateStore implements StateStore {
  readonly exact = false;
  private table: Int32Array;
  private buckets: number;
  size = 0;

  constructor(readonly words: number, initialBuckets = 1 << 10) {
    this.buckets = initialBuckets;
    this.table = new Int32Array(initialBuckets * BUCKET * 2);
  }

  /** The bucket of a fingerprint: its high half scaled to the table (so the table size need not be a power of two). */
  private static bucketOf(hi: number, buckets: number): number {
    return Math.floor(((hi >>> 0) / 4294967296) * buckets);
  }

  /** Position of the fingerprint (>= 0) or ~position of the first free entry on its probe path. */
  private probe(hi: number, lo: number): number {
    const t = this.table;
    let b = FingerprintStateStore.bucketOf(hi, this.buckets);
    for (;;) {
      const base = b * BUCKET * 2;
      for (let i = 0; i < BUCKET * 2; i += 2) {
        const h = t[base + i]!;
        const l = t[base + i + 1]!;
        if (h === 0 && l === 0) return ~(base + i);
        if (h === hi && l === lo) return base + i;
      }
      b = b + 1 === this.buckets ? 0 : b + 1;
    }
  }

  private fingerprint(s: Int32Array): [number, number] {
    const hi = hashState(s, this.words, 0x9747b28c);
    let lo = hashState(s, this.words, 0x5bd1e995);
    if (hi === 0 && lo === 0) lo = 1;
    return [hi, lo];
  }

  add(s: Int32Array): number {
    const [hi, lo] = this.fingerprint(s);
    const pos = this.probe(hi, lo);
    if (pos >= 0) return SEEN;
    this.table[~pos] = hi;
    this.table[~pos + 1] = lo;
    const idx = this.size++;
    if (this.size * 10 > this.buckets * BUCKET * 9) this.grow();
    return idx;
  }

  find(s: Int32Array): number {
    const [hi, lo] = this.fingerprint(s);
    return this.probe(hi, lo) >= 0 ? 0 : -1;
  }

  private grow(): void {
    const old = this.table;
    this.buckets = Math.ceil(this.buckets * 1.25);
    this.table = new Int32Array(this.buckets * BUCKET * 2);
    for (let i = 0; i < old.length; i += 2) {
      const hi = old[i]!;
      const lo = old[i + 1]!;
      if (hi === 0 && lo === 0) continue;
      const pos = this.probe(hi, lo);
      this.table[~pos] = hi;
      this.table[~pos + 1] = lo;
    }
  }

  read(): void {
    throw new Error("a fingerprint store holds no states");
  }

  bytes(): number {
    return this.table.length * 4;
  }

  /** Probability that some two distinct states got the same fingerprint (birthday bound over 2^64). */
  collisionProbability(): number {
    const n = this.size;
    return -Math.expm1(-(n * (n - 1)) / 2 / 2 ** 64);
  }
}

/** A growable Int32 array in chunks (never copies what it holds). */
export class IntColumn {
  private readonly chunks: Int32Array[] = [];
  set(index: number, v: number): void {
    const ci = index >>> CHUNK_BITS;
    while (ci >= this.chunks.length) this.chunks.push(new Int32Array(CHUNK_STATES));
    this.chunks[ci]![index & CHUNK_MASK] = v;
  }
  get(index: number): number {
    return this.chunks[index >>> CHUNK_BITS]![index & CHUNK_MASK]!;
  }
  bytes(): number {
    return this.chunks.length * CHUNK_STATES * 4;
  }
}
