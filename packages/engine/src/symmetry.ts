// Symmetry reduction (language.md, "Symmetric types"; design.md, "Symmetry reduction"). The values of a
// type declared `symmetric` are interchangeable: a permutation of them, applied to a state (the
// threads of the process arrays over the type trade places, entries indexed by the type move,
// values of the type and sets of them are renamed, and so is every thread id the state holds:
// lock owners, reader and waiter masks, per-thread SRCU and flush slots) gives a state that
// behaves the same. The search stores one representative per orbit: `canonicalise` maps a state
// to a permuted copy chosen by sorting the values' invariant signatures (ties enumerated, up to
// a bound). Soundness needs only that the copy is a real permutation of the state, so a cut-off
// tie costs reduction, never a verdict.
//
// A local that is dead (no path reads it before writing it) may still hold a value of the type
// from a call that returned (locals are reset to 0 at a frame's end, and 0 is a value of the
// type); no permutation keeps such a stale value meaningful, so dead locals holding values of a
// symmetric type are set to 0 in every stored state. States that differ only there behave alike.
//
// `decideSymmetry` says which types can be used and, for the others, why not. Traces are rebuilt
// as real runs of the model by the explorer (Explorer.symmetricTrace, with `imageAll` and `threadMap`).
import { type Model, type Op, type ValueType } from "@knot/ir";
import { type PackedLayout, pack, unpack } from "./packing.js";

/** What the symmetry reduction uses and what it cannot use, for reports. */
export interface SymmetryReport {
  /** Per type used: its name, the process arrays permuted with it (`vcpu[0..3]`), and N! */
  used: { type: string; threads: string[]; permutations: number }[];
  /** Per type not used: why (with the model text's position when there is one). */
  unused: { type: string; reason: string; at?: { file: string; line: number; col: number } }[];
}

/** Most tied values whose orders are all tried (product of the tie groups' factorials). */
const MAX_TIE_ORDERS = 720;

/** A slot's value kind under a permutation. */
const V_PLAIN = 0;
const V_SYM = 1;
const V_SYMSET = 2;
const V_OWNER = 3;
const V_MASK = 4;

interface Axis {
  /** The symmetric type whose permutation moves this slot (index into types), or -1: the thread permutation. */
  type: number;
  pos: number;
  /** The slot of each position's copy, minus this slot's: dst = slot + bases[perm[pos]] - bases[pos]. */
  bases: Int32Array;
}

interface PlanSlot {
  slot: number;
  axes: Axis[];
  vkind: number;
  /** V_SYM, V_SYMSET: the type (index), V_SYM: its lo. */
  vtype: number;
  lo: number;
  /** Locals: the owning thread and the slot relative to its locals (for liveness); -1 otherwise. */
  thread: number;
  rel: number;
}

interface SymType {
  name: string;
  lo: number;
  n: number;
  /** Per process array over the type: its threads by position. */
  arrays: number[][];
}

export class SymmetryReducer {
  private readonly plan: PlanSlot[];
  private readonly types: SymType[];
  private readonly T: number;
  private readonly s: Int32Array;
  private readonly r: Int32Array;
  private readonly best: Int32Array;
  private readonly cand: Int32Array;
  /** Per thread, per location: its live locals (1) or not; undefined for threads without locals to clear. */
  private readonly live: (Uint8Array[] | undefined)[];
  /** Per thread: its locals' first slot and width; its pc slot. */
  private readonly localBase: Int32Array;
  private readonly pcSlot: Int32Array;
  /** Per thread: the dead-if-so sym slots to clear (relative), from the plan. */
  private readonly symLocals: number[][];
  private readonly posOfType: Int32Array[];
  private readonly planPos: Int32Array[];
  /** The plan entry of each slot (the first, for a slot moved by several). */
  private readonly planAt = new Map<number, PlanSlot>();
  private readonly order: Int32Array[];
  private readonly sig: Float64Array[];
  private readonly perm: Int32Array[];
  /** threadPerm's result (overwritten by the next call). */
  private readonly move: Int32Array;
  private readonly acc: Int32Array;
  private readonly multiAxis: boolean[];
  /** Did the canonicalisation in progress change the state (so that it must be packed again)? */
  private changed = false;
  /** Did the last signatures see a value or thread of the type name another one (so equal signatures need not mean equal roles)? */
  private relational = false;
  /** Per used type, the permutation of the last canonicalisation (value position p of the input is position perms[k][p] of the output). */
  readonly perms: Int32Array[];

  constructor(private readonly model: Model, private readonly layout: PackedLayout, used: number[]) {
    const info = model.symmetry!;
    this.types = used.map((k) => {
      const t = info.types[k]!;
      const arrays: number[][] = [];
      model.processes.forEach((p, pi) => {
        const it = p.instance?.type;
        if (it?.kind !== "int" || it.sym !== t.name) return;
        const ths = model.threads.filter((th) => th.process === pi).sort((a, b) => a.instance - b.instance).map((th) => th.id);
        arrays.push(ths);
      });
      return { name: t.name, lo: t.lo, n: t.count, arrays };
    });
    this.T = model.threads.length;
    this.plan = buildPlan(model, this.types);
    const n = layout.slots;
    this.s = new Int32Array(n);
    this.r = new Int32Array(n);
    this.best = new Int32Array(layout.words);
    this.cand = new Int32Array(layout.words);
    this.perms = this.types.map((t) => new Int32Array(t.n));
    this.localBase = Int32Array.from(model.threads.map((t) => t.localBase));
    this.pcSlot = Int32Array.from(model.threads.map((t) => t.pcSlot));
    this.symLocals = model.threads.map(() => []);
    for (const p of this.plan) if (p.thread >= 0 && p.vkind === V_SYM) this.symLocals[p.thread]!.push(p.rel);
    const byProcess = model.processes.map((p, pi) => (model.threads.some((t) => t.process === pi && this.symLocals[t.id]!.length) ? liveLocals(model, pi) : undefined));
    this.live = model.threads.map((t) => (this.symLocals[t.id]!.length ? byProcess[t.process] : undefined));
    this.posOfType = this.types.map((_, k) => this.posOf(k));
    for (const p of this.plan) if (!this.planAt.has(p.slot)) this.planAt.set(p.slot, p);
    this.order = this.types.map((t) => new Int32Array(t.n));
    this.sig = this.types.map((t) => new Float64Array(t.n));
    this.perm = this.types.map((t) => new Int32Array(t.n));
    this.move = new Int32Array(this.T);
    // the position of type k that each plan slot travels with (-1: none), fixed by the layout
    this.planPos = this.types.map((_, k) => Int32Array.from(this.plan, (p) => {
      let pos = -1;
      for (const a of p.axes) {
        if (a.type === k) pos = a.pos;
        else if (a.type === -1 && this.posOfType[k]![a.pos]! >= 0) pos = this.posOfType[k]![a.pos]!;
      }
      return pos;
    }));
    this.acc = new Int32Array(Math.max(1, ...this.types.map((t) => t.n)));
    // a slot moved by two positions of one type (a map from the type to a map from it) relates values
    this.multiAxis = this.types.map((_, k) => this.plan.some((p) => p.axes.filter((a) => a.type === k).length > 1));
  }

  /** Canonicalises the packed state at `words[off..]` in place; `perms` then says how. */
  canonicalise(words: Int32Array, off: number): void {
    const L = this.layout;
    const s = this.s;
    const view = off === 0 && words.length === L.words ? words : words.subarray(off, off + L.words);
    unpack(L, view, s);
    this.changed = false;
    this.canonicaliseSlots(s);
    // most successors are their own representative: then the packed words stand as they are
    if (!this.changed) return;
    pack(L, s, this.cand);
    view.set(this.cand);
  }

  /** Canonicalises an unpacked state in place; `perms` then says how. */
  canonicaliseSlots(s: Int32Array): void {
    for (const p of this.perms) for (let i = 0; i < p.length; i++) p[i] = i;
    this.clearDead(s);
    for (let k = 0; k < this.types.length; k++) this.canonicaliseType(k, s);
  }

  /** The state with dead locals of symmetric types cleared (what every stored state has). */
  clearDead(s: Int32Array): void {
    for (let t = 0; t < this.T; t++) {
      const live = this.live[t];
      if (!live) continue;
      const at = live[s[this.pcSlot[t]!]!];
      if (!at) continue;
      const base = this.localBase[t]!;
      for (const rel of this.symLocals[t]!) {
        if (at[rel] || s[base + rel] === 0) continue;
        s[base + rel] = 0;
        this.changed = true;
      }
    }
  }

  private canonicaliseType(k: number, s: Int32Array): void {
    const ty = this.types[k]!;
    const n = ty.n;
    const sig = this.signatures(k, s);
    // the values by signature, then by value (an insertion sort: a handful of values, no allocation)
    const order = this.order[k]!;
    for (let i = 0; i < n; i++) {
      let j = i;
      while (j > 0 && sig[order[j - 1]!]! > sig[i]!) {
        order[j] = order[j - 1]!;
        j--;
      }
      order[j] = i;
    }
    let ties = false;
    for (let i = 1; i < n; i++) if (sig[order[i]!] === sig[order[i - 1]!]) ties = true;
    const perm = this.perm[k]!;
    // Without relations between the values, equal signatures mean the values play the same role
    // (up to a hash collision, which costs reduction, not soundness): any order of a tie is as good.
    if (!ties || !this.relational) {
      for (let r = 0; r < n; r++) perm[order[r]!] = r;
      this.applyInPlace(k, perm, s);
      return;
    }
    // tie groups: runs of equal signatures
    const groups: number[][] = [];
    let orders = 1;
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && sig[order[j]!] === sig[order[i]!]) j++;
      if (j - i > 1) {
        groups.push([i, j]);
        for (let f = 2; f <= j - i; f++) orders *= f;
      }
      i = j;
    }
    const setPerm = (ord: ArrayLike<number>) => {
      for (let r = 0; r < n; r++) perm[ord[r]!] = r;
    };
    if (orders > MAX_TIE_ORDERS) {
      setPerm(order);
      this.applyInPlace(k, perm, s);
      return;
    }
    // try every order within the tie groups; keep the least packed state
    const L = this.layout;
    const bestPerm = new Int32Array(n);
    let have = false;
    const ord = Array.from(order);
    const visit = (g: number): void => {
      if (g === groups.length) {
        setPerm(ord);
        this.apply(k, perm, s, this.r);
        this.clearDead(this.r);
        pack(L, this.r, this.cand);
        if (!have || less(this.cand, this.best)) {
          this.best.set(this.cand);
          bestPerm.set(perm);
          have = true;
        }
        return;
      }
      const [a, b] = groups[g]!;
      permuteRange(ord, a, b, () => visit(g + 1));
    };
    visit(0);
    this.applyInPlace(k, bestPerm, s);
  }

  private applyInPlace(k: number, perm: Int32Array, s: Int32Array): void {
    let identity = true;
    for (let i = 0; i < perm.length; i++) if (perm[i] !== i) identity = false;
    if (identity) return;
    this.apply(k, perm, s, this.r);
    // a dead local of a thread that stays put may have been renamed from 0
    this.clearDead(this.r);
    s.set(this.r);
    this.changed = true;
    this.perms[k]!.set(perm);
  }

  /** The state s with every used type's values permuted by perms[k], dead locals cleared. */
  imageAll(perms: readonly Int32Array[], s: Int32Array): Int32Array {
    let cur = s.slice();
    const r = new Int32Array(s.length);
    perms.forEach((perm, k) => {
      this.apply(k, perm, cur, r);
      cur = r.slice();
    });
    this.clearDead(cur);
    return cur;
  }

  /**
   * Where a lock-order node (the first slot of a lock entry or SRCU domain entry) goes when used
   * type k's values are permuted by perm: entries indexed by the type move, the rest stay.
   */
  nodeImage(k: number, perm: Int32Array, slot: number): number {
    const p = this.planAt.get(slot);
    if (!p) return slot;
    let dst = slot;
    for (const a of p.axes) if (a.type === k) dst += a.bases[perm[a.pos]!]! - a.bases[a.pos]!;
    return dst;
  }

  /** A transposition and an n-cycle of each used type's values (they generate every permutation), as [type, perm]. */
  generators(): [number, Int32Array][] {
    const out: [number, Int32Array][] = [];
    this.types.forEach((t, k) => {
      const n = t.n;
      if (n < 2) return;
      out.push([k, Int32Array.from({ length: n }, (_, i) => (i === 0 ? 1 : i === 1 ? 0 : i))]);
      if (n > 2) out.push([k, Int32Array.from({ length: n }, (_, i) => (i + 1) % n)]);
    });
    return out;
  }

  /** Identity permutations of every used type. */
  identity(): Int32Array[] {
    return this.types.map((t) => Int32Array.from({ length: t.n }, (_, i) => i));
  }

  /** The thread permutation that perms induce (thread t goes to thread map[t]). */
  threadMap(perms: readonly Int32Array[]): Int32Array {
    const move = Int32Array.from({ length: this.T }, (_, t) => t);
    perms.forEach((perm, k) => {
      const m = this.threadPerm(k, perm);
      for (let t = 0; t < this.T; t++) if (m[t] !== t) move[t] = m[t]!;
    });
    return move;
  }

  /** The thread permutation a permutation of type k's values induces. */
  private threadPerm(k: number, perm: Int32Array): Int32Array {
    const move = this.move;
    for (let t = 0; t < this.T; t++) move[t] = t;
    for (const arr of this.types[k]!.arrays) for (let j = 0; j < arr.length; j++) move[arr[j]!] = arr[perm[j]!]!;
    return move;
  }

  /** The state s with used type k's values permuted by perm, dead locals cleared (for tests). */
  image(k: number, perm: Int32Array, s: Int32Array): Int32Array {
    const r = new Int32Array(s.length);
    this.apply(k, perm, s, r);
    this.clearDead(r);
    return r;
  }

  /** r := the state s with type k's values permuted by perm (value lo + i becomes lo + perm[i]). */
  private apply(k: number, perm: Int32Array, s: Int32Array, r: Int32Array): void {
    r.set(s);
    const tp = this.threadPerm(k, perm);
    const T = this.T;
    for (const p of this.plan) {
      let dst = p.slot;
      for (const a of p.axes) {
        if (a.type === k) dst += a.bases[perm[a.pos]!]! - a.bases[a.pos]!;
        else if (a.type === -1) dst += a.bases[tp[a.pos]!]! - a.bases[a.pos]!;
      }
      let v = s[p.slot]!;
      switch (p.vkind) {
        case V_SYM:
          if (p.vtype === k) {
            const i = v - p.lo;
            if (i >= 0 && i < perm.length) v = p.lo + perm[i]!;
          }
          break;
        case V_SYMSET:
          if (p.vtype === k) {
            let out = v & ~((1 << perm.length) - 1);
            for (let i = 0; i < perm.length; i++) if ((v >>> i) & 1) out |= 1 << perm[i]!;
            v = out;
          }
          break;
        case V_OWNER:
          if (v > 0 && v <= T) v = tp[v - 1]! + 1;
          break;
        case V_MASK: {
          let out = T >= 31 ? 0 : v & ~((1 << T) - 1);
          for (let t = 0; t < T && t < 31; t++) if ((v >>> t) & 1) out |= 1 << tp[t]!;
          v = out;
          break;
        }
      }
      r[dst] = v;
    }
  }

  /**
   * A number per value of type k that a permutation carries along with the value: the slots
   * that move with it (its threads' pcs and locals, its entries), each with values that name a
   * value or thread abstracted to "itself", "another one" or a fixed thread.
   */
  private signatures(k: number, s: Int32Array): Float64Array {
    const ty = this.types[k]!;
    const n = ty.n;
    const h = this.sig[k]!;
    const acc = this.acc;
    acc.fill(0x811c9dc5 | 0, 0, n);
    // which position a thread is at in type k's arrays (-1: not permuted by k)
    const posOf = this.posOfType[k]!;
    const mix = (q: number, v: number) => {
      acc[q] = Math.imul(acc[q]! ^ v, 0x01000193);
    };
    let relational = this.multiAxis[k]!;
    const plan = this.plan;
    const planPos = this.planPos[k]!;
    for (let pi = 0; pi < plan.length; pi++) {
      const p = plan[pi]!;
      const pos = planPos[pi]!;
      let v = s[p.slot]!;
      if (pos < 0) {
        // a slot that stays put but names values or threads of the type: it tells those apart
        const tag = (pi + 1) * 8;
        switch (p.vkind) {
          case V_SYM:
            if (p.vtype === k && !(p.thread >= 0 && !this.isLive(p.thread, p.rel, s))) {
              const q = v - p.lo;
              if (q >= 0 && q < n) mix(q, tag + 1);
            }
            break;
          case V_SYMSET:
            if (p.vtype === k) for (let q = 0; q < n; q++) if ((v >>> q) & 1) mix(q, tag + 2);
            break;
          case V_OWNER:
            if (v > 0 && posOf[v - 1]! >= 0) mix(posOf[v - 1]!, tag + 3);
            break;
          case V_MASK:
            for (let t = 0; t < this.T && t < 31; t++) if ((v >>> t) & 1 && posOf[t]! >= 0) mix(posOf[t]!, tag + 4);
            break;
        }
        continue;
      }
      switch (p.vkind) {
        case V_SYM:
          // a dead local holds 0 whoever it belongs to: "itself" or "another" would depend on the position
          if (p.vtype === k) {
            if (p.thread >= 0 && !this.isLive(p.thread, p.rel, s)) v = -3;
            else if (v - p.lo === pos) v = -1;
            else {
              v = -2;
              relational = true;
            }
          }
          break;
        case V_SYMSET:
          if (p.vtype === k) {
            const others = popcount(v & ((1 << n) - 1) & ~(1 << pos));
            if (others) relational = true;
            v = ((v >>> pos) & 1) * 64 + others;
          }
          break;
        case V_OWNER:
          if (v > 0) {
            const q = posOf[v - 1]!;
            if (q >= 0 && q !== pos) relational = true;
            v = q < 0 ? v + 3 : q === pos ? -1 : -2;
          }
          break;
        case V_MASK: {
          let self = 0;
          let others = 0;
          let fixed = 0;
          for (let t = 0; t < this.T && t < 31; t++) {
            if (!((v >>> t) & 1)) continue;
            const q = posOf[t]!;
            if (q < 0) fixed |= 1 << t;
            else if (q === pos) self = 1;
            else others++;
          }
          if (others) relational = true;
          v = fixed * 4 + others * 2 + self;
          break;
        }
      }
      mix(pos, v);
    }
    for (let i = 0; i < n; i++) h[i] = acc[i]!;
    this.relational = relational;
    return h;
  }

  private isLive(t: number, rel: number, s: Int32Array): boolean {
    const live = this.live[t];
    return !live || live[s[this.pcSlot[t]!]!]![rel] === 1;
  }

  private posOf(k: number): Int32Array {
    const out = new Int32Array(this.T).fill(-1);
    for (const arr of this.types[k]!.arrays) arr.forEach((t, j) => (out[t] = j));
    return out;
  }

  /** Is the initial state (unpacked) the same under every permutation? Else the first slot that differs, and the type (index into the used types). */
  asymmetricSlot(initial: Int32Array): { slot: number; type: number } | undefined {
    const base = initial.slice();
    this.clearDead(base);
    const r = new Int32Array(base.length);
    for (let k = 0; k < this.types.length; k++) {
      const n = this.types[k]!.n;
      if (n < 2) continue;
      // a transposition and an n-cycle generate every permutation
      const swap = Int32Array.from({ length: n }, (_, i) => (i === 0 ? 1 : i === 1 ? 0 : i));
      const cycle = Int32Array.from({ length: n }, (_, i) => (i + 1) % n);
      for (const perm of [swap, cycle]) {
        this.apply(k, perm, base, r);
        this.clearDead(r);
        for (let i = 0; i < r.length; i++) if (r[i] !== base[i]) return { slot: i, type: k };
      }
    }
    return undefined;
  }
}

function less(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return (a[i]! >>> 0) < (b[i]! >>> 0);
  }
  return false;
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v; v &= v - 1) c++;
  return c;
}

/** Calls f for every order of a[lo..hi) (Heap's algorithm), restoring the original order after. */
function permuteRange(a: number[], lo: number, hi: number, f: () => void): void {
  const n = hi - lo;
  const saved = a.slice(lo, hi);
  const c = new Array<number>(n).fill(0);
  f();
  for (let i = 0; i < n; ) {
    if (c[i]! < i) {
      const j = i % 2 === 0 ? 0 : c[i]!;
      const x = a[lo + j]!;
      a[lo + j] = a[lo + i]!;
      a[lo + i] = x;
      f();
      c[i]!++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
  for (let i = 0; i < n; i++) a[lo + i] = saved[i]!;
}

/** Slots per value of a type (as the layout flattens it). */
function widthOfType(t: ValueType, model: Model): number {
  switch (t.kind) {
    case "map": return keyCount(t.key, model) * widthOfType(t.value, model);
    case "record": return t.fields.reduce((w, f) => w + widthOfType(f.type, model), 0);
    case "ops": return t.fields.length;
    default: return 1;
  }
}

function keyCount(t: ValueType, model: Model): number {
  switch (t.kind) {
    case "bool": return 2;
    case "enum": return t.members.length;
    case "int": return t.hi - t.lo + 1;
    case "ref": return (model.pools.find((p) => p.name === t.pool)?.bound ?? 0) + 1;
    default: return 0;
  }
}

function buildPlan(model: Model, types: SymType[]): PlanSlot[] {
  const plan: PlanSlot[] = [];
  const typeIndex = (name: string | undefined) => (name === undefined ? -1 : types.findIndex((t) => t.name === name));
  const T = model.threads.length;
  const threadAxis = (base: number, stride: number, t: number): Axis => ({ type: -1, pos: t, bases: Int32Array.from({ length: T }, (_, i) => base + i * stride - (base + t * stride)) });
  const add = (slot: number, axes: Axis[], vkind: number, vtype = -1, lo = 0, thread = -1, rel = -1) => {
    if (axes.length === 0 && vkind === V_PLAIN) return;
    plan.push({ slot, axes, vkind, vtype, lo, thread, rel });
  };
  // a value of type t at `slot`, moved by `axes`
  const value = (t: ValueType, slot: number, axes: Axis[], thread: number, base: number): void => {
    switch (t.kind) {
      case "int": {
        const k = typeIndex(t.sym);
        add(slot, axes, k >= 0 ? V_SYM : V_PLAIN, k, t.lo, thread, slot - base);
        return;
      }
      case "set": {
        const k = t.elem.kind === "int" ? typeIndex(t.elem.sym) : -1;
        add(slot, axes, k >= 0 ? V_SYMSET : V_PLAIN, k, 0, thread, slot - base);
        return;
      }
      case "map": {
        const w = widthOfType(t.value, model);
        const n = keyCount(t.key, model);
        const k = t.key.kind === "int" ? typeIndex(t.key.sym) : -1;
        for (let i = 0; i < n; i++) {
          const ax = k >= 0 ? [...axes, { type: k, pos: i, bases: Int32Array.from({ length: n }, (_, j) => (j - i) * w) }] : axes;
          value(t.value, slot + i * w, ax, thread, base);
        }
        return;
      }
      case "record": {
        let o = slot;
        for (const f of t.fields) {
          value(f.type, o, axes, thread, base);
          o += widthOfType(f.type, model);
        }
        return;
      }
      default:
        if (axes.length) for (let i = 0; i < widthOfType(t, model); i++) add(slot + i, axes, V_PLAIN);
    }
  };
  // the axis that moves a thread's block: its position in an array over a symmetric type
  const blockAxis = (tid: number, slotOf: (t: number) => number): Axis[] => {
    for (let k = 0; k < types.length; k++) {
      for (const arr of types[k]!.arrays) {
        const j = arr.indexOf(tid);
        if (j >= 0) return [{ type: k, pos: j, bases: Int32Array.from(arr, (t) => slotOf(t) - slotOf(tid)) }];
      }
    }
    return [];
  };
  const entryAxes = (index: ValueType | undefined, entry: number, entries: number, ew: number): Axis[] => {
    const k = index?.kind === "int" ? typeIndex(index.sym) : -1;
    return k >= 0 ? [{ type: k, pos: entry, bases: Int32Array.from({ length: entries }, (_, j) => (j - entry) * ew) }] : [];
  };
  for (const v of model.layout.vars) {
    switch (v.kind) {
      case "pc":
        add(v.offset, blockAxis(v.thread!, (t) => model.threads[t]!.pcSlot), V_PLAIN);
        break;
      case "local": {
        const th = model.threads[v.thread!]!;
        const axes = blockAxis(th.id, (t) => model.threads[t]!.localBase);
        value(v.type!, v.offset, axes, th.id, th.localBase);
        break;
      }
      case "var":
        value(v.type!, v.offset, [], -1, 0);
        break;
      case "object": {
        const pool = v.pool!;
        for (let i = 0; i < pool.bound; i++) value(pool.type, pool.offset + i * pool.stride + 1, [], -1, 0);
        break;
      }
      case "lock": {
        const ew = v.entryWidth ?? 1;
        const entries = v.width / ew;
        for (let e = 0; e < entries; e++) {
          const at = v.offset + e * ew;
          const axes = entryAxes(v.index, e, entries, ew);
          add(at, axes, V_OWNER);
          for (let i = 1; i < ew; i++) add(at + i, axes, V_MASK);
        }
        break;
      }
      case "refcount": case "completion": {
        const ew = v.entryWidth ?? 1;
        const entries = v.width / ew;
        for (let e = 0; e < entries; e++) for (let i = 0; i < ew; i++) add(v.offset + e * ew + i, entryAxes(v.index, e, entries, ew), V_PLAIN);
        break;
      }
      case "srcu": {
        const ew = v.entryWidth!;
        const entries = v.width / ew;
        for (let e = 0; e < entries; e++) {
          const at = v.offset + e * ew;
          const axes = entryAxes(v.index, e, entries, ew);
          for (let t = 0; t < T; t++) add(at + t, [...axes, threadAxis(at, 1, t)], V_PLAIN);
          for (let t = 0; t < T; t++) add(at + T + t, [...axes, threadAxis(at + T, 1, t)], V_MASK);
          for (let c = 2 * T; c < ew; c++) add(at + c, axes, V_MASK);
        }
        break;
      }
      case "work": {
        const ew = v.entryWidth!;
        const entries = v.width / ew;
        for (let e = 0; e < entries; e++) {
          const at = v.offset + e * ew;
          add(at, [], V_OWNER);
          for (let t = 0; t < T; t++) add(at + 2 + t, [threadAxis(at + 2, 1, t)], V_PLAIN);
        }
        break;
      }
      default:
        break;
    }
  }
  return plan;
}

/** Reasons a model's symmetric types cannot be used, and the ones that can (indices into model.symmetry.types). */
export function decideSymmetry(model: Model): { used: number[]; report: SymmetryReport } {
  const info = model.symmetry;
  const report: SymmetryReport = { used: [], unused: [] };
  if (!info) return { used: [], report };
  const used: number[] = [];
  info.types.forEach((t, k) => {
    const no = (reason: string, at?: { file: string; line: number; col: number }) => report.unused.push({ type: t.name, reason, ...(at ? { at } : {}) });
    const breaker = info.breakers.find((b) => b.type === t.name);
    if (breaker) return no(breaker.message, breaker.at);
    const isSym = (x: ValueType | undefined): boolean => x?.kind === "int" && x.sym === t.name;
    const work = model.layout.vars.find((v) => v.kind === "work" && isSym(v.index));
    if (work) return no(`work item ${work.name} is indexed by ${t.name}: its queue positions would have to be permuted`);
    for (const pool of model.pools) {
      const f = pool.type.fields.find((x) => holdsSym(x.type, t.name));
      if (f) return no(`field ${f.name} of object ${pool.name} holds values of ${t.name} (an object that is not allocated holds its first value)`, pool.at);
    }
    used.push(k);
  });
  if (used.length === 0) return { used, report };
  for (const k of used) {
    const t = info.types[k]!;
    const arrays = model.processes.flatMap((p, pi) => {
      const it = p.instance?.type;
      if (it?.kind !== "int" || it.sym !== t.name) return [];
      const n = model.threads.filter((th) => th.process === pi).length;
      return [`${p.name}[${t.lo}..${t.lo + n - 1}]`];
    });
    let f = 1;
    for (let i = 2; i <= t.count; i++) f *= i;
    report.used.push({ type: t.name, threads: arrays, permutations: f });
  }
  return { used, report };
}

function holdsSym(t: ValueType, name: string): boolean {
  switch (t.kind) {
    case "int": return t.sym === name;
    case "map": return holdsSym(t.value, name);
    case "record": return t.fields.some((f) => holdsSym(f.type, name));
    default: return false;
  }
}

// ---------------------------------------------------------------- liveness of locals

/**
 * Per location of process `pi`, which local slots (relative to the thread's locals) some path
 * reads before it writes them. Conservative: a dynamic read reads the whole variable, only a
 * static assignment or allocation target kills.
 */
export function liveLocals(model: Model, pi: number): Uint8Array[] {
  const proc = model.processes[pi]!;
  const width = proc.localWidth;
  const th = model.threads.find((t) => t.process === pi)!;
  // the local variables' extents, relative to the thread's locals
  const extents = model.layout.vars.filter((v) => v.kind === "local" && v.thread === th.id).map((v) => [v.offset - th.localBase, v.width] as const);
  const extentOf = (rel: number): readonly [number, number] => extents.find(([o, w]) => rel >= o && rel < o + w) ?? [rel, 1];
  const steps = proc.locations.map((l) => l.steps.map((sid) => model.steps[sid]!));
  const live = proc.locations.map(() => new Uint8Array(width));
  const transfer = (ops: Op[], out: Uint8Array): Uint8Array => {
    const cur = out.slice();
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      if (op.k === "assign") for (const t of op.targets) if (t.space === "local" && t.terms.length === 0) cur[t.offset] = 0;
      if (op.k === "alloc" && op.target.space === "local" && op.target.terms.length === 0) cur[op.target.offset] = 0;
      readsOf(op, (rel, whole) => {
        if (!whole) {
          if (rel < width) cur[rel] = 1;
          return;
        }
        const [o, w] = extentOf(rel);
        for (let j = o; j < o + w && j < width; j++) cur[j] = 1;
      });
    }
    return cur;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let l = proc.locations.length - 1; l >= 0; l--) {
      if (l === proc.end) continue;
      const acc = live[l]!;
      for (const st of steps[l]!) {
        const inn = transfer(st.ops, st.to >= 0 && st.to !== proc.end ? live[st.to]! : new Uint8Array(width));
        for (let j = 0; j < width; j++) {
          if (inn[j] && !acc[j]) {
            acc[j] = 1;
            changed = true;
          }
        }
      }
    }
  }
  return live;
}

/** Calls f for every local slot op reads: (relative slot, whether the read is dynamic: the whole variable). */
function readsOf(op: Op, f: (rel: number, whole: boolean) => void): void {
  const visit = (x: unknown, isTarget: boolean): void => {
    if (x === null || typeof x !== "object") return;
    if (Array.isArray(x)) {
      for (const y of x) visit(y, isTarget);
      return;
    }
    const o = x as Record<string, unknown>;
    if (typeof o.space === "string" && typeof o.offset === "number" && Array.isArray(o.terms)) {
      // an address: its index terms are read; the slot itself unless it is an assignment's target
      const terms = o.terms as { index: unknown }[];
      for (const t of terms) visit(t.index, false);
      if (o.space === "local" && (!isTarget || terms.length > 0)) f(o.offset, terms.length > 0);
      return;
    }
    for (const [key, y] of Object.entries(o)) {
      if (key === "at" || key === "frames" || key === "label" || key === "message" || key === "what" || key === "name") continue;
      if (key === "shows") {
        for (const s of y as { local?: number; type: ValueType }[]) if (s.local !== undefined) f(s.local, true);
        continue;
      }
      visit(y, (op.k === "assign" && key === "targets") || (op.k === "alloc" && key === "target"));
    }
  };
  visit(op, false);
}
