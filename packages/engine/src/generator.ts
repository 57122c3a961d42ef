// Successor generation behind one small interface, so the search does not care
// whether steps are interpreted (closures over unpacked slot vectors, packed at
// the end) or compiled (generated code over packed words). A generator expands
// one thread of one state at a time into caller-provided buffers and reports,
// without allocating, whether a step raised a violation and what a thread that
// cannot move waits for (the search needs that to spot deadlocks cheaply; the
// details of any finding are then worked out again by the interpreter).
import type { Model } from "@knot/ir";
import { type CompiledModel, DISABLED, ENABLED, Outcome, type ThreadCtx, VIOLATED } from "./interpret.js";
import type { LockOrderGraph } from "./lock-order.js";
import { type PackedLayout, pack, unpack } from "./packing.js";

/** info[1] when the thread waits for something that is not a single mutex or spinlock. */
export const WAIT_OTHER = -1;
/** info[1] when the thread waits on an rwsem, or on different locks in different branches. */
export const WAIT_COMPLEX = -2;

export interface SuccessorGenerator {
  readonly kind: "interp" | "compiled";
  /** Called once per state, before its threads are expanded. */
  prepare(s: Int32Array): void;
  /**
   * Expand thread t (not finished) of packed state `s` (index `stateIdx`): the
   * successors of its enabled steps go to `out` (packed, one after the other) and
   * their step ids to `outStep`; returns how many. info[0] is -1, or the id of a
   * step that raised a violation (expansion of the thread stops there). When no
   * step is enabled, info[1] is the slot of the lock every blocked step waits
   * for, WAIT_OTHER or WAIT_COMPLEX. Expansion starts at the `first`-th step of
   * the thread's location (to resume after a violation); info[2] is the position
   * of the violating step.
   */
  expand(s: Int32Array, t: number, stateIdx: number, out: Int32Array, outStep: Int32Array, info: Int32Array, first: number): number;
}

export class InterpretedGenerator implements SuccessorGenerator {
  readonly kind = "interp" as const;
  private readonly u: Int32Array;
  private readonly tmp: Int32Array;
  private readonly packed: Int32Array;
  private readonly o = new Outcome();
  private readonly stepTo: Int32Array;
  private readonly threadSteps: Int32Array[][];
  private readonly pcSlot: Int32Array;

  constructor(
    model: Model,
    private readonly layout: PackedLayout,
    private readonly compiled: CompiledModel,
    private readonly ctxs: ThreadCtx[],
    private readonly lockOrder: LockOrderGraph | undefined,
  ) {
    this.u = new Int32Array(layout.slots);
    this.tmp = new Int32Array(layout.slots);
    this.packed = new Int32Array(layout.words);
    this.stepTo = Int32Array.from(model.steps.map((s) => s.to));
    this.threadSteps = model.threads.map((t) => model.processes[t.process]!.locations.map((l) => Int32Array.from(l.steps)));
    this.pcSlot = Int32Array.from(model.threads.map((t) => t.pcSlot));
  }

  prepare(s: Int32Array): void {
    unpack(this.layout, s, this.u);
  }

  expand(_s: Int32Array, t: number, stateIdx: number, out: Int32Array, outStep: Int32Array, info: Int32Array, first: number): number {
    const u = this.u;
    const tmp = this.tmp;
    const o = this.o;
    const c = this.ctxs[t]!;
    const pcSlot = this.pcSlot[t]!;
    const ids = this.threadSteps[t]![u[pcSlot]!]!;
    const steps = this.compiled.steps;
    const words = this.layout.words;
    const lockOrder = this.lockOrder;
    let k = 0;
    let wait = -3;
    let other = false;
    info[0] = -1;
    for (let i = first; i < ids.length; i++) {
      const sid = ids[i]!;
      tmp.set(u);
      o.reset();
      lockOrder?.begin();
      const r = steps[sid]!(tmp, c, o);
      if (r === ENABLED) {
        tmp[pcSlot] = this.stepTo[sid]!;
        pack(this.layout, tmp, this.packed);
        out.set(this.packed, k * words);
        outStep[k++] = sid;
        lockOrder?.commit(stateIdx, t, sid);
      } else if (r === VIOLATED) {
        info[0] = sid;
        info[2] = i;
        return k;
      } else if (r === DISABLED) {
        if (o.waitKind === 1) {
          if (o.waitLockKind === "rwsem") wait = -2;
          else if (wait === -3) wait = o.waitSlot;
          else if (wait !== o.waitSlot) wait = -2;
        } else if (o.waitKind === 5 || o.waitKind === 6) {
          wait = -2; // a grace period or a work wait: wait-for edges to readers or workers, checked in full
        } else if (o.waitKind !== 0) {
          other = true;
        }
      }
    }
    if (k === 0) info[1] = other || wait === -3 ? WAIT_OTHER : wait === -2 ? WAIT_COMPLEX : wait;
    return k;
  }
}
