// Lowering's limits, checked before (or while) lowering allocates what they bound:
// - StateBudget: the unpacked state's slots (globals, lock and refcount arrays,
//   object pools, and per thread a program counter and the locals of every
//   inlined frame) against MAX_STATE_SLOTS, summed as parts are laid out, with
//   the biggest parts named when the sum is too large (K6007). Each part is a
//   number of slots computed from types the checker already bounded, so the sums
//   are exact (no part reaches 2^53).
// - InlineDepth: blocks and inlined calls nested in one process, counted across
//   calls (the parser bounds one body; a call chain nests the bodies) (K6008).
// - StepSize: the ops of every step together, as IR nodes; the interpreter
//   compiles each step's ops on their own, so this is what the engines' memory
//   grows with when branches multiply a process's paths (K6004).
import { type Diagnostic, type Span, MAX_STATE_SLOTS, error, formatCount } from "@knot/lang";
import { IrCodes } from "./diagnostics.js";
import type { Addr, Expr, Op } from "./model.js";

/** Blocks and calls nested in a process after inlining. */
export const MAX_INLINED_DEPTH = 128;
/** IR nodes in the ops of all steps of the model. */
export const MAX_STEP_NODES = 4_000_000;

interface Part {
  what: string;
  slots: number;
  span: Span;
}

/** Bytes of one unpacked state (32-bit slots), in binary units. */
export function formatStateBytes(slots: number): string {
  const bytes = slots * 4;
  if (bytes < 2 ** 20) return `${+(bytes / 2 ** 10).toFixed(1)} KiB`;
  if (bytes < 2 ** 30) return `${+(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${+(bytes / 2 ** 30).toFixed(1)} GiB`;
}

export class StateBudget {
  private readonly parts: Part[] = [];
  private total = 0;
  private current?: { name: string; part: Part; threads: number; width: number };

  /** A global part of the state (a variable, a lock or refcount array, a pool). */
  add(what: string, slots: number, span: Span): void {
    this.parts.push({ what, slots, span });
    this.total += slots;
  }

  /** The globals are all added: the problem, if their sum is already too large. */
  checkGlobals(): Diagnostic | undefined {
    return this.total > MAX_STATE_SLOTS ? this.problem(this.total, true) : undefined;
  }

  /** Lowering a process starts: its `threads` instances each get a program counter and its locals. */
  startProcess(name: string, threads: number, span: Span): Diagnostic | undefined {
    const part = { what: "", slots: threads, span };
    this.current = { name, part, threads, width: 0 };
    this.describe();
    this.parts.push(part);
    this.total += threads;
    return this.total > MAX_STATE_SLOTS ? this.problem(this.total, true) : undefined;
  }

  /** The process's locals (every inlined frame's) have grown to `width` slots a thread. */
  locals(width: number): Diagnostic | undefined {
    const c = this.current!;
    const grown = (width - c.width) * c.threads;
    c.width = width;
    c.part.slots += grown;
    this.describe();
    this.total += grown;
    // lowering stops here, so the process's other locals are not counted: the total is a lower bound
    return this.total > MAX_STATE_SLOTS ? this.problem(this.total, false) : undefined;
  }

  private describe(): void {
    const c = this.current!;
    const each = "a program counter and the locals of every inlined call";
    c.part.what = c.threads > 1
      ? `process '${c.name}' (${c.threads} threads × ${formatCount(1 + c.width)} slots: ${each})`
      : `process '${c.name}' (${each})`;
  }

  private problem(total: number, exact: boolean): Diagnostic {
    const biggest = [...this.parts].sort((a, b) => b.slots - a.slots).slice(0, 3).filter((p) => p.slots > 0);
    const top = biggest[0]!;
    const loc = (p: Part) => {
      const { line, col } = p.span.file.position(p.span.start);
      return `${p.span.file.path}:${line}:${col}`;
    };
    const parts = top.slots > MAX_STATE_SLOTS
      ? `${top.what} alone takes ${formatCount(top.slots)}${exact ? "" : " (so far)"} (${loc(top)})`
      : `the largest parts: ${biggest.map((p) => `${p.what} ${formatCount(p.slots)} (${loc(p)})`).join(", ")}`;
    return error(
      IrCodes.StateTooLarge,
      `the state needs ${exact ? "" : "at least "}${formatCount(total)} slots (${formatStateBytes(total)} a state); the limit is ${formatCount(MAX_STATE_SLOTS)} — ${parts}`,
      top.span,
    );
  }
}

export class InlineDepth {
  private depth = 0;
  /** Enter a block or an inlined call; the problem when that nests too deeply. */
  enter(span: Span, process: string): Diagnostic | undefined {
    if (this.depth >= MAX_INLINED_DEPTH) {
      return error(IrCodes.NestedTooDeeply, `process '${process}' nests blocks and calls more than ${formatCount(MAX_INLINED_DEPTH)} levels deep once its calls are inlined; flatten the calls`, span);
    }
    this.depth++;
    return undefined;
  }
  leave(): void {
    this.depth--;
  }
}

export class StepSize {
  private total = 0;
  private readonly sizes = new WeakMap<Op, number>();

  /** Nodes counted so far. */
  get nodes(): number {
    return this.total;
  }

  /**
   * Count the ops of a step (a path between two locations, `paths` of them found so far
   * from where it starts, towards `to`); the problem once all steps together pass the limit.
   */
  add(ops: readonly Op[], process: string, paths: number, to: { label: string; at: { file: string; line: number } }): Diagnostic | undefined {
    for (const op of ops) {
      let n = this.sizes.get(op);
      if (n === undefined) this.sizes.set(op, (n = opNodes(op)));
      this.total += n;
    }
    if (this.total <= MAX_STEP_NODES) return undefined;
    const where = paths > 1 ? `; process '${process}' has ${formatCount(paths)} paths through its local branches towards ${to.label} (${to.at.file}:${to.at.line}), each a step of its own with the work of the whole path` : ` (in process '${process}')`;
    return error(IrCodes.TooLarge, `model too large: its steps hold more than ${formatCount(MAX_STEP_NODES)} operations after inlining calls, unrolling loops and expanding branches${where}; reduce the model, or split long local work with shared statements`);
  }
}

function addrNodes(a: Addr): number {
  let n = 1;
  for (const t of a.terms) n += exprNodes(t.index);
  return n;
}

/** Nodes of an expression tree, counted without recursion (trees may be deep). */
export function exprNodes(root: Expr): number {
  let n = 0;
  const stack: Expr[] = [root];
  while (stack.length) {
    const e = stack.pop()!;
    n++;
    switch (e.k) {
      case "read": for (const t of e.addr.terms) stack.push(t.index); break;
      case "un": stack.push(e.a); break;
      case "bin": stack.push(e.a, e.b); break;
      case "ite": stack.push(e.c, e.a, e.b); break;
      case "table": n += e.values.length; stack.push(e.index); break;
      case "pos": case "bit": stack.push(e.a); break;
      case "member": stack.push(e.a, e.set); break;
      case "held": case "locked": for (const t of e.lock.terms) stack.push(t.index); break;
      case "deref": stack.push(e.ref); break;
      case "quant": stack.push(e.set, e.body); break;
      default: break;
    }
  }
  return n;
}

function opNodes(op: Op): number {
  switch (op.k) {
    case "assume": case "check": return 1 + exprNodes(op.cond);
    case "assign": {
      let n = 1;
      for (const t of op.targets) n += addrNodes(t);
      for (const v of op.values) n += exprNodes(v);
      return n;
    }
    case "lock": return 1 + addrNodes(op.lock) + (op.nest ? addrNodes(op.nest) : 0);
    case "unlock": case "trylock": case "rwsem_queue": return 1 + addrNodes(op.lock);
    case "refget": case "refput": return 1 + addrNodes(op.ref);
    case "alloc": {
      let n = 1 + addrNodes(op.target);
      for (const f of op.fields) n += exprNodes(f);
      return n;
    }
    case "free": return 1 + exprNodes(op.ref);
    default: return 1;
  }
}
