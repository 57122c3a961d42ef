// Decoding: a packed state back into the names and values a user wrote.
// Used for traces (per-step changes), state dumps and the state graph.
import { COMPLETION_ALL, OBJECT_LIVE, type Layout, type Location, type Model, OBJECT_FREED, OBJECT_UNUSED, type Pool, type StateVar, type ValueType, type Workqueue, idleLocation } from "./model.js";

export interface NamedValue {
  name: string;
  value: string;
}

export interface Change {
  name: string;
  before: string;
  after: string;
  /** The thread a local or program counter belongs to. */
  thread?: string;
}

function elemName(t: ValueType, v: number): string {
  switch (t.kind) {
    case "bool": return v ? "true" : "false";
    case "enum": return t.members[v] ?? `?${v}`;
    case "ref": return v ? `${t.pool}[${v - 1}]` : "null";
    default: return String(v);
  }
}

function elemCount(t: ValueType): number {
  switch (t.kind) {
    case "bool": return 2;
    case "enum": return t.members.length;
    case "int": return t.hi - t.lo + 1;
    case "ref": return t.bound ?? 0;
    default: return 0;
  }
}

function elemValue(t: ValueType, i: number): number {
  return t.kind === "int" ? t.lo + i : t.kind === "ref" ? i + 1 : i;
}

export function widthOfType(t: ValueType): number {
  switch (t.kind) {
    case "map": return elemCount(t.key) * widthOfType(t.value);
    case "record": return t.fields.reduce((n, f) => n + widthOfType(f.type), 0);
    case "ops": return t.fields.length;
    default: return 1;
  }
}

/** Format the value of type t held in slots s[offset ...]. */
export function formatSlots(model: Model, t: ValueType, s: ArrayLike<number>, offset: number): string {
  const proc = (v: number) => (v === 0 ? "none" : model.procNames[v - 1] ?? `?${v}`);
  switch (t.kind) {
    case "bool": case "enum": case "int": return elemName(t, s[offset]!);
    case "proc": return proc(s[offset]!);
    case "ref": return s[offset] ? `${t.pool}[${s[offset]! - 1}]` : "null";
    case "set": {
      const mask = s[offset]!;
      const parts: string[] = [];
      const n = elemCount(t.elem);
      for (let i = 0; i < n; i++) if ((mask >>> i) & 1) parts.push(elemName(t.elem, elemValue(t.elem, i)));
      return `{${parts.join(", ")}}`;
    }
    case "map": {
      const n = elemCount(t.key);
      const w = widthOfType(t.value);
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(`${elemName(t.key, elemValue(t.key, i))}: ${formatSlots(model, t.value, s, offset + i * w)}`);
      return `[${parts.join(", ")}]`;
    }
    case "record": {
      let off = offset;
      const parts = t.fields.map((f) => {
        const text = `${f.name}: ${formatSlots(model, f.type, s, off)}`;
        off += widthOfType(f.type);
        return text;
      });
      return `{${parts.join(", ")}}`;
    }
    case "ops": {
      const parts = t.fields.map((f, i) => (s[offset + i] ? `${f}: ${proc(s[offset + i]!)}` : "")).filter((x) => x);
      return `{${parts.join(", ")}}`;
    }
  }
}

export function formatLockSlots(model: Model, kind: string, s: ArrayLike<number>, offset: number): string {
  const name = (v: number) => model.threads[v]?.name ?? `thread ${v}`;
  if (kind === "rwsem") {
    const w = s[offset]!;
    const r = s[offset + 1]!;
    const q = s[offset + 2] ?? 0;
    const threads = (mask: number) => {
      const out: string[] = [];
      for (let t = 0; t < 32; t++) if ((mask >>> t) & 1) out.push(name(t));
      return out;
    };
    const held = w ? `write: ${name(w - 1)}` : r ? `read: ${threads(r).join(", ")}` : "free";
    const waiting = threads(q);
    return waiting.length ? `${held}; writer${waiting.length === 1 ? "" : "s"} waiting: ${waiting.join(", ")}` : held;
  }
  const v = s[offset]!;
  return v === 0 ? "free" : name(v - 1);
}

/**
 * One SRCU/RCU domain entry: "idle", or its readers (a depth above one as "×2") and each grace
 * period in progress with the readers it still waits for: "read: vcpu[0], vcpu[1] ×2; grace
 * period of host waits for vcpu[0]" ("… ends" once nobody holds it up).
 */
export function formatSrcuSlots(model: Model, s: ArrayLike<number>, offset: number, callbacks: readonly string[] = [], rcu = false): string {
  const T = model.threads.length;
  const name = (t: number) => model.threads[t]?.name ?? `thread ${t}`;
  const readers: string[] = [];
  for (let t = 0; t < T; t++) {
    const d = s[offset + t]!;
    if (d > 0) readers.push(d > 1 ? `${name(t)} ×${d}` : name(t));
  }
  const parts: string[] = readers.length ? [`read: ${readers.join(", ")}`] : [];
  for (let w = 0; w < T; w++) {
    const g = s[offset + T + w]!;
    if (g === 0) continue;
    const held: string[] = [];
    for (let t = 0; t < T; t++) if (t !== w && (g >>> t) & 1) held.push(name(t));
    parts.push(held.length ? `grace period of ${name(w)} waits for ${held.join(", ")}` : `grace period of ${name(w)} ends`);
  }
  callbacks.forEach((call, k) => {
    const g = s[offset + 2 * T + k]!;
    if (g === 0) return;
    const held: string[] = [];
    for (let t = 0; t < T; t++) if ((g >>> t) & 1) held.push(name(t));
    parts.push(`${rcu ? "call_rcu" : "call_srcu"} ${call} ${held.length ? `waits for ${held.join(", ")}` : "ready"}`);
  });
  return parts.length ? parts.join("; ") : "idle";
}

/**
 * A workqueue: its queue and what its workers run, "queue: shutdown_work[1]; kworker/wq[0]
 * runs shutdown_work[0]", or "idle" (language.md, "workqueues").
 */
export function formatWorkqueueSlots(model: Model, wq: Workqueue, s: ArrayLike<number>): string {
  const n = wq.works.length;
  const queued: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = s[wq.offset + i]!;
    if (p > 0) queued.push(wq.works[p - 1]?.name ?? `work ${p - 1}`);
  }
  const parts = queued.length ? [`queue: ${queued.join(", ")}`] : [];
  wq.workers.forEach((t, k) => {
    const p = s[wq.offset + n + k]!;
    if (p > 0) parts.push(`${model.threads[t]?.name ?? `worker ${k}`} runs ${wq.works[p - 1]?.name ?? `work ${p - 1}`}`);
  });
  return parts.length ? parts.join("; ") : "idle";
}

/**
 * A work item's cancel and flushes in progress: "cancelled by p (was pending); flush of q
 * waits for its running instance", or "idle" when there are none.
 */
export function formatWorkSlots(model: Model, s: ArrayLike<number>, entry: number): string {
  const T = model.threads.length;
  const name = (t: number) => model.threads[t]?.name ?? `thread ${t}`;
  const parts: string[] = [];
  const by = s[entry]!;
  if (by > 0) parts.push(`cancelled by ${name(by - 1)} (${s[entry + 1] ? "was pending" : "was not pending"})`);
  const waits = ["", "its pending instance", "its running instance", ""];
  for (let t = 0; t < T; t++) {
    const f = s[entry + 2 + t]!;
    if (f === 0) continue;
    parts.push(f === 3 ? `flush of ${name(t)} ends` : `flush of ${name(t)} waits for ${waits[f]}`);
  }
  return parts.length ? parts.join("; ") : "idle";
}

/** One object of a pool: "unallocated", its fields while live, or "freed". */
export function formatObject(model: Model, pool: Pool, s: ArrayLike<number>, i: number): string {
  const base = pool.offset + i * pool.stride;
  const state = s[base]!;
  if (state === OBJECT_UNUSED) return "unallocated";
  if (state === OBJECT_FREED) return "freed";
  return formatSlots(model, pool.type, s, base + 1);
}

/** Entry `i` of a lock, refcount, completion or domain array, as reports name it: `group_lock[g1]`, or for an object's field `kvm[1]->lock`. */
export function entryName(v: StateVar, i: number): string {
  if (!v.index) return v.name;
  if (v.field) return `${v.field.pool}[${i}]->${v.field.field}`;
  return `${v.name}[${elemName(v.index, elemValue(v.index, i))}]`;
}

/** Entries of a variable: one per map key / lock or refcount index, or the whole variable. */
function entries(model: Model, v: StateVar): { name: string; offset: number; format: (s: ArrayLike<number>) => string }[] {
  if (v.kind === "lock") {
    const ew = v.entryWidth ?? 1;
    const n = v.width / ew;
    return Array.from({ length: n }, (_, i) => ({
      name: entryName(v, i),
      offset: v.offset + i * ew,
      format: (s: ArrayLike<number>) => formatLockSlots(model, v.lockKind!, s, v.offset + i * ew),
    }));
  }
  if (v.kind === "object" && v.pool) {
    const pool = v.pool;
    return Array.from({ length: pool.bound }, (_, i) => ({
      name: `${pool.name}[${i}]`,
      offset: pool.offset + i * pool.stride,
      format: (s: ArrayLike<number>) => formatObject(model, pool, s, i),
    }));
  }
  if (v.kind === "srcu") {
    const ew = v.entryWidth!;
    return Array.from({ length: v.width / ew }, (_, i) => ({
      name: entryName(v, i),
      offset: v.offset + i * ew,
      format: (s: ArrayLike<number>) => formatSrcuSlots(model, s, v.offset + i * ew, v.callbacks, v.rcu === true),
    }));
  }
  if (v.kind === "workqueue") {
    const wq = model.workqueues[v.wq!]!;
    return [{ name: v.name, offset: v.offset, format: (s: ArrayLike<number>) => formatWorkqueueSlots(model, wq, s) }];
  }
  if (v.kind === "work") {
    const ew = v.entryWidth!;
    const wq = model.workqueues[v.wq!]!;
    return Array.from({ length: v.width / ew }, (_, i) => {
      const entry = v.offset + i * ew;
      return { name: wq.works.find((w) => w.entry === entry)?.name ?? v.name, offset: entry, format: (s: ArrayLike<number>) => formatWorkSlots(model, s, entry) };
    });
  }
  if (v.kind === "completion") {
    const format = (x: number | undefined) => (x === COMPLETION_ALL ? "all" : String(x));
    if (!v.index) return [{ name: v.name, offset: v.offset, format: (s: ArrayLike<number>) => format(s[v.offset]) }];
    return Array.from({ length: v.width }, (_, i) => ({
      name: entryName(v, i),
      offset: v.offset + i,
      format: (s: ArrayLike<number>) => format(s[v.offset + i]),
    }));
  }
  if (v.kind === "refcount" && v.index) {
    return Array.from({ length: v.width }, (_, i) => ({
      name: entryName(v, i),
      offset: v.offset + i,
      format: (s: ArrayLike<number>) => String(s[v.offset + i]),
    }));
  }
  const t = v.type!;
  if (t.kind === "map") {
    const n = elemCount(t.key);
    const w = widthOfType(t.value);
    return Array.from({ length: n }, (_, i) => ({
      name: `${v.name}[${elemName(t.key, elemValue(t.key, i))}]`,
      offset: v.offset + i * w,
      format: (s: ArrayLike<number>) => formatSlots(model, t.value, s, v.offset + i * w),
    }));
  }
  return [{ name: v.name, offset: v.offset, format: (s: ArrayLike<number>) => formatSlots(model, t, s, v.offset) }];
}

function location(model: Model, thread: number, s: ArrayLike<number>): Location | undefined {
  const t = model.threads[thread]!;
  return model.processes[t.process]!.locations[s[t.pcSlot]!];
}

/** Is a local variable in scope at its thread's current location? */
export function isLive(model: Model, v: StateVar, s: ArrayLike<number>): boolean {
  if (v.kind !== "local" || v.hidden) return false;
  if (!v.frameId) return true;
  const loc = location(model, v.thread!, s);
  return loc !== undefined && loc.frames.some((f) => f.id === v.frameId);
}

export function describeLocation(model: Model, thread: number, s: ArrayLike<number>): string {
  const t = model.threads[thread]!;
  const proc = model.processes[t.process]!;
  const loc = proc.locations[s[t.pcSlot]!];
  if (!loc) return `?${s[t.pcSlot]}`;
  if (loc.kind === "end") return "finished";
  if (loc.id === idleLocation(proc)) return "idle";
  return `${loc.label} (${loc.at.file}:${loc.at.line}:${loc.at.col})`;
}

/** The shared state (variables, locks, refcounts), by name. */
export function decodeShared(model: Model, s: ArrayLike<number>): NamedValue[] {
  const out: NamedValue[] = [];
  for (const v of model.layout.vars) {
    if (v.kind === "pc" || v.kind === "local") continue;
    if (v.kind === "lock" || v.kind === "object" || v.kind === "completion" || v.kind === "srcu" || v.kind === "workqueue" || v.kind === "work" || (v.kind === "refcount" && v.index)) {
      for (const e of entries(model, v)) out.push({ name: e.name, value: e.format(s) });
    } else {
      out.push({ name: v.name, value: formatSlots(model, v.type!, s, v.offset) });
    }
  }
  return out;
}

/** Every thread's position and live locals. */
export function decodeThreads(model: Model, s: ArrayLike<number>): { thread: string; at: string; locals: NamedValue[] }[] {
  return model.threads.map((t) => ({
    thread: t.name,
    at: describeLocation(model, t.id, s),
    locals: model.layout.vars
      .filter((v) => v.kind === "local" && v.thread === t.id && isLive(model, v, s))
      .map((v) => ({ name: localName(v), value: formatSlots(model, v.type!, s, v.offset) })),
  }));
}

/** A local's name without its thread prefix: "d" (process body) or "kvm_destroy_devices.d" (innermost procedure). */
export function localName(v: StateVar): string {
  const base = v.name.slice(v.name.lastIndexOf(".") + 1).replace(/#\d+$/, "");
  const frame = v.frame ?? [];
  return frame.length ? `${frame[frame.length - 1]}.${base}` : base;
}

/** What changed between two states, in user names. Locals are shown while in scope; program counters never. */
export function diffStates(model: Model, before: ArrayLike<number>, after: ArrayLike<number>): Change[] {
  const out: Change[] = [];
  for (const v of model.layout.vars) {
    if (v.kind === "pc") continue;
    let changed = false;
    for (let i = v.offset; i < v.offset + v.width; i++) if (before[i] !== after[i]) { changed = true; break; }
    if (!changed) continue;
    if (v.kind === "local") {
      if (!isLive(model, v, after)) continue;
      const was = isLive(model, v, before) ? formatSlots(model, v.type!, before, v.offset) : "-";
      out.push({ name: localName(v), before: was, after: formatSlots(model, v.type!, after, v.offset), thread: model.threads[v.thread!]!.name });
      continue;
    }
    if (v.kind === "object" && v.pool) {
      out.push(...objectChanges(model, v.pool, before, after));
      continue;
    }
    for (const e of entries(model, v)) {
      const b = e.format(before);
      const a = e.format(after);
      if (a !== b) out.push({ name: e.name, before: b, after: a });
    }
  }
  return out;
}

/** A field written in a live object is one change, `kvf[0]->users: 0 → 1`; an allocation or a free is the object's (the reference's naming does the same). */
function objectChanges(model: Model, pool: Pool, before: ArrayLike<number>, after: ArrayLike<number>): Change[] {
  const out: Change[] = [];
  for (let i = 0; i < pool.bound; i++) {
    const base = pool.offset + i * pool.stride;
    if (before[base] !== after[base]) {
      out.push({ name: `${pool.name}[${i}]`, before: formatObject(model, pool, before, i), after: formatObject(model, pool, after, i) });
      continue;
    }
    if (after[base] !== OBJECT_LIVE) continue;
    let off = base + 1;
    for (const f of pool.type.fields) {
      const b = formatSlots(model, f.type, before, off);
      const a = formatSlots(model, f.type, after, off);
      if (a !== b) out.push({ name: `${pool.name}[${i}]->${f.name}`, before: b, after: a });
      off += widthOfType(f.type);
    }
  }
  return out;
}

export function layoutVarAt(layout: Layout, slot: number): StateVar | undefined {
  return layout.vars[layout.slotOwner[slot]!];
}
