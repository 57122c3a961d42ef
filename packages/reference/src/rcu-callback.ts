// call_rcu and call_srcu in the reference interpreter, from docs/language.md "call_rcu and
// call_srcu" (include/linux/rcupdate.h, include/linux/srcu.h, kernel/rcu/srcutree.c).
// Contract. Static part: one callback per (procedure, domain) group of the checked model,
// domain entry and parameter value, each run by a thread of its own after the workqueues'
// workers, named and ordered by the front end's helpers (lang/rcu-callback.ts). State, per
// domain (the key of RState.srcu), one entry per callback of the domain in thread order:
// whether it is registered and which readers (thread names, in thread order) still hold it
// up, and whether its thread runs it (also while it rests at the procedure's end). The
// statement registers a callback (false: it already is, the caller's double-free); a
// reader's outermost unlock takes it out of every callback of the entry; an idle callback
// thread starts its callback once nobody holds it up, and ends it in a step of its own.
// The step runner (step.ts) evaluates the operands, runs the procedure as a call and makes
// the checks (double-free, exit-holding-lock, the atomic context of callbackContext).
import {
  type CheckedModel, type Location, type ProcSymbol, RCU_DOMAIN, type RcuCallbackGroup, callbackCallText, callbackEntries, callbackThreadName, callbackValues,
  toLocation,
} from "@knot/lang";
import type { SrcuEntry } from "./srcu.js";
import { type RValue, newRecord, scalarAt, valueEquals } from "./values.js";

// ------------------------------------------------------------ static view

/** One callback: a domain entry, a procedure and an argument value. */
export interface CallbackInfo {
  group: RcuCallbackGroup;
  proc: ProcSymbol;
  /** Its thread's index and name (`rcu_callback/free_dev(dev[0])`). */
  thread: number;
  name: string;
  /** `rcu` or the SRCU domain: the key of RState.srcu and RState.callbacks. */
  domain: string;
  /** Position of the domain entry in the domain array's index type (0 for a single domain). */
  entry: number;
  /** Its position in RState.callbacks[domain]. */
  slot: number;
  /** The procedure's arguments: the value, or none for a procedure without a parameter. */
  args: RValue[];
  /** `call_rcu free_dev(dev[0])`, `call_srcu ss[1] f(0)`: the callback in messages. */
  text: string;
  /** `call_rcu free_dev(dev[0])`: the callback as its domain entry shows it (the entry names the domain). */
  shown: string;
  /** `free_dev(dev[0])`: the start and end steps' labels name it, as a worker's name the work. */
  call: string;
  /**
   * The procedure's declaration: where the start and end steps are and where the thread
   * rests at the end (a callback has no declaration of its own; a worker's steps are at its work's).
   */
  at: Location;
}

export class CallbackTable {
  /** Every callback, in thread order. */
  readonly callbacks: CallbackInfo[] = [];
  readonly byThread = new Map<number, CallbackInfo>();
  /** By domain: its callbacks in thread order (indexed by slot). */
  readonly byDomain = new Map<string, CallbackInfo[]>();
  /** By group: by entry, by position of the value in the parameter's type. */
  private readonly byGroup = new Map<RcuCallbackGroup, CallbackInfo[][]>();

  /** `firstThread`: the index of the first callback thread (after the processes and the workers). */
  constructor(model: CheckedModel, firstThread: number) {
    let t = firstThread;
    for (const g of model.rcuCallbacks) {
      const domain = g.domain ? g.domain.name : RCU_DOMAIN;
      const slots = this.byDomain.get(domain) ?? [];
      this.byDomain.set(domain, slots);
      const entries: CallbackInfo[][] = [];
      for (let entry = 0; entry < callbackEntries(g); entry++) {
        const entryText = g.domain?.index ? String(scalarAt(g.domain.index, entry)) : undefined;
        const domainText = g.domain ? `${g.domain.name}${entryText !== undefined ? `[${entryText}]` : ""}` : RCU_DOMAIN;
        const row: CallbackInfo[] = [];
        for (const v of callbackValues(g)) {
          const call = callbackCallText(g, v);
          const word = g.domain ? "call_srcu" : "call_rcu";
          const cb: CallbackInfo = {
            group: g, proc: g.proc, thread: t, name: callbackThreadName(g, entryText, v), domain, entry, slot: slots.length,
            args: g.param ? [argValue(g, v)] : [], call, text: g.domain ? `${word} ${domainText} ${call}` : `${word} ${call}`, shown: `${word} ${call}`,
            at: toLocation(g.proc.decl.span),
          };
          row.push(cb);
          slots.push(cb);
          this.callbacks.push(cb);
          this.byThread.set(t, cb);
          t++;
        }
        entries.push(row);
      }
      this.byGroup.set(g, entries);
    }
  }

  /** The callback a statement of group `g` names with this entry and argument; undefined for a value outside the parameter's type. */
  find(g: RcuCallbackGroup, entry: number, arg: RValue | undefined): CallbackInfo | undefined {
    const row = this.byGroup.get(g)![entry]!;
    return g.param ? row.find((cb) => valueEquals(cb.args[0]!, arg!)) : row[0];
  }
}

/** An encoded parameter value (lang's callbackValues) as a run-time value. */
function argValue(g: RcuCallbackGroup, v: number): RValue {
  const t = g.param!;
  switch (t.kind) {
    case "bool": return v !== 0;
    case "enum": return t.members[v]!;
    case "ref": return v === 0 ? null : `${t.pool}[${v - 1}]`;
    default: return v;
  }
}

// ------------------------------------------------------------ state

export interface CallbackEntry {
  /** Registered: the readers still holding it up (in thread order; [] once it is ready). Null: not registered. */
  waits: string[] | null;
  /** Its thread runs it (also while it rests at the procedure's end). */
  running: boolean;
}

export function initialCallbacks(table: CallbackTable): Record<string, CallbackEntry[]> {
  const out: Record<string, CallbackEntry[]> = newRecord();
  for (const [domain, slots] of table.byDomain) out[domain] = slots.map(() => ({ waits: null, running: false }));
  return out;
}

/** The part of the reference state this module reads and writes. */
export interface CallbackState {
  callbacks: Record<string, CallbackEntry[]>;
}

function entryOf(s: CallbackState, cb: CallbackInfo): CallbackEntry {
  return s.callbacks[cb.domain]![cb.slot]!;
}

/**
 * call_rcu / call_srcu, once the entry and the argument are known: the callback waits for the
 * threads inside a read-side section of the entry now (`domain`, the caller included). False,
 * and nothing changes, when it is still registered (the caller raises double-free): once
 * started it is no longer registered, so a running callback may be registered again.
 */
export function register(s: CallbackState, cb: CallbackInfo, domain: SrcuEntry, names: readonly string[]): boolean {
  const e = entryOf(s, cb);
  if (e.waits !== null) return false;
  e.waits = names.filter((_, r) => domain.depth[r]! > 0);
  return true;
}

/** A reader left its outermost section of the entry: it no longer holds up the entry's callbacks (as for grace periods). */
export function leaveSection(table: CallbackTable, s: CallbackState, domain: string, entry: number, reader: string): void {
  for (const cb of table.byDomain.get(domain) ?? []) {
    if (cb.entry !== entry) continue;
    const e = entryOf(s, cb);
    if (e.waits !== null && e.waits.includes(reader)) e.waits = e.waits.filter((r) => r !== reader);
  }
}

export type CallbackMove = { kind: "start" | "end"; cb: CallbackInfo; label: string };

/** What a callback thread with no frames can do: end the callback it rests at the end of, or (idle) start it once it is ready. */
export function callbackMove(table: CallbackTable, s: CallbackState, t: number): CallbackMove | undefined {
  const cb = table.byThread.get(t)!;
  const e = entryOf(s, cb);
  if (e.running) return { kind: "end", cb, label: `end of ${cb.call}` };
  if (e.waits !== null && e.waits.length === 0) return { kind: "start", cb, label: `start ${cb.call}` };
  return undefined;
}

/** Callback start: it is no longer registered, and its thread runs it. */
export function startCallback(s: CallbackState, cb: CallbackInfo): void {
  const e = entryOf(s, cb);
  e.waits = null;
  e.running = true;
}

/** Callback end: the thread is idle again (a registration made meanwhile stays). */
export function endCallback(s: CallbackState, cb: CallbackInfo): void {
  entryOf(s, cb).running = false;
}

/**
 * A callback thread counts as finished (final states, stuck) when it is idle and its callback
 * cannot start: the kernel's callback machinery never exits, but a ready callback will still
 * run, so a state with one is not final (as an idle worker with a pending work is not). One
 * held up by readers is finished: it starts only once they move, and they are not.
 */
export function callbackFinished(table: CallbackTable, s: CallbackState, t: number): boolean {
  const e = entryOf(s, table.byThread.get(t)!);
  return !e.running && !(e.waits !== null && e.waits.length === 0);
}

/** Why a callback's thread may not sleep: RCU callbacks run in softirq context, SRCU's with bottom halves disabled. */
export function callbackContext(cb: CallbackInfo): string {
  return cb.group.domain ? "in SRCU callback context" : "in RCU callback context";
}

/** The registered callbacks of a domain entry as the entry shows them: `call_rcu free_dev(dev[0]) waits for reader`, `… ready`. */
export function callbackParts(table: CallbackTable, s: CallbackState, domain: string, entry: number): string[] {
  const out: string[] = [];
  for (const cb of table.byDomain.get(domain) ?? []) {
    if (cb.entry !== entry) continue;
    const w = entryOf(s, cb).waits;
    if (w !== null) out.push(w.length ? `${cb.shown} waits for ${w.join(", ")}` : `${cb.shown} ready`);
  }
  return out;
}
