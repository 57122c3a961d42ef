// The syntax tree. Nodes carry spans; the checker fills the optional `ty`
// (type) and `sym` (resolved symbol) links in place, as the TypeScript compiler
// links nodes to symbols, so later stages read one annotated tree.
import type { Span } from "./source.js";
import type { BoundSymbol, LocalSymbol, ObjectFieldEntity, RcuCallbackGroup, Symbol } from "./symbols.js";
import type { Type } from "./types.js";

export interface Ident {
  name: string;
  span: Span;
}

// ---------------------------------------------------------------- types (syntax)

export type TypeNode =
  | { kind: "BoolType"; span: Span }
  | { kind: "RangeType"; lo: Expr; hi: Expr; span: Span }
  | { kind: "EnumType"; members: Ident[]; span: Span }
  | { kind: "RecordType"; fields: { name: Ident; type: TypeNode }[]; span: Span }
  | { kind: "SetType"; elem: TypeNode; span: Span }
  | { kind: "MapType"; key: TypeNode; value: TypeNode; span: Span }
  | { kind: "NamedType"; name: Ident; span: Span }
  | { kind: "ErrorType"; span: Span };

// ---------------------------------------------------------------- expressions

export type BinaryOp =
  | "+" | "-" | "*" | "/" | "%" | "&"
  | "and" | "or" | "=>"
  | "==" | "!=" | "<" | "<=" | ">" | ">="
  | "in" | "notin" | "..";

interface ExprBase {
  span: Span;
  /** Filled by the checker. */
  ty?: Type;
  /**
   * Filled by the checker on a closed constant integer or bool expression inside
   * run-time code: its exact value (computed with BigInt intermediates), for the
   * lowering to use instead of folding it again in floating point.
   */
  folded?: number;
}

export type Expr =
  | (ExprBase & { kind: "IntLit"; value: number })
  | (ExprBase & { kind: "BoolLit"; value: boolean })
  | (ExprBase & { kind: "NoneLit" })
  | (ExprBase & { kind: "NullLit" })
  | (ExprBase & { kind: "Name"; name: string; sym?: Symbol })
  | (ExprBase & { kind: "Unary"; op: "-" | "not"; operand: Expr })
  | (ExprBase & { kind: "Binary"; op: BinaryOp; opSpan: Span; left: Expr; right: Expr })
  | (ExprBase & { kind: "SetLit"; elems: Expr[] })
  | (ExprBase & { kind: "RecordLit"; fields: { name: Ident; value: Expr }[] })
  | (ExprBase & { kind: "MapLit"; entries: { key: Expr; value: Expr }[] })
  | (ExprBase & { kind: "MapComp"; binder: Ident; domain: Expr; body: Expr; sym?: BoundSymbol })
  | (ExprBase & { kind: "Index"; target: Expr; index: Expr })
  /** `entity`: set by the checker when the field is an object's lock or refcount (object-fields.ts). */
  | (ExprBase & { kind: "Field"; target: Expr; field: Ident; entity?: ObjectFieldEntity })
  | (ExprBase & { kind: "Builtin"; fn: Ident; args: Expr[] })
  | (ExprBase & { kind: "Cond"; cond: Expr; then: Expr; else: Expr })
  | (ExprBase & { kind: "Quant"; quant: "forall" | "exists"; binder: Ident; domain: Expr; body: Expr; sym?: BoundSymbol })
  /** `alloc pool {field: e, ...}`: only as the whole right side of `:=` or a local's initializer. */
  | (ExprBase & { kind: "Alloc"; pool: Ident; fields: { name: Ident; value: Expr }[] })
  | (ExprBase & { kind: "ErrorExpr" });

export type ExprKind = Expr["kind"];
export type ExprOf<K extends ExprKind> = Extract<Expr, { kind: K }>;

// ---------------------------------------------------------------- statements

export type SrcuOp = "srcu_read_lock" | "srcu_read_unlock" | "synchronize_srcu" | "rcu_read_lock" | "rcu_read_unlock" | "synchronize_rcu";

export type CompletionOp = "complete" | "complete_all" | "wait_for_completion" | "reinit_completion";

/** The workqueue statements (workqueue.ts). */
export type WorkOp = "queue_work" | "flush_work" | "cancel_work_sync" | "flush_workqueue";

export type LockOp = "lock" | "unlock" | "down_read" | "up_read" | "down_write" | "up_write";

export interface Block {
  stmts: Stmt[];
  span: Span;
}

export type IfCond =
  | { kind: "Expr"; expr: Expr }
  | { kind: "DecAndTest"; target: Expr; span: Span }
  /** `dec_and_lock(r, m)`: refcount_dec_and_lock / refcount_dec_and_mutex_lock / kref_put_lock / kref_put_mutex. */
  | { kind: "DecAndLock"; target: Expr; lock: Expr; span: Span };

export type Stmt =
  | { kind: "LocalVar"; name: Ident; type?: TypeNode; init?: Expr; span: Span; sym?: LocalSymbol }
  | { kind: "Assign"; target: Expr; value: Expr; span: Span }
  | { kind: "Call"; callee: Expr; args: Expr[]; result?: Expr; span: Span; calleeSpan: Span }
  /**
   * `nested N` (mutex_lock_nested, down_read_nested, ...): the lockdep subclass, filled in by the
   * checker as `subclass`; `nest_lock L` (mutex_lock_nest_lock, spin_lock_nest_lock,
   * down_write_nest_lock): the lock that serialises taking several locks of the target's class.
   */
  | { kind: "Lock"; op: LockOp; target: Expr; nested?: Expr; subclass?: number; nestLock?: Expr; span: Span }
  | { kind: "Refcount"; op: "get" | "put"; target: Expr; span: Span }
  /** `await cond` or `await cond : "label"` (the label names the wait in reports). */
  | { kind: "Await"; cond: Expr; label?: string; span: Span }
  /** An SRCU statement on the domain `target`, or an RCU one (no target) (srcu.ts). */
  | { kind: "Srcu"; op: SrcuOp; target?: Expr; span: Span }
  /** complete / complete_all / wait_for_completion / reinit_completion of a completion (completion.ts). */
  | { kind: "Completion"; op: CompletionOp; target: Expr; span: Span }
  /** queue_work / flush_work / cancel_work_sync of a work item, flush_workqueue of a workqueue (workqueue.ts). */
  | { kind: "Work"; op: WorkOp; target: Expr; span: Span }
  /**
   * `call_rcu f(x)` (no domain) or `call_srcu d f(x)`: a callback after a grace period
   * (rcu-callback.ts); `group` is set by the checker.
   */
  | { kind: "CallRcu"; domain?: Expr; callee: Ident; args: Expr[]; span: Span; group?: RcuCallbackGroup }
  | { kind: "Assert"; cond: Expr; message?: string; span: Span }
  | { kind: "If"; cond: IfCond; then: Block; else?: Block; span: Span }
  | { kind: "While"; cond: Expr; body: Block; span: Span }
  | { kind: "For"; binder: Ident; domain: Expr; body: Block; span: Span; sym?: LocalSymbol }
  /** `labels[i]`: the branch's optional label (`either "anon_inode_getfd fails" { … } or { … }`), shown in traces. */
  | { kind: "Either"; branches: Block[]; labels?: (string | undefined)[]; span: Span }
  | { kind: "Pick"; binder: Ident; domain: Expr; body: Block; span: Span; sym?: LocalSymbol }
  | { kind: "Return"; value?: Expr; span: Span }
  | { kind: "Atomic"; body: Block; span: Span }
  | { kind: "Free"; target: Expr; span: Span }
  /** `might_sleep()`: a sleeping point; sleep-in-atomic under a spinlock. */
  | { kind: "MightSleep"; span: Span }
  | { kind: "Skip"; span: Span };

/** The expressions a statement evaluates itself (not those of nested blocks), in source order. */
export function stmtExprs(s: Stmt): (Expr | undefined)[] {
  switch (s.kind) {
    case "LocalVar": return [s.init];
    case "Assign": return [s.target, s.value];
    case "Call": return [s.callee, ...s.args, s.result];
    case "Lock": return s.nested ? [s.target, s.nested] : s.nestLock ? [s.target, s.nestLock] : [s.target];
    case "Refcount": case "Completion": case "Work": return [s.target];
    case "Srcu": return [s.target];
    case "CallRcu": return [s.domain, ...s.args];
    case "Await": case "Assert": return [s.cond];
    case "If": return s.cond.kind === "Expr" ? [s.cond.expr] : s.cond.kind === "DecAndLock" ? [s.cond.target, s.cond.lock] : [s.cond.target];
    case "While": return [s.cond];
    case "For": case "Pick": return [s.domain];
    case "Return": return [s.value];
    default: return [];
  }
}

// ---------------------------------------------------------------- declarations

export interface Param {
  name: Ident;
  type: TypeNode;
  sym?: LocalSymbol;
}

export interface OpsField {
  name: Ident;
  params: Param[];
  ret?: TypeNode;
}

export type LockKind = "mutex" | "spinlock" | "rwsem";

export type Decl =
  | { kind: "Import"; path: string; pathSpan: Span; span: Span }
  | { kind: "Const"; name: Ident; type?: TypeNode; value: Expr; span: Span }
  /** `symmetric`: the span of the word in `type Vcpu = symmetric 0..3` (a scalarset, language.md "Symmetric types"). */
  | { kind: "TypeDecl"; name: Ident; type: TypeNode; symmetric?: Span; span: Span }
  | { kind: "Var"; name: Ident; type?: TypeNode; init?: Expr; span: Span }
  | { kind: "LockDecl"; lockKind: LockKind; name: Ident; index?: TypeNode; span: Span }
  | { kind: "Refcount"; name: Ident; index?: TypeNode; type?: TypeNode; init?: Expr; span: Span }
  /** `srcu d` / `srcu d[T]`: an SRCU domain, struct srcu_struct (srcu.ts). */
  | { kind: "Srcu"; name: Ident; index?: TypeNode; span: Span }
  /** `completion c` / `completion c[T]`: struct completion (completion.ts). */
  | { kind: "Completion"; name: Ident; index?: TypeNode; span: Span }
  /** `workqueue wq` / `workqueue wq { max_active: N }`: alloc_workqueue() (workqueue.ts). */
  | { kind: "Workqueue"; name: Ident; maxActive?: Expr; span: Span }
  /** `work w on wq runs f(args)` / `work w[i in T] on wq runs f(i)`: INIT_WORK(&w, f) (workqueue.ts). */
  | { kind: "Work"; name: Ident; instance?: { binder: Ident; domain: TypeNode; sym?: LocalSymbol }; wq: Ident; proc: Ident; args: Expr[]; span: Span }
  | { kind: "Ops"; name: Ident; fields: OpsField[]; span: Span }
  | { kind: "Proc"; name: Ident; params: Param[]; ret?: TypeNode; body: Block; span: Span }
  | { kind: "Process"; name: Ident; instance?: { binder: Ident; domain: TypeNode; sym?: LocalSymbol }; body: Block; span: Span }
  | { kind: "Invariant"; name: Ident; cond: Expr; span: Span }
  | { kind: "Final"; name: Ident; cond: Expr; span: Span }
  /** A bounded pool of objects: `object kvg[2] { file: Group }`; the name is also the type of references into it. */
  | { kind: "Object"; name: Ident; bound: Expr; fields: ObjectFieldNode[]; span: Span };

/**
 * A field of an object pool: a value of a type, or (object-fields.ts) a lock — `mutex`,
 * `spinlock`, `rwsem` — a refcount with an optional range and initial value, a completion,
 * an SRCU domain, or a work item `work on wq runs f` whose function gets the object.
 */
export type ObjectFieldNode =
  | { name: Ident; type: TypeNode; sync?: undefined; span: Span }
  | { name: Ident; type?: undefined; sync: { kind: "lock"; lockKind: LockKind } | { kind: "refcount"; range?: TypeNode; init?: Expr } | { kind: "completion" | "srcu" } | { kind: "work"; wq: Ident; proc: Ident }; span: Span };

export type DeclOf<K extends Decl["kind"]> = Extract<Decl, { kind: K }>;

export interface Module {
  path: string;
  decls: Decl[];
}
