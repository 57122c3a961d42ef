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
  /** Insert the state at buf[off..]; returns its index when new, or a negative number when already present (exact: -(index + 1)). */
  add(buf: Int32Array, off?: number): number;
  /** Is the state at buf[off..] present? Exact: its index or -1; fingerprint: 0 or -1. */
  find(buf: Int32Array, off?: number): number;
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

/** 32-bit hash of the packed state s[off..off+width) (murmur3-style mixing); `seed` gives independent hashes. */
export function hashState(s: Int32Array, width: number, seed = 0x9747b28c, off = 0): number {
  let h = seed ^ width;
  for (let i = off, end = off + width; i < end; i++) {
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

/**
 * Table entries hold index + 1 in their low 27 bits and 5 bits of the state's
 * hash above them, so a probe only fetches a stored state (a cache miss) when
 * the tags agree: 31 of 32 unrelated entries on a probe path are skipped for free.
 */
const INDEX_BITS = 27;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
/** The most states an exact store holds (2^27 - 1); beyond, use fingerprints. */
export const MAX_EXACT_STATES = INDEX_MASK;

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

  private equals(index: number, s: Int32Array, off: number): boolean {
    const chunk = this.chunks[index >>> CHUNK_BITS]!;
    const w = this.words;
    const base = (index & CHUNK_MASK) * w;
    for (let i = 0; i < w; i++) if (chunk[base + i] !== s[off + i]) return false;
    return true;
  }

  /** The table position holding the state, or ~position of the empty entry where it would go; `this.lastTag` is its tag. */
  private lastTag = 0;
  private probe(s: Int32Array, off: number): number {
    const table = this.table;
    const mask = this.mask;
    const h = hashState(s, this.words, 0x9747b28c, off);
    const tag = h & ~INDEX_MASK;
    this.lastTag = tag;
    let pos = h & mask;
    for (;;) {
      const entry = table[pos]!;
      if (entry === 0) return ~pos;
      if ((entry & ~INDEX_MASK) === tag && this.equals((entry & INDEX_MASK) - 1, s, off)) return pos;
      pos = (pos + 1) & mask;
    }
  }

  add(s: Int32Array, off = 0): number {
    const pos = this.probe(s, off);
    if (pos >= 0) return -(this.table[pos]! & INDEX_MASK);
    if (this.size >= MAX_EXACT_STATES) throw new Error(`an exact state store holds at most ${MAX_EXACT_STATES} states; use the fingerprint store for more`);
    const idx = this.size++;
    const ci = idx >>> CHUNK_BITS;
    if (ci === this.chunks.length) this.chunks.push(new Int32Array(CHUNK_STATES * this.words));
    const chunk = this.chunks[ci]!;
    const w = this.words;
    const base = (idx & CHUNK_MASK) * w;
    for (let i = 0; i < w; i++) chunk[base + i] = s[off + i]!;
    this.table[~pos] = (idx + 1) | this.lastTag;
    if (this.size * 4 > this.table.length * 3) this.grow();
    return idx;
  }

  find(s: Int32Array, off = 0): number {
    const pos = this.probe(s, off);
    return pos >= 0 ? (this.table[pos]! & INDEX_MASK) - 1 : -1;
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
        const h = hashState(chunk, w, 0x9747b28c, j * w);
        let pos = h & mask;
        while (table[pos] !== 0) pos = (pos + 1) & mask;
        table[pos] = (ci * CHUNK_STATES + j + 1) | (h & ~INDEX_MASK);
      }
    }
    this.table = table;
    this.mask = mask;
  }

  read(index: number, out: Int32Array): void {
    const chunk = this.chunks[index >>> CHUNK_BITS]!;
    const w = this.words;
    const base = (index & CHUNK_MASK) * w;
    for (let i = 0; i < w; i++) out[i] = chunk[base + i]!;
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

  add(s: Int32Array, off = 0): number {
    const hi = hashState(s, this.words, 0x9747b28c, off);
    let lo = hashState(s, this.words, 0x5bd1e995, off);
    if (hi === 0 && lo === 0) lo = 1;
    const pos = this.probe(hi, lo);
    if (pos >= 0) return SEEN;
    this.table[~pos] = hi;
    this.table[~pos + 1] = lo;
    const idx = this.size++;
    if (this.size * 10 > this.buckets * BUCKET * 9) this.grow();
    return idx;
  }

  find(s: Int32Array, off = 0): number {
    const hi = hashState(s, this.words, 0x9747b28c, off);
    let lo = hashState(s, this.words, 0x5bd1e995, off);
    if (hi === 0 && lo === 0) lo = 1;
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
