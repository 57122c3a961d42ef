// The packed state: every IR slot gets the fewest bits that hold its range (a
// bool one bit, a 0..3 range two, a constant none), and slots are packed into
// 32-bit words in layout order, never straddling a word. Stored and hashed
// states are packed; the interpreter works on unpacked slot vectors and packs
// its results, while compiled code reads and writes the packed words directly.
import { type Model, SRCU_NEST_MAX, type StateVar, type ValueType } from "@knot/ir";

export interface PackedLayout {
  /** Packed width in 32-bit words. */
  words: number;
  /** Unpacked width in slots. */
  slots: number;
  word: Int32Array;
  shift: Int32Array;
  bits: Int32Array;
  /** (1 << bits) - 1, or -1 for a full word. */
  mask: Int32Array;
  /** The value stored is value - lo. */
  lo: Int32Array;
}

/** Inclusive value ranges of the scalar slots a value type flattens to. */
function typeRanges(t: ValueType, model: Model, out: [number, number][]): void {
  switch (t.kind) {
    case "bool": out.push([0, 1]); return;
    case "int": out.push([t.lo, t.hi]); return;
    case "enum": out.push([0, Math.max(0, t.members.length - 1)]); return;
    case "set": {
      const n = t.elem.kind === "bool" ? 2 : t.elem.kind === "enum" ? t.elem.members.length : t.elem.kind === "int" ? t.elem.hi - t.elem.lo + 1 : t.elem.kind === "ref" && t.elem.bound !== undefined ? t.elem.bound : 31;
      out.push([0, n >= 31 ? 0x7fffffff : (1 << n) - 1]);
      return;
    }
    case "map": {
      const n = t.key.kind === "bool" ? 2 : t.key.kind === "enum" ? t.key.members.length : t.key.kind === "int" ? t.key.hi - t.key.lo + 1 : 0;
      for (let i = 0; i < n; i++) typeRanges(t.value, model, out);
      return;
    }
    case "record": for (const f of t.fields) typeRanges(f.type, model, out); return;
    case "ops": for (let i = 0; i < t.fields.length; i++) out.push([0, model.procNames.length]); return;
    case "proc": out.push([0, model.procNames.length]); return;
    case "ref": {
      const pool = model.pools.find((p) => p.name === t.pool);
      out.push([0, pool ? pool.bound : 0x7fffffff]);
      return;
    }
  }
}

/** The value range of every slot of a state variable (dead locals and unused objects hold 0, so 0 is always included). */
function varRanges(v: StateVar, model: Model): [number, number][] {
  const out: [number, number][] = [];
  const threads = model.threads.length;
  switch (v.kind) {
    case "pc": {
      const proc = model.processes[model.threads[v.thread!]!.process]!;
      out.push([0, Math.max(0, proc.locations.length - 1)]);
      break;
    }
    case "lock": {
      const ew = v.entryWidth ?? 1;
      for (let i = 0; i < v.width / ew; i++) {
        out.push([0, threads]);
        // an rwsem's reader mask and waiting-writer mask: one bit per thread (bit 31 is the sign bit)
        for (let k = 1; k < ew; k++) out.push(threads >= 31 ? [-0x80000000, 0x7fffffff] : [0, (1 << threads) - 1]);
      }
      break;
    }
    case "object": {
      const pool = v.pool!;
      const fields: [number, number][] = [];
      typeRanges(pool.type, model, fields);
      for (let i = 0; i < pool.bound; i++) out.push([0, 2], ...fields);
      break;
    }
    case "srcu": {
      // per thread a read-side depth, then per thread a grace period's mask of readers (and its own bit)
      const T = threads;
      for (let i = 0; i < v.width / v.entryWidth!; i++) {
        for (let t = 0; t < T; t++) out.push([0, SRCU_NEST_MAX]);
        for (let t = 0; t < T; t++) out.push(T >= 31 ? [-0x80000000, 0x7fffffff] : [0, (1 << T) - 1]);
        // then per callback its readers and the mark bit above them (a model with callbacks has at most 30 threads)
        for (let k = 0; k < (v.callbacks?.length ?? 0); k++) out.push([0, (1 << (T + 1)) - 1]);
      }
      break;
    }
    case "workqueue": {
      // the queue's and the workers' slots: a work's position + 1, or 0
      const n = model.workqueues[v.wq!]!.works.length;
      for (let i = 0; i < v.width; i++) out.push([0, n]);
      break;
    }
    case "work": {
      // per entry its canceller (thread + 1), was-pending, then a flush state (0..3) per thread
      for (let i = 0; i < v.width / v.entryWidth!; i++) {
        out.push([0, threads], [0, 1]);
        for (let t = 0; t < threads; t++) out.push([0, 3]);
      }
      break;
    }
    case "refcount": {
      const t = v.type as ValueType & { kind: "int" };
      for (let i = 0; i < v.width; i++) out.push([t.lo, t.hi]);
      break;
    }
    default:
      typeRanges(v.type!, model, out);
  }
  if (out.length !== v.width) {
    // a type the packing does not know precisely: keep whole words
    return Array.from({ length: v.width }, () => [-0x80000000, 0x7fffffff]);
  }
  return out.map(([lo, hi]) => [Math.min(lo, 0), Math.max(hi, 0)]);
}

function bitsFor(lo: number, hi: number): number {
  if (lo === hi) return 0;
  const span = hi - lo;
  if (span <= 0) return 0;
  if (span > 0x7fffffff) return 32;
  return 32 - Math.clz32(span);
}

/**
 * Slots whose value never changes after start-up: locals (and global variables)
 * that no step writes, whatever branch it takes. They take no bits: the packed
 * layout records the value itself (as `lo`). So do completions and SRCU/RCU domains
 * that no step uses (the kvm->srcu of a shared model that a model never enters). In the dining philosophers each
 * philosopher's `first` and `second` fork are such slots.
 */
export function constantSlots(model: Model, initial: ArrayLike<number>): Map<number, number> {
  const written = new Set<number>();
  const wholeVar = (slot: number) => {
    const v = model.layout.vars[model.layout.slotOwner[slot]!]!;
    for (let i = 0; i < v.width; i++) written.add(v.offset + i);
  };
  const dynamicLocal = new Set<number>(); // processes with a dynamically addressed local write
  const note = (a: import("@knot/ir").Addr, process: number) => {
    if (a.space === "global") {
      if (a.terms.length) wholeVar(a.offset);
      else written.add(a.offset);
      return;
    }
    if (a.terms.length) {
      dynamicLocal.add(process);
      return;
    }
    for (const t of model.threads) if (t.process === process) written.add(t.localBase + a.offset);
  };
  const init = new Set(model.processes.flatMap((p) => p.init));
  for (const st of model.steps) {
    if (init.has(st.id)) continue;
    for (const op of st.ops) {
      if (op.k === "assign") for (const a of op.targets) note(a, st.process);
      if (op.k === "alloc") note(op.target, st.process);
    }
  }
  // completions and SRCU/RCU domains that no step uses (a shared model's domain a model never enters) never change
  const used = new Set<number>();
  for (const st of model.steps) {
    for (const op of st.ops) {
      if (op.k === "complete" || op.k === "wait_completion" || op.k === "try_wait_completion") used.add(model.layout.slotOwner[op.c.offset]!);
      if (op.k === "srcu_read_lock" || op.k === "srcu_read_unlock" || op.k === "srcu_gp_start" || op.k === "srcu_sync" || op.k === "call_rcu") used.add(model.layout.slotOwner[op.d.offset]!);
    }
  }
  const out = new Map<number, number>();
  model.layout.vars.forEach((v, vi) => {
    if ((v.kind === "srcu" || v.kind === "completion") && !used.has(vi)) for (let i = 0; i < v.width; i++) out.set(v.offset + i, initial[v.offset + i]!);
  });
  // a work's canceller slots stay 0 unless some step cancels it, and a thread's flush state
  // for it unless the thread's process flushes or cancels it (or flushes its workqueue)
  const waiters = new Map<number, Set<number>>(); // work var -> processes
  const cancelled = new Set<number>();
  const workVars = (wq: number) => model.layout.vars.flatMap((v, vi) => (v.kind === "work" && v.wq === wq ? [vi] : []));
  for (const st of model.steps) {
    for (const op of st.ops) {
      if (op.k !== "work_wait") continue;
      const vars = op.entry ? [model.layout.slotOwner[op.entry.offset]!] : workVars(op.wq);
      for (const vi of vars) {
        if (!waiters.has(vi)) waiters.set(vi, new Set());
        waiters.get(vi)!.add(st.process);
        if (op.call === "cancel_work_sync") cancelled.add(vi);
      }
    }
  }
  model.layout.vars.forEach((v, vi) => {
    if (v.kind !== "work") return;
    const ew = v.entryWidth!;
    const procs = waiters.get(vi) ?? new Set<number>();
    for (let e = 0; e < v.width / ew; e++) {
      const base = v.offset + e * ew;
      if (!cancelled.has(vi)) {
        out.set(base, 0);
        out.set(base + 1, 0);
      }
      for (const t of model.threads) if (!procs.has(t.process)) out.set(base + 2 + t.id, 0);
    }
  });
  for (const v of model.layout.vars) {
    if (v.kind !== "local" && v.kind !== "var") continue;
    if (v.kind === "local" && dynamicLocal.has(model.threads[v.thread!]!.process)) continue;
    for (let i = 0; i < v.width; i++) {
      const slot = v.offset + i;
      if (!written.has(slot)) out.set(slot, initial[slot]!);
    }
  }
  return out;
}

export function computePackedLayout(model: Model, constants: ReadonlyMap<number, number> = new Map()): PackedLayout {
  const n = model.layout.width;
  const word = new Int32Array(n);
  const shift = new Int32Array(n);
  const bits = new Int32Array(n);
  const mask = new Int32Array(n);
  const lo = new Int32Array(n);
  let w = 0;
  let used = 0;
  for (const v of model.layout.vars) {
    const ranges = varRanges(v, model);
    ranges.forEach(([l0, h0], i) => {
      const slot = v.offset + i;
      const c = constants.get(slot);
      const [l, h] = c === undefined ? [l0, h0] : [c, c];
      const b = bitsFor(l, h);
      if (used + b > 32) {
        w++;
        used = 0;
      }
      word[slot] = w;
      shift[slot] = used;
      bits[slot] = b;
      mask[slot] = b === 32 ? -1 : (1 << b) - 1;
      lo[slot] = b === 32 ? 0 : l;
      used += b;
    });
  }
  return { words: used > 0 ? w + 1 : Math.max(1, w), slots: n, word, shift, bits, mask, lo };
}

/** Pack an unpacked slot vector into `out` (which must be zeroed or fully overwritten here). */
export function pack(p: PackedLayout, slots: Int32Array, out: Int32Array): void {
  out.fill(0, 0, p.words);
  const { word, shift, mask, lo } = p;
  for (let i = 0; i < p.slots; i++) {
    const m = mask[i]!;
    if (m === 0) continue;
    out[word[i]!] |= ((slots[i]! - lo[i]!) & m) << shift[i]!;
  }
}

export function unpack(p: PackedLayout, words: Int32Array, out: Int32Array): void {
  const { word, shift, mask, lo } = p;
  for (let i = 0; i < p.slots; i++) {
    const m = mask[i]!;
    out[i] = m === 0 ? lo[i]! : m === -1 ? words[word[i]!]! : ((words[word[i]!]! >>> shift[i]!) & m) + lo[i]!;
  }
}

/** Read one slot of a packed state. */
export function readSlot(p: PackedLayout, words: Int32Array, slot: number): number {
  const m = p.mask[slot]!;
  if (m === 0) return p.lo[slot]!;
  if (m === -1) return words[p.word[slot]!]!;
  return ((words[p.word[slot]!]! >>> p.shift[slot]!) & m) + p.lo[slot]!;
}
