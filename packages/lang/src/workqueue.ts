// The workqueue family's vocabulary shared by every stage (include/linux/workqueue.h,
// kernel/workqueue.c, Documentation/core-api/workqueue.rst): the declarations'
// contextual words, the statements, the conditions that stand where a trylock may, and
// how many worker threads a workqueue gets. `workqueue wq { max_active: N }` is a pool of
// N workers (an ordered workqueue has 1); `work w[i in T] on wq runs f(args)` is a work
// item bound to a procedure and constant arguments (INIT_WORK with container_of). The
// words are keywords only where a declaration or a statement starts, so a model may
// still name a variable `work`.
import type { Expr, WorkOp } from "./ast.js";
import { symbolKindName } from "./symbols.js";

/** Declaration words (an identifier at the start of a declaration). */
export const WORKQUEUE_DECL = "workqueue";
export const WORK_DECL = "work";

/** Statement words (an identifier at the start of a statement, followed by its operand). */
export const WORK_STATEMENTS: ReadonlySet<string> = new Set<WorkOp>(["queue_work", "flush_work", "cancel_work_sync", "flush_workqueue"]);

/** queue_work(w) and cancel_work_sync(w) return a bool: they stand where a trylock may. */
export const WORK_CONDITIONS: ReadonlySet<string> = new Set(["queue_work", "cancel_work_sync"]);

/** The most worker threads knot gives one workqueue (each is a thread of the model). */
export const MAX_WORKERS = 8;

/**
 * The worker threads of a workqueue: max_active, but never more than the works on it (with
 * more workers than works, some are never busy: the behaviours are the same).
 */
export function workerCount(maxActive: number | undefined, works: number): number {
  return Math.min(maxActive ?? works, works);
}

/**
 * A worker starting a work field whose object was freed while the work was queued: the
 * work_struct is freed memory (KASAN: use-after-free in process_one_work). `item` is the
 * work (`dev[0]->event_work`), `object` its object (`dev[0]`).
 */
export function workFreedMessage(item: string, object: string): string {
  return `${item} was still queued when ${object} was freed: the worker reads the freed work (process_one_work)`;
}

/** The thread name of worker `i` of workqueue `wq` (the kernel's kworker threads). */
export function workerThreadName(wq: string): string {
  return `kworker/${wq}`;
}

/**
 * The first thing in a work's argument that is state rather than a constant (a variable, a
 * refcount, a builtin reading locks or completions), as "variable 'x'"; undefined when the
 * argument is made of constants and the work's index only.
 */
export function stateName(e: Expr): string | undefined {
  switch (e.kind) {
    case "Name": {
      const sym = e.sym;
      if (!sym || sym.kind === "const" || sym.kind === "member" || sym.kind === "proc" || sym.kind === "local" || sym.kind === "bound") return undefined;
      return `${symbolKindName(sym)} '${e.name}'`;
    }
    case "Unary": return stateName(e.operand);
    case "Binary": return stateName(e.left) ?? stateName(e.right);
    case "SetLit": return first(e.elems);
    case "RecordLit": return first(e.fields.map((f) => f.value));
    case "MapLit": return first(e.entries.flatMap((x) => [x.key, x.value]));
    case "MapComp": return stateName(e.domain) ?? stateName(e.body);
    case "Index": return stateName(e.target) ?? stateName(e.index);
    case "Field": return stateName(e.target);
    case "Builtin": return `${e.fn.name}()`;
    case "Cond": return stateName(e.cond) ?? stateName(e.then) ?? stateName(e.else);
    case "Quant": return stateName(e.domain) ?? stateName(e.body);
    case "Alloc": return "alloc";
    default: return undefined;
  }
}

function first(es: Expr[]): string | undefined {
  for (const x of es) {
    const n = stateName(x);
    if (n) return n;
  }
  return undefined;
}
