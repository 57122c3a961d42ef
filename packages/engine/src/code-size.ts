// How large the compiled engine's code for a model would be, estimated from the
// IR without generating it, and whether that is too large to build. Generating
// and parsing the code takes memory in proportion to its size (V8 parses a
// module eagerly enough that its syntax tree and bytecode take many bytes of heap
// per byte of source), so a model of a hundred thousand statements would exhaust
// the heap and abort the process; the interpreter runs such a model in a fraction
// of that. The estimate follows codegen.ts's shape (per-thread or per-process code,
// a function per step and per location, a line or two per op and per slot an op
// writes, the lock-order bookkeeping of every lock operation), calibrated on the
// library's models and on generated ones to within about a factor of two of the
// real size (code-size.test.ts holds it to that).
import { getHeapStatistics } from "node:v8";
import type { Expr, Model, Op } from "@knot/ir";
import { chooseShape } from "./codegen.js";

/** The most generated code (bytes of TypeScript) that is built; half of that with a heap under 4 GB, and so on. */
export const MAX_CODE_BYTES = 8 * 2 ** 20;

/** The bound for this process: MAX_CODE_BYTES, or 1/512 of the V8 heap limit when that is smaller. */
export function codeSizeBound(): number {
  return Math.min(MAX_CODE_BYTES, Math.floor(getHeapStatistics().heap_size_limit / 512));
}

/** Bytes of generated code for one expression: about this much per node (a packed read is a shift and a mask). */
const EXPR_NODE = 24;

function exprBytes(root: Expr): number {
  let n = 0;
  const stack: Expr[] = [root];
  while (stack.length) {
    const e = stack.pop()!;
    n += EXPR_NODE;
    switch (e.k) {
      case "read": for (const t of e.addr.terms) stack.push(t.index); break;
      case "un": stack.push(e.a); break;
      case "bin": stack.push(e.a, e.b); break;
      case "ite": stack.push(e.c, e.a, e.b); break;
      case "table": stack.push(e.index); break;
      case "pos": case "bit": stack.push(e.a); break;
      case "member": stack.push(e.a, e.set); break;
      case "held": case "locked": for (const t of e.lock.terms) stack.push(t.index); break;
      case "deref": stack.push(e.ref); break;
      case "quant": n += 150; stack.push(e.set, e.body); break;
      default: break;
    }
  }
  return n;
}

function opBytes(model: Model, op: Op, locks: number, lockOrder: boolean): number {
  switch (op.k) {
    case "assume": case "check": return 40 + exprBytes(op.cond);
    case "assign": {
      let n = 0;
      for (const v of op.values) n += 30 + exprBytes(v);
      for (const r of op.ranges) if (r) n += 50;
      for (const t of op.targets) {
        n += 60;
        for (const x of t.terms) n += 20 + exprBytes(x.index);
      }
      return n;
    }
    case "lock": return 160 + (lockOrder ? 80 * locks : 0);
    case "unlock": case "trylock": case "rwsem_queue": return 150;
    case "refget": case "refput": return 200;
    case "alloc": {
      let n = 250;
      for (const f of op.fields) n += 80 + exprBytes(f);
      return n;
    }
    case "free": return 250 + 40 * (model.pools[op.pool]?.defaults.length ?? 0);
    case "exit": return 60 * locks;
    case "might_sleep": return 60 * locks;
    case "complete": case "try_wait_completion": return 200;
    case "srcu_read_lock": return 150;
    case "srcu_read_unlock": return 150 + 80 * (model.threads.length + (op.callbacks ?? 0));
    case "srcu_gp_start": return 150 + 80 * model.threads.length;
    case "call_rcu": return 250 + 80 * model.threads.length + exprBytes(op.cb);
    case "rcu_callback_start": return 120;
    case "rcu_callback_end": return 60 * locks;
    case "srcu_sync": return 300 + 80 * model.threads.length + 60 * locks + (lockOrder ? 80 * locks : 0);
    case "wait_completion": return 200 + 60 * locks;
    default: return 30;
  }
}

/** Estimated bytes of the compiled engine's TypeScript for `model` (per codegen.ts's shape choice). */
export function estimateCodeSize(model: Model, options: { lockOrder: boolean; words?: number }): number {
  const locks = model.layout.vars.reduce((n, v) => (v.kind === "lock" ? n + v.width / (v.entryWidth ?? 1) : n), 0);
  const perThread = chooseShape(model) === "thread";
  const words = options.words ?? Math.ceil(model.layout.width / 4);
  const copy = words > 12 ? 30 : 24 * words;
  let total = 2000;
  for (const [pi, proc] of model.processes.entries()) {
    const threads = model.threads.filter((t) => t.process === pi).length;
    if (threads === 0) continue;
    let code = 0;
    for (const loc of proc.locations) {
      if (loc.steps.length) code += 250 + loc.steps.length * (330 + 2 * copy);
      for (const sid of loc.steps) {
        code += 150;
        for (const op of model.steps[sid]!.ops) code += opBytes(model, op, locks, options.lockOrder);
      }
    }
    total += (perThread ? threads : 1) * code + threads * 250;
  }
  return total;
}
