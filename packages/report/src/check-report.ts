// The report of one check run as plain data: the verdict, each violation with
// its explanation, the call chains of the threads involved and the decoded
// trace, and the search statistics. Text and JSON are renderings of this object;
// its JSON form is documented in docs/json.md.
import { type Change, type Frame, type Model, type NamedValue, type Op, type SrcLoc, type StateVar, type ViolationKind, decodeShared, describeLocation, diffStates, entryName, layoutVarAt, OBJECT_FREED, OBJECT_UNUSED, type Pool } from "@knot/ir";
import { type BlockedThread, type EngineTrace, type LockOrderWarning, type SearchResult, type SearchStats, type Violation, completersText, gracePeriodText, sectionEntry, workWaitText } from "@knot/engine";
import { DEADLOCK_KINDS, EXPLANATIONS, RECURSIVE_LOCKING_EXPLANATION } from "./explanations.js";

export const REPORT_VERSION = 1;

export interface ChainFrame {
  /** The procedure entered. */
  proc: string;
  /** Where it was called from. */
  at: SrcLoc;
  /** For calls through an ops table: the expression called through (e.g. "dev_ops[d].destroy"). */
  via?: string;
}

export interface HeldLock {
  lock: string;
  /** An SRCU/RCU read-side section the thread is inside (`lock` names the domain; `at` is where it entered). */
  section?: boolean;
  /** The statement that took it, when the trace shows it. */
  at?: SrcLoc;
  statement?: string;
}

export interface CallChain {
  thread: string;
  frames: ChainFrame[];
  /** The statement the thread is blocked at, or the one that failed. */
  statement: { text: string; at: SrcLoc };
  /** For blocked threads: what the statement waits for. */
  /** `queued`: a reader waiting behind the waiting writers `heldBy`, not held by them. */
  /** `completion`: a wait_for_completion, with the threads that could still complete it (`condition` says it in words). */
  waitsFor: {
    lock?: string; heldBy?: string[]; heldBySelf?: boolean; queued?: boolean; condition?: string; holderFinished?: boolean[];
    completion?: string; completers?: string[];
    /** A grace period of this domain, held up by the readers `heldUpBy`. */
    gracePeriod?: string; heldUpBy?: string[];
    /** flush_work / cancel_work_sync of this work item (flush_workqueue: of this workqueue), waiting for the workers `workers`. */
    work?: string; workers?: string[];
  }[];
  holds: HeldLock[];
}

/**
 * What a trace step did, for renderers that draw a trace (Mermaid sequence
 * diagrams) rather than list state changes: locks the acting thread took or
 * released, calls it entered through an ops table, refcount changes, and on the
 * last step of a deadlock trace each blocked thread's request.
 */
export type TraceEvent =
  /** The acting thread took or released a lock entry; `mode` for rwsems. */
  | { kind: "acquire" | "release"; lock: string; mode?: "read" | "write" }
  /** The acting thread entered `proc` through an ops table field (`via`), called at `at`. */
  | { kind: "call"; proc: string; via: string; at: SrcLoc }
  /** A refcount entry went up (get) or down (put). */
  | { kind: "get" | "put"; refcount: string; from: number; to: number }
  /** complete / complete_all / reinit_completion of a completion entry, or a wait_for_completion that returned. */
  | { kind: "complete" | "complete_all" | "reinit_completion" | "wait_for_completion" | "try_wait_for_completion"; completion: string }
  /** An SRCU/RCU read-side section entered or left, a grace period started (the synchronize waits) or waited for to its end. */
  | { kind: "read_lock" | "read_unlock" | "grace_period_start" | "synchronize"; domain: string; rcu: boolean }
  /**
   * Workqueues: a work queued (`queued` false: it was already pending or being cancelled), a
   * worker starting or ending it, a flush_work / cancel_work_sync / flush_workqueue that
   * registered what it waits for (`waits`) or returned.
   */
  | { kind: "queue_work" | "work_start" | "work_end" | "flush_work" | "cancel_work_sync" | "flush_workqueue"; work: string; workqueue: string; queued?: boolean; waits?: boolean }
  /**
   * call_rcu / call_srcu registered `callback` on `domain` (`registered` false: it was still
   * registered, and with double-free off nothing happened), or its thread started or ended it.
   */
  | { kind: "call_rcu" | "callback_start" | "callback_end"; callback: string; domain: string; rcu: boolean; registered?: boolean }
  /**
   * Deadlocks: after the last step, `thread` is blocked at `statement`, waiting for
   * `lock` held by `heldBy` (or, for a stuck thread, for `condition`).
   */
  | { kind: "block"; thread: string; statement: string; at: SrcLoc; lock?: string; heldBy?: string[]; queued?: boolean; condition?: string; completion?: string; gracePeriod?: string; work?: string; workers?: string[] };

export interface TraceStepReport {
  index: number;
  thread: string;
  statement: string;
  at: SrcLoc;
  /** Procedures entered at this statement, outermost first. */
  frames: string[];
  choice?: string;
  /** The choice statement the step starts from, when its statement is the chosen branch's first action (traces show it on a line of its own). */
  choiceStatement?: { text: string; at: SrcLoc };
  changes: Change[];
  /** What the step did (locks, calls through ops tables, refcounts, the final blocking requests), in order. */
  events: TraceEvent[];
  /** True on the step that raised the violation. */
  failed?: boolean;
  /** On the failing step: the statement that raised the violation, when it is not the step's own (local work after it, or the thread's end). */
  failure?: { statement: string; at: SrcLoc };
}

export interface TraceReport {
  initial: NamedValue[];
  steps: TraceStepReport[];
  /** Where every thread is at the end of the trace. */
  final: { thread: string; at: string }[];
}

/**
 * The history of the object a use-after-free, double-free or held-lock-freed is about, as KASAN
 * prints it: who freed it and who allocated it, each with the call chain of that statement
 * (`initial`: it exists in the initial state, allocated by a global's initializer).
 */
export interface ObjectHistory {
  object: string;
  freed?: { step: number; chain: CallChain };
  allocated?: { step: number; chain: CallChain } | { initial: true };
}

export interface ViolationReport {
  kind: ViolationKind;
  message: string;
  explanation: string;
  /** use-after-free, double-free, held-lock-freed: the object's free and allocation. */
  history?: ObjectHistory;
  /** The statement at fault (the blocking or failing one) or the property. */
  at?: SrcLoc;
  thread?: string;
  property?: string;
  chains: CallChain[];
  trace: TraceReport;
}

/** What a lock-order edge says in words. */
export function edgeAction(e: LockOrderEdgeReport): string {
  // reports saved before knot said it in words have no `action`
  return e.action ?? `${e.thread} takes ${e.to} while holding ${e.from}`;
}

/** One edge of a lock-order cycle: where a thread took `to` while holding `from`. */
export interface LockOrderEdgeReport {
  from: string;
  to: string;
  thread: string;
  /** The statement that took `to`, and its call frames. */
  statement: { text: string; at: SrcLoc };
  frames: ChainFrame[];
  /** Where `from` was taken, on the same trace. */
  held?: HeldLock;
  /** The edge in words: "T takes B while holding A", "T waits for an SRCU grace period of D while holding A", "T takes B inside a read-side section of D". */
  action?: string;
  trace: TraceReport;
}

export interface WarningReport {
  kind: "lock-order";
  message: string;
  explanation: string;
  /** The lock classes (or, with --lock-order instance, the locks) of the cycle. */
  locks: string[];
  /** Two locks of one class nested: `locks` is the class. */
  recursive?: boolean;
  edges: LockOrderEdgeReport[];
}

export interface CheckReport {
  knot: string;
  version: number;
  model: string;
  constants: { name: string; value: string; overridden: boolean }[];
  search: "bfs" | "dfs";
  verdict: "pass" | "violation" | "incomplete";
  violations: ViolationReport[];
  /** Lock-order cycles (warnings; under --strict they are also listed as violations). */
  warnings: WarningReport[];
  statistics: SearchStats & { limit?: string };
  /** The report of one member of a swarm (`knot check --swarm I/N`): which one, and its seed. */
  swarm?: { member: number; members: number; seed: number };
}

function viaOf(call: string, proc: string): string | undefined {
  const m = /^(?:.*:=\s*)?call\s+([^(]+)\(/.exec(call);
  if (!m) return undefined;
  const callee = m[1]!.trim();
  return callee === proc ? undefined : callee;
}

interface LockEntry {
  name: string;
  slot: number;
  kind: string;
  /** The lock or refcount (array) variable the entry belongs to. */
  v: StateVar;
}

/** "while running shutdown_work[1]" / "while running a work of wq" for an edge from a worker's pseudo-lock; else `under`. */
function pseudoUnder(from: string, under: string): string {
  const work = /^\(work_completion\)\(&(.*)\)$/.exec(from);
  if (work) return `while running ${work[1]}`;
  if (from.startsWith("(wq_completion)")) return `while running a work of ${from.slice("(wq_completion)".length)}`;
  return under;
}

/** One entry per lock (or refcount) and per index of a lock (refcount) array, named as in traces. */
function entriesOf(model: Model, kind: "lock" | "refcount" | "completion" | "srcu"): LockEntry[] {
  const out: LockEntry[] = [];
  for (const v of model.layout.vars) {
    if (v.kind !== kind) continue;
    const ew = v.entryWidth ?? 1;
    const n = v.width / ew;
    for (let i = 0; i < n; i++) {
      out.push({ name: entryName(v, i), slot: v.offset + i * ew, kind: v.lockKind ?? kind, v });
    }
  }
  return out;
}

function lockEntries(model: Model): LockEntry[] {
  return entriesOf(model, "lock");
}

function holdsLock(e: LockEntry, s: ArrayLike<number>, tid: number): boolean {
  if (s[e.slot] === tid + 1) return true;
  return e.kind === "rwsem" && ((s[e.slot + 1]! >>> tid) & 1) === 1;
}

/** The op kinds that change lock entries and refcounts, by the event they cause. */
const EVENT_OPS: Record<"acquire" | "release" | "get" | "put", Op["k"]> = { acquire: "lock", release: "unlock", get: "refget", put: "refput" };

export class ReportBuilder {
  private readonly locks: LockEntry[];
  private readonly refcounts: LockEntry[];
  private readonly completions: LockEntry[];
  private readonly domains: LockEntry[];

  constructor(private readonly model: Model, private readonly replayed?: ReadonlyMap<EngineTrace, Change[][]>) {
    this.locks = lockEntries(model);
    this.refcounts = entriesOf(model, "refcount");
    this.completions = entriesOf(model, "completion");
    this.domains = entriesOf(model, "srcu");
  }

  build(result: SearchResult, options: ReportOptions): CheckReport {
    const stats = result.stats;
    const warnings = (result.warnings ?? []).map((w) => this.warning(w));
    const violations = result.violations.map((v) => this.violation(v));
    if (options.strict) violations.push(...warnings.map(warningAsViolation));
    const verdict = violations.length > 0 ? "violation" : stats.complete ? "pass" : "incomplete";
    return {
      knot: options.version,
      version: REPORT_VERSION,
      model: this.model.file,
      constants: this.model.constants,
      search: options.search,
      verdict,
      violations,
      warnings,
      statistics: { ...stats, ...(options.limit ? { limit: options.limit } : {}) },
      ...(options.swarm ? { swarm: options.swarm } : {}),
    };
  }

  warning(w: LockOrderWarning): WarningReport {
    const m = this.model;
    return {
      kind: "lock-order",
      message: w.message,
      explanation: w.recursive ? RECURSIVE_LOCKING_EXPLANATION : EXPLANATIONS["lock-order"],
      locks: w.locks,
      ...(w.recursive ? { recursive: true } : {}),
      edges: w.edges.map((e) => {
        const step = m.steps[e.step]!;
        const lockOp = step.ops.find((op) => op.k === "lock" || op.k === "srcu_sync" || op.k === "work_wait" || op.k === "work_start");
        const fake: Violation = { kind: "lock-order", message: "", state: -1, trace: e.trace, key: "" };
        const states = [e.trace.initial, ...e.trace.steps.map((x) => x.state)];
        const held = this.holds(e.thread, fake, states[states.length - 1]!).find((h) => h.lock === e.from);
        const name = m.threads[e.thread]!.name;
        const to = this.domains.find((d) => d.name === e.to);
        const under = this.domains.some((d) => d.name === e.from) ? `inside a read-side section of ${e.from}` : `while holding ${e.from}`;
        const action = lockOp?.k === "work_start" ? `${name} starts ${e.to.replace(/^\(work_completion\)\(&(.*)\)$/, "$1")} ${e.from.startsWith("(wq_completion)") ? `on ${e.from.slice("(wq_completion)".length)}` : `while holding ${e.from}`}`
          : lockOp?.k === "work_wait" ? `${name} calls ${lockOp.call} ${lockOp.name} ${pseudoUnder(e.from, under)}`
          : e.from.startsWith("(") ? `${name} takes ${e.to} ${pseudoUnder(e.from, under)}`
          : to ? `${name} waits for ${gracePeriodText(e.to, to.v.rcu === true)} ${under}` : `${name} takes ${e.to}${e.subclass ? ` (nested ${e.subclass})` : ""} ${under}`;
        return {
          from: e.from,
          to: e.to,
          thread: m.threads[e.thread]!.name,
          statement: { text: lockOp?.label ?? step.label, at: lockOp?.at ?? step.at },
          frames: (lockOp?.frames ?? step.frames).map((f) => ({ proc: f.proc, at: f.site, via: viaOf(f.call, f.proc) })),
          held,
          action,
          trace: this.trace(fake),
        };
      }),
    };
  }

  violation(v: Violation): ViolationReport {
    const m = this.model;
    const trace = this.trace(v);
    const states = [v.trace.initial, ...v.trace.steps.map((s) => s.state)];
    // the state when the violation was raised (for a failing step: part-way through it)
    const last = states[states.length - 1]!;
    const chains: CallChain[] = [];
    let at: SrcLoc | undefined;
    if (v.blocked && DEADLOCK_KINDS.has(v.kind)) {
      for (const b of v.blocked) chains.push(this.blockedChain(b, v, last));
      at = chains[0]?.statement.at;
    } else if (v.step !== undefined && v.thread !== undefined) {
      const step = m.steps[v.step]!;
      const op = v.op !== undefined ? step.ops[v.op] : undefined;
      const frames = op?.frames ?? step.frames;
      const statement = { text: op?.label ?? step.label, at: op?.at ?? step.at };
      chains.push({
        thread: m.threads[v.thread]!.name,
        frames: frames.map((f) => ({ proc: f.proc, at: f.site, via: viaOf(f.call, f.proc) })),
        statement,
        waitsFor: [],
        holds: this.holds(v.thread, v, last),
      });
      at = statement.at;
    } else if (v.property) {
      at = m.properties.find((p) => p.name === v.property)?.at;
    }
    at ??= v.at;
    const lastStep = trace.steps[trace.steps.length - 1];
    if (lastStep && DEADLOCK_KINDS.has(v.kind)) lastStep.events.push(...blockEvents(chains));
    const history = OBJECT_KINDS.has(v.kind) ? this.objectHistory(v) : undefined;
    return {
      kind: v.kind,
      message: v.message,
      explanation: EXPLANATIONS[v.kind],
      ...(history ? { history } : {}),
      at,
      thread: v.thread !== undefined ? m.threads[v.thread]!.name : undefined,
      property: v.property,
      chains,
      trace,
    };
  }

  /**
   * The object the violation names (`kvf[0]` in its message), and the steps of the trace that
   * freed and allocated it: the step whose state change took its slot to freed (to live).
   */
  private objectHistory(v: Violation): ObjectHistory | undefined {
    const m = this.model;
    let found: { pool: Pool; index: number } | undefined;
    for (const match of v.message.matchAll(/\b([A-Za-z_]\w*)\[(\d+)\]/g)) {
      const pool = m.pools.find((p) => p.name === match[1]);
      const index = Number(match[2]);
      if (pool && index < pool.bound) {
        found = { pool, index };
        break;
      }
    }
    if (!found) return undefined;
    const { pool, index } = found;
    const slot = pool.offset + index * pool.stride;
    const states = [v.trace.initial, ...v.trace.steps.map((x) => x.state)];
    const chainOf = (i: number, op: "free" | "alloc"): { step: number; chain: CallChain } => {
      const st = v.trace.steps[i]!;
      const step = m.steps[st.step]!;
      const o = step.ops.find((x) => x.k === op);
      const frames = (o && "frames" in o && o.frames) || step.frames;
      const at = (o && "at" in o && o.at) || step.at;
      const label = (o && "label" in o && o.label) || step.label;
      return {
        step: i + 1,
        chain: { thread: m.threads[st.thread]!.name, frames: frames.map((f) => ({ proc: f.proc, at: f.site, via: viaOf(f.call, f.proc) })), statement: { text: label, at }, waitsFor: [], holds: [] },
      };
    };
    const history: ObjectHistory = { object: `${pool.name}[${index}]` };
    for (let i = v.trace.steps.length - 1; i >= 0; i--) {
      if (states[i]![slot] !== OBJECT_FREED && states[i + 1]![slot] === OBJECT_FREED) {
        history.freed = chainOf(i, "free");
        break;
      }
    }
    if (states[0]![slot] !== OBJECT_UNUSED) history.allocated = { initial: true };
    else {
      for (let i = 0; i < v.trace.steps.length; i++) {
        if (states[i]![slot] === OBJECT_UNUSED && states[i + 1]![slot] !== OBJECT_UNUSED) {
          history.allocated = chainOf(i, "alloc");
          break;
        }
      }
    }
    return history;
  }

  /** Locks held by a thread in state s, with the step of the trace that took each. */
  holds(tid: number, v: Violation, s: ArrayLike<number>): HeldLock[] {
    const out: HeldLock[] = [];
    const states = [v.trace.initial, ...v.trace.steps.map((x) => x.state)];
    for (const e of this.locks) {
      if (!holdsLock(e, s, tid)) continue;
      let taken: HeldLock = { lock: e.name };
      for (let i = v.trace.steps.length - 1; i >= 0; i--) {
        const st = v.trace.steps[i]!;
        if (st.thread !== tid) continue;
        if (!holdsLock(e, states[i]!, tid) && holdsLock(e, states[i + 1]!, tid)) {
          const step = this.model.steps[st.step]!;
          taken = { lock: e.name, at: step.at, statement: step.label };
          break;
        }
      }
      out.push(taken);
    }
    // read-side sections, entered where the thread's depth last went up from 0
    for (const d of this.domains) {
      if (!(s[d.slot + tid]! > 0)) continue;
      const entry = sectionEntry(this.model, v.trace, tid, d.slot + tid);
      out.push({ lock: d.name, section: true, ...(entry ? { at: entry.at, statement: entry.label } : {}) });
    }
    return out;
  }

  private blockedChain(b: BlockedThread, v: Violation, s: ArrayLike<number>): CallChain {
    const m = this.model;
    const t = m.threads[b.thread]!;
    const loc = m.processes[t.process]!.locations[b.location]!;
    const endOf = (tid: number) => m.processes[m.threads[tid]!.process]!.end;
    return {
      thread: t.name,
      frames: loc.frames.map((f) => ({ proc: f.proc, at: f.site, via: viaOf(f.call, f.proc) })),
      statement: { text: loc.label, at: loc.at },
      waitsFor: b.waits.map((w) =>
        w.kind === "lock"
          ? {
              lock: w.name,
              heldBy: w.owners.map((o) => m.threads[o]!.name),
              heldBySelf: w.owners.includes(b.thread) || undefined,
              ...(w.queued ? { queued: true } : {}),
              holderFinished: w.owners.map((o) => s[m.threads[o]!.pcSlot] === endOf(o)),
            }
          : w.kind === "completion"
            ? { completion: w.name, completers: w.completers.map((o) => m.threads[o]!.name), condition: `wait_for_completion ${w.name} (${completersText(w.completers.map((o) => m.threads[o]!.name))})` }
            : w.kind === "await" ? { condition: w.labelled ? w.what : `${w.what}${w.shows ? ` (${w.shows})` : ""}` }
              : w.kind === "grace-period" ? { gracePeriod: w.name, heldUpBy: w.owners.map((o) => m.threads[o]!.name), condition: `${gracePeriodText(w.name, w.rcu)}, held up by ${w.owners.map((o) => m.threads[o]!.name).join(" and ")}` }
              : w.kind === "work" ? { work: w.name, workers: w.owners.map((o) => m.threads[o]!.name), condition: workWaitText(w, m).replace(/^waits (in )?/, "") }
              : { condition: w.what },
      ),
      holds: this.holds(b.thread, v, s),
    };
  }

  trace(v: Violation): TraceReport {
    const m = this.model;
    const steps: TraceStepReport[] = [];
    let prev = v.trace.initial;
    // per thread, the call frames it was last seen in (the process body before its first step)
    const frameStacks = new Map<number, Frame[]>();
    v.trace.steps.forEach((st, i) => {
      const step = m.steps[st.step]!;
      const op = st.failed && v.op !== undefined ? step.ops[v.op] : undefined;
      const failure = op?.at && op.label && (op.at.line !== step.at.line || op.at.col !== step.at.col || op.at.file !== step.at.file)
        ? { statement: op.label, at: op.at }
        : undefined;
      steps.push({
        failure,
        index: i + 1,
        thread: m.threads[st.thread]!.name,
        statement: step.label,
        at: step.at,
        frames: step.frames.map((f) => f.proc),
        choice: step.choice,
        ...(step.choiceAt ? { choiceStatement: { text: step.choiceAt.label, at: step.choiceAt.at } } : {}),
        changes: st.failed ? [] : (this.replayed?.get(v.trace)?.[i] ?? diffStates(m, prev, st.state)),
        events: this.stepEvents(st.thread, st.step, prev, st.state, st.failed ? (v.op ?? -1) : undefined, frameStacks),
        failed: st.failed || undefined,
      });
      if (!st.failed) prev = st.state;
    });
    return {
      initial: decodeShared(m, v.trace.initial),
      steps,
      final: m.threads.map((t) => ({ thread: t.name, at: describeLocation(m, t.id, prev) })),
    };
  }

  /**
   * The events of one step of thread `tid` from state `before` to `after`, ordered
   * by the op that caused each. `failedOp` is set for a step that raised the
   * violation: it ran only up to that op (`after` is the state at that moment), so
   * its events are the calls and effects before the failure.
   */
  private stepEvents(tid: number, sid: number, before: ArrayLike<number>, after: ArrayLike<number>, failedOp: number | undefined, frameStacks: Map<number, Frame[]>): TraceEvent[] {
    const m = this.model;
    const step = m.steps[sid]!;
    const locations = m.processes[m.threads[tid]!.process]!.locations;
    const keyed: { key: number; event: TraceEvent }[] = [];
    let stack = frameStacks.get(tid) ?? [];
    const enter = (frames: readonly Frame[], key: number) => {
      const known = new Set(stack.map((f) => f.id));
      for (const f of frames) {
        if (known.has(f.id)) continue;
        const via = viaOf(f.call, f.proc);
        if (via) keyed.push({ key, event: { kind: "call", proc: f.proc, via, at: f.site } });
      }
      stack = [...frames];
    };
    const from = locations[step.from];
    if (from) enter(from.frames, -1);
    const last = failedOp === undefined ? step.ops.length - 1 : failedOp;
    step.ops.forEach((op, i) => {
      if (i <= last && op.frames) enter(op.frames, i - 0.5);
    });
    if (failedOp === undefined) {
      const to = locations[step.to];
      if (to) enter(to.frames, step.ops.length);
    }
    frameStacks.set(tid, stack);
    // lock and refcount effects, each placed at the first op of its kind on its variable
    const opIndex = (kind: "acquire" | "release" | "get" | "put", v: StateVar) => {
      const i = step.ops.findIndex((op) => {
        if (op.k !== EVENT_OPS[kind] && !(kind === "acquire" && op.k === "trylock" && op.taken)) return false;
        const addr = op.k === "lock" || op.k === "unlock" || op.k === "trylock" ? op.lock : op.k === "refget" || op.k === "refput" ? op.ref : undefined;
        return addr !== undefined && addr.space === "global" && layoutVarAt(m.layout, addr.offset) === v;
      });
      return i < 0 ? step.ops.length + 1 : i;
    };
    for (const e of this.locks) {
      const modes: ["read" | "write" | undefined, (s: ArrayLike<number>) => boolean][] = e.kind === "rwsem"
        ? [["write", (s) => s[e.slot] === tid + 1], ["read", (s) => ((s[e.slot + 1]! >>> tid) & 1) === 1]]
        : [[undefined, (s) => s[e.slot] === tid + 1]];
      for (const [mode, held] of modes) {
        const was = held(before);
        const is = held(after);
        if (was === is) continue;
        const kind = is ? "acquire" : "release";
        keyed.push({ key: opIndex(kind, e.v), event: { kind, lock: e.name, ...(mode ? { mode } : {}) } });
      }
    }
    for (const r of this.refcounts) {
      const a = before[r.slot]!;
      const b = after[r.slot]!;
      if (a === b) continue;
      const kind = b > a ? "get" : "put";
      keyed.push({ key: opIndex(kind, r.v), event: { kind, refcount: r.name, from: a, to: b } });
    }
    this.completionEvents(step.ops, last, failedOp !== undefined, before, after, keyed);
    this.srcuEvents(tid, step.ops, last, failedOp !== undefined, before, after, keyed);
    this.workEvents(step.ops, last, failedOp !== undefined, before, after, keyed);
    this.callbackEvents(tid, step.ops, last, failedOp !== undefined, before, after, keyed);
    return keyed.sort((x, y) => x.key - y.key).map((k) => k.event);
  }

  /** Workqueue events, one per workqueue op the step ran (language.md, "workqueues"). */
  private workEvents(ops: readonly Op[], last: number, failed: boolean, before: ArrayLike<number>, after: ArrayLike<number>, keyed: { key: number; event: TraceEvent }[]): void {
    const m = this.model;
    ops.forEach((op, i) => {
      if (i > last || (failed && i === last)) return;
      if (op.k !== "queue_work" && op.k !== "work_start" && op.k !== "work_end" && op.k !== "work_wait") return;
      const q = m.workqueues[op.wq]!;
      if (op.k === "work_start" || op.k === "work_end") {
        keyed.push({ key: i, event: { kind: op.k, work: q.works[op.pos]!.name, workqueue: q.name } });
        return;
      }
      // the work entry whose slots changed names a dynamic index; else the statement's text
      const changed = q.works.find((w) => {
        for (let k = 0; k < 2 + m.threads.length; k++) if (before[w.entry + k] !== after[w.entry + k]) return true;
        return false;
      });
      if (op.k === "queue_work") {
        const n = q.works.length;
        let added: string | undefined;
        for (let k = 0; k < n; k++) if (after[q.offset + k] !== 0 && before[q.offset + k] !== after[q.offset + k]) added = q.works[after[q.offset + k]! - 1]?.name;
        keyed.push({ key: i, event: { kind: "queue_work", work: added ?? op.name, workqueue: q.name, queued: added !== undefined } });
        return;
      }
      const work = op.call === "flush_workqueue" ? q.name : changed?.name ?? op.name;
      keyed.push({ key: i, event: { kind: op.call, work, workqueue: q.name, ...(op.register ? { waits: true } : {}) } });
    });
  }

  /** call_rcu / call_srcu events (language.md, "call_rcu and call_srcu"): the callback whose slot the op set, or the callback thread's own. */
  private callbackEvents(tid: number, ops: readonly Op[], last: number, failed: boolean, before: ArrayLike<number>, after: ArrayLike<number>, keyed: { key: number; event: TraceEvent }[]): void {
    const m = this.model;
    const T = m.threads.length;
    ops.forEach((op, i) => {
      if (i > last || (failed && i === last)) return;
      if (op.k === "rcu_callback_start" || op.k === "rcu_callback_end") {
        const cb = m.processes[m.threads[tid]!.process]!.callback!;
        keyed.push({ key: i, event: { kind: op.k === "rcu_callback_start" ? "callback_start" : "callback_end", callback: cb.call, domain: cb.domain, rcu: cb.rcu } });
        return;
      }
      if (op.k !== "call_rcu") return;
      const v = layoutVarAt(m.layout, op.d.offset);
      const calls = v?.callbacks ?? [];
      for (const e of this.domains) {
        if (e.v !== v) continue;
        for (let k = 0; k < calls.length; k++) {
          const x = e.slot + 2 * T + k;
          if (before[x] === 0 && after[x] !== 0) {
            keyed.push({ key: i, event: { kind: "call_rcu", callback: calls[k]!, domain: e.name, rcu: op.rcu, registered: true } });
            return;
          }
        }
      }
      keyed.push({ key: i, event: { kind: "call_rcu", callback: op.call, domain: op.name, rcu: op.rcu, registered: false } });
    });
  }

  /** SRCU/RCU events, one per op the step ran, naming the entry whose slot for this thread changed (else the op's text). */
  private srcuEvents(tid: number, ops: readonly Op[], last: number, failed: boolean, before: ArrayLike<number>, after: ArrayLike<number>, keyed: { key: number; event: TraceEvent }[]): void {
    const m = this.model;
    const T = m.threads.length;
    ops.forEach((op, i) => {
      if (i > last || (failed && i === last)) return;
      if (op.k !== "srcu_read_lock" && op.k !== "srcu_read_unlock" && op.k !== "srcu_gp_start" && op.k !== "srcu_sync") return;
      const v = layoutVarAt(m.layout, op.d.offset);
      const own = op.k === "srcu_read_lock" || op.k === "srcu_read_unlock" ? 0 : T;
      const changed = this.domains.find((e) => e.v === v && before[e.slot + own + tid] !== after[e.slot + own + tid]);
      const kind = op.k === "srcu_read_lock" ? "read_lock" : op.k === "srcu_read_unlock" ? "read_unlock" : op.k === "srcu_gp_start" ? "grace_period_start" : "synchronize";
      keyed.push({ key: i, event: { kind, domain: changed?.name ?? op.name, rcu: op.rcu } });
    });
  }

  /**
   * Completion events, one per completion op the step ran: the entry from the slot that
   * changed (a wait on a completed-for-all completion changes nothing: the op's text then).
   */
  private completionEvents(ops: readonly Op[], last: number, failed: boolean, before: ArrayLike<number>, after: ArrayLike<number>, keyed: { key: number; event: TraceEvent }[]): void {
    const m = this.model;
    ops.forEach((op, i) => {
      if (i > last || (op.k !== "complete" && op.k !== "wait_completion" && !(op.k === "try_wait_completion" && op.taken))) return;
      if (failed && i === last) return; // the op that raised the violation did not run
      const v = layoutVarAt(m.layout, op.c.offset);
      const changed = this.completions.find((e) => e.v === v && before[e.slot] !== after[e.slot]);
      const name = changed?.name ?? op.name;
      const kind = op.k === "try_wait_completion" ? "try_wait_for_completion" : op.k === "wait_completion" ? "wait_for_completion" : op.mode === "one" ? "complete" : op.mode === "all" ? "complete_all" : "reinit_completion";
      keyed.push({ key: i, event: { kind, completion: name } });
    });
  }
}

/** The violations about one object, whose reports carry its history (KASAN's "Freed by", "Allocated by"). */
const OBJECT_KINDS: ReadonlySet<ViolationKind> = new Set(["use-after-free", "double-free", "held-lock-freed"]);

/** The blocking request of every blocked thread of a deadlock, from its call chain. */
function blockEvents(chains: readonly CallChain[]): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const c of chains) {
    for (const w of c.waitsFor) {
      const base = { kind: "block" as const, thread: c.thread, statement: c.statement.text, at: c.statement.at };
      if (w.lock) out.push({ ...base, lock: w.lock, heldBy: w.heldBy ?? [], ...(w.queued ? { queued: true } : {}) });
      else if (w.completion) out.push({ ...base, completion: w.completion, condition: w.condition });
      else if (w.gracePeriod) out.push({ ...base, gracePeriod: w.gracePeriod, condition: w.condition });
      else if (w.work) out.push({ ...base, work: w.work, workers: w.workers ?? [], condition: w.condition });
      else if (w.condition) out.push({ ...base, condition: w.condition });
    }
  }
  return out;
}

export interface ReportOptions {
  search: "bfs" | "dfs";
  version: string;
  /** The limit that stopped the search, as the user wrote it (e.g. "--max-states 100"). */
  limit?: string;
  /** Lock-order warnings count as violations. */
  strict?: boolean;
  /** The search is member `member` of a swarm of `members`, with this seed. */
  swarm?: { member: number; members: number; seed: number };
  /**
   * Each trace's per-step changes as the reference semantics computed them
   * while replaying it (see counterexamples.ts); traces not in the map show
   * the engine's own state differences.
   */
  replayed?: ReadonlyMap<EngineTrace, Change[][]>;
}

/** Under --strict a lock-order cycle is a violation: located at the acquisition that closes the cycle. */
function warningAsViolation(w: WarningReport): ViolationReport {
  const last = w.edges[w.edges.length - 1]!;
  return {
    kind: "lock-order",
    message: w.message,
    explanation: w.explanation,
    at: last.statement.at,
    thread: last.thread,
    chains: w.edges.map((e) => ({
      thread: e.thread,
      frames: e.frames,
      statement: e.statement,
      waitsFor: [],
      holds: e.held ? [e.held] : [{ lock: e.from }],
    })),
    trace: last.trace,
  };
}

export function buildCheckReport(model: Model, result: SearchResult, options: ReportOptions): CheckReport {
  return new ReportBuilder(model, options.replayed).build(result, options);
}
