// The locking family's vocabulary shared by every stage: the trylock functions
// (mutex_trylock, spin_trylock, down_read_trylock, down_write_trylock), which lock
// kind each takes and in which mode, and where a trylock may stand. A trylock
// changes the state, so it is not an ordinary expression: it may only be the whole
// condition of an if or a while (or `not` of it), or the whole right side of `:=`
// or of a local's initializer, where each stage gives it its two outcomes.
// try_wait_for_completion(c) (completion.ts) is the completion family's trylock:
// it stands where a trylock may, and `info` is undefined for it; so do the workqueue
// family's queue_work(w) and cancel_work_sync(w) (workqueue.ts), which return a bool.
import type { Expr, LockKind } from "./ast.js";
import { WORK_CONDITIONS } from "./workqueue.js";

export type TrylockFunction = "mutex_trylock" | "spin_trylock" | "down_read_trylock" | "down_write_trylock";

export interface TrylockInfo {
  lockKind: LockKind;
  mode: "exclusive" | "read" | "write";
}

export const TRYLOCK_FUNCTIONS: Readonly<Record<TrylockFunction, TrylockInfo>> = {
  mutex_trylock: { lockKind: "mutex", mode: "exclusive" },
  spin_trylock: { lockKind: "spinlock", mode: "exclusive" },
  down_read_trylock: { lockKind: "rwsem", mode: "read" },
  down_write_trylock: { lockKind: "rwsem", mode: "write" },
};

export function isTrylockFunction(name: string): name is TrylockFunction {
  return Object.prototype.hasOwnProperty.call(TRYLOCK_FUNCTIONS, name);
}

/** try_wait_for_completion(c): take one pending complete() if there is one, never waiting. */
export const TRY_WAIT_FUNCTION = "try_wait_for_completion";

/** A trylock call as a condition or a value: the call, its lock (or completion), and whether the condition is its negation. */
export interface TrylockUse {
  call: Expr & { kind: "Builtin" };
  fn: TrylockFunction | typeof TRY_WAIT_FUNCTION | "queue_work" | "cancel_work_sync";
  target: Expr;
  /** The lock kind and mode; undefined for try_wait_for_completion and the work conditions. */
  info?: TrylockInfo;
  negated: boolean;
}

/** `e` as a trylock use (`mutex_trylock(m)` or `not mutex_trylock(m)`), or undefined when it is something else. */
export function trylockUse(e: Expr | undefined, allowNot: boolean): TrylockUse | undefined {
  if (!e) return undefined;
  let negated = false;
  let x = e;
  while (allowNot && x.kind === "Unary" && x.op === "not") {
    negated = !negated;
    x = x.operand;
  }
  if (x.kind !== "Builtin" || x.args.length !== 1) return undefined;
  if (x.fn.name === TRY_WAIT_FUNCTION) return { call: x, fn: TRY_WAIT_FUNCTION, target: x.args[0]!, negated };
  if (WORK_CONDITIONS.has(x.fn.name)) return { call: x, fn: x.fn.name as "queue_work" | "cancel_work_sync", target: x.args[0]!, negated };
  if (!isTrylockFunction(x.fn.name)) return undefined;
  return { call: x, fn: x.fn.name, target: x.args[0]!, info: TRYLOCK_FUNCTIONS[x.fn.name], negated };
}
