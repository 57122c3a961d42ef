// States in user names. `nameState` gives exactly the names and value strings
// that knot's decodeShared prints for the engine (variables whole, one entry
// per lock, per refcount array entry and per object, an object's lock or
// refcount field as `kvm[1]->lock` (object-fields.ts); locks as `free`, the
// holder, `write: T` or `read: T1, T2`; objects as `unallocated`, `freed` or
// their fields), and each thread's resting statement as `file:line:col` or
// `finished` (a worker thread: `idle`, or at the end of its work the work
// declaration's `file:line:col`; a callback thread: `idle`, or at the end of
// its callback the procedure declaration's). Workqueues and work items are
// entries too, after the SRCU domains (workqueue.ts formats them); a domain
// entry shows its pending callbacks (rcu-callback.ts), so a change of
// RState.callbacks is a change of the domain. `changesFromPatches` turns
// a step's immer patches into the changes a trace shows: shared entries (map
// entries as `m[k]`) and the acting thread's locals while they are in scope (a
// worker's frames are all procedures: `f.x`).
import { RCU_DOMAIN, type Type } from "@knot/lang";
import type { Patch } from "immer";
import { formatCompletion } from "./completion.js";
import { callbackParts } from "./rcu-callback.js";
import { formatSrcu } from "./srcu.js";
import { formatObjectFields } from "./checks.js";
import { entryName } from "./object-fields.js";
import type { Program } from "./program.js";
import { type LockEntry, type RState, type RThread, isRwsem } from "./state.js";
import { fmt } from "./step.js";
import { type RRecord, type RValue, defaultOf, newRecord, formatValue, keyName, scalarAt, scalarCount, scalarValues, valueEquals } from "./values.js";
import { formatWork, formatWorkqueue } from "./workqueue.js";

export interface NamedState {
  shared: Record<string, string>;
  threads: Record<string, string>;
}

export interface Change {
  name: string;
  before: string;
  after: string;
  /** The thread a local belongs to. */
  thread?: string;
}

export function formatLock(e: LockEntry): string {
  if (isRwsem(e)) {
    const held = e.writer !== null ? `write: ${e.writer}` : e.readers.length ? `read: ${e.readers.join(", ")}` : "free";
    return e.waiting.length ? `${held}; writer${e.waiting.length === 1 ? "" : "s"} waiting: ${e.waiting.join(", ")}` : held;
  }
  return e === null ? "free" : e;
}

/** One shared entity: a variable, a lock entry, a refcount entry, an object. */
interface Entity {
  name: string;
  format(s: RState): string;
}

/** The shared entities in knot's layout order: variables, locks, refcounts, completions, SRCU domains, workqueues, work items, objects. */
export function sharedEntities(prog: Program): { key: string; entities: Entity[] }[] {
  const m = prog.model;
  const out: { key: string; entities: Entity[] }[] = [];
  for (const v of m.vars) out.push({ key: `globals/${v.name}`, entities: [{ name: v.name, format: (s) => formatValue(v.type, s.globals[v.name]!) }] });
  for (const l of m.locks) {
    const n = l.index ? scalarCount(l.index) : 1;
    out.push({
      key: `locks/${l.name}`,
      entities: Array.from({ length: n }, (_, i) => ({
        name: entryName(l, i),
        format: (s: RState) => formatLock(s.locks[l.name]![i]!),
      })),
    });
  }
  for (const r of m.refcounts) {
    const n = r.index ? scalarCount(r.index) : 1;
    out.push({
      key: `refcounts/${r.name}`,
      entities: Array.from({ length: n }, (_, i) => ({
        name: entryName(r, i),
        format: (s: RState) => String(s.refcounts[r.name]![i]),
      })),
    });
  }
  for (const c of m.completions) {
    const n = c.index ? scalarCount(c.index) : 1;
    out.push({
      key: `completions/${c.name}`,
      entities: Array.from({ length: n }, (_, i) => ({
        name: entryName(c, i),
        format: (s: RState) => formatCompletion(s.completions[c.name]![i]!),
      })),
    });
  }
  const names = prog.threads.map((t) => t.name);
  const domains = [...m.srcus.map((d) => ({ name: d.name, n: d.index ? scalarCount(d.index) : 1, index: d.index, field: d.field })), ...(m.usesRcu ? [{ name: RCU_DOMAIN, n: 1, index: undefined, field: undefined }] : [])];
  for (const d of domains) {
    out.push({
      key: `srcu/${d.name}`,
      entities: Array.from({ length: d.n }, (_, i) => ({
        name: entryName(d, i),
        format: (s: RState) => formatSrcu(s.srcu[d.name]![i]!, names, callbackParts(prog.callbacks, s, d.name, i)),
      })),
    });
  }
  // each workqueue, then each work item (the model's declaration order, arrays by index)
  for (const q of prog.work.queues) out.push({ key: `workqueues/${q.name}`, entities: [{ name: q.name, format: (s: RState) => formatWorkqueue(s.workqueues[q.name]!, q) }] });
  for (const w of m.works) {
    const n = w.index ? scalarCount(w.index) : 1;
    out.push({
      key: `works/${w.name}`,
      entities: Array.from({ length: n }, (_, i) => ({
        name: prog.work.item(w, i).name,
        format: (s: RState) => formatWork(s.works[w.name]![i]!, names),
      })),
    });
  }
  for (const pool of m.objects) {
    out.push({
      key: `objects/${pool.name}`,
      entities: Array.from({ length: pool.bound }, (_, i) => ({
        name: `${pool.name}[${i}]`,
        format: (s: RState) => {
          const o = s.objects[pool.name]![i]!;
          return o.status === "unallocated" ? "unallocated" : o.status === "freed" ? "freed" : formatObjectFields(pool, o.fields);
        },
      })),
    });
  }
  return out;
}

export function threadPosition(prog: Program, s: RState, index: number): string {
  const t = s.threads[index]!;
  if (t.frames.length === 0) {
    const info = prog.threads[index]!;
    if (info.callback) return s.callbacks[info.callback.domain]![info.callback.slot]!.running ? fmt(info.callback.at) : "idle";
    if (!info.worker) return "finished";
    const w = prog.work.runningOf(s, index);
    return w ? fmt(w.at) : "idle";
  }
  return fmt(prog.stmt(t.frames[t.frames.length - 1]!.at).at);
}

export function nameState(prog: Program, s: RState, entities = sharedEntities(prog)): NamedState {
  const shared: Record<string, string> = newRecord();
  for (const g of entities) for (const e of g.entities) shared[e.name] = e.format(s);
  const threads: Record<string, string> = newRecord();
  s.threads.forEach((t, i) => { threads[t.name] = threadPosition(prog, s, i); });
  return { shared, threads };
}

export function sameNamedState(a: NamedState, b: NamedState): boolean {
  const same = (x: Record<string, string>, y: Record<string, string>) => {
    const kx = Object.keys(x);
    return kx.length === Object.keys(y).length && kx.every((k) => k in y && x[k] === y[k]);
  };
  return same(a.shared, b.shared) && same(a.threads, b.threads);
}

/**
 * The locals of a thread as a trace shows them: `x` in the process body
 * (always), `proc.x` while proc's frame is live; a local out of its scope
 * holds its zero value (the type's default). A worker or callback thread
 * (`process` undefined) has no process body: every frame is a procedure's.
 */
function threadLocals(prog: Program, t: RThread, process: string | undefined): Map<string, { value: RValue; text: string }> {
  const out = new Map<string, { value: RValue; text: string }>();
  const show = (owner: string, locals: Record<string, RValue>, prefix: string) => {
    const info = prog.owner(owner);
    const instance = info.process?.instance?.name;
    for (const [name, type] of info.localTypes) {
      if (name === instance) continue;
      const value = name in locals ? locals[name]! : defaultOf(type);
      out.set(prefix + name, { value, text: formatValue(type, value) });
    }
  };
  if (process === undefined) {
    for (const f of t.frames) show(f.proc, f.locals, `${f.proc}.`);
    return out;
  }
  const bottom = t.frames[0];
  show(process, bottom ? bottom.locals : newRecord(), "");
  for (const f of t.frames.slice(1)) show(f.proc, f.locals, `${f.proc}.`);
  return out;
}

/** The changes a step made, in user names, from its immer patches. */
export function changesFromPatches(prog: Program, before: RState, after: RState, patches: readonly Patch[], actingThread: number, entities = sharedEntities(prog)): Change[] {
  const touched = new Set<string>();
  let threadTouched = false;
  for (const p of patches) {
    const [patchRoot, name] = p.path as (string | number)[];
    const root = patchRoot === "callbacks" ? "srcu" : patchRoot; // keyed by domain, shown by it
    if (root === "threads") threadTouched = true;
    else if (name === undefined) for (const g of entities) { if (g.key.startsWith(`${String(root)}/`)) touched.add(g.key); }
    else touched.add(`${String(root)}/${String(name)}`);
  }
  const out: Change[] = [];
  for (const g of entities) {
    if (!touched.has(g.key)) continue;
    if (g.key.startsWith("globals/")) {
      const name = g.key.slice("globals/".length);
      const v = prog.model.vars.find((x) => x.name === name)!;
      if (v.type.kind === "map") {
        const mt = v.type;
        for (const k of scalarValues(mt.key)) {
          const b = formatValue(mt.value, (before.globals[name] as RRecord)[keyName(k)]!);
          const a = formatValue(mt.value, (after.globals[name] as RRecord)[keyName(k)]!);
          if (a !== b) out.push({ name: `${name}[${String(k)}]`, before: b, after: a });
        }
        continue;
      }
    }
    if (g.key.startsWith("objects/")) {
      out.push(...objectChanges(prog, g.key.slice("objects/".length), before, after));
      continue;
    }
    for (const e of g.entities) {
      const b = e.format(before);
      const a = e.format(after);
      if (a !== b) out.push({ name: e.name, before: b, after: a });
    }
  }
  if (threadTouched) {
    const info = prog.threads[actingThread]!;
    const process = info.process?.name;
    const b = threadLocals(prog, before.threads[actingThread]!, process);
    const a = threadLocals(prog, after.threads[actingThread]!, process);
    // a local is shown when its value changed (entering a frame with a zero value is no change)
    for (const [name, now] of a) {
      const was = b.get(name);
      const type = localType(prog, process, name);
      const wasValue = was ? was.value : defaultOf(type);
      if (valueEquals(wasValue, now.value)) continue;
      out.push({ name, before: was ? was.text : "-", after: now.text, thread: info.name });
    }
  }
  return out;
}

function localType(prog: Program, process: string | undefined, shown: string): Type {
  const dot = shown.indexOf(".");
  const owner = dot < 0 ? process! : shown.slice(0, dot);
  return prog.owner(owner).localTypes.get(dot < 0 ? shown : shown.slice(dot + 1))!;
}

/**
 * An object's changes: a field written in a live object is one change, `kvf[0]->users: 0 → 1`,
 * as the kernel writes the field; an allocation or a free is the object's, `unallocated → {…}`,
 * `{…} → freed` (a freed object's fields are not shown as changes of their own).
 */
function objectChanges(prog: Program, poolName: string, before: RState, after: RState): Change[] {
  const pool = prog.model.objects.find((o) => o.name === poolName)!;
  const out: Change[] = [];
  for (let i = 0; i < pool.bound; i++) {
    const b = before.objects[poolName]![i]!;
    const a = after.objects[poolName]![i]!;
    const show = (o: typeof a) => (o.status === "unallocated" ? "unallocated" : o.status === "freed" ? "freed" : formatObjectFields(pool, o.fields));
    if (b.status !== a.status) {
      out.push({ name: `${poolName}[${i}]`, before: show(b), after: show(a) });
      continue;
    }
    if (a.status === "unallocated" || a.status === "freed") continue;
    for (const f of pool.fields) {
      const was = formatValue(f.type, b.fields[f.name]!);
      const now = formatValue(f.type, a.fields[f.name]!);
      if (was !== now) out.push({ name: `${poolName}[${i}]->${f.name}`, before: was, after: now });
    }
  }
  return out;
}
