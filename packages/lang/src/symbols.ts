// Symbols: what a name resolves to. Global symbols come from declarations of all
// merged files; local symbols from parameters, local variables, loop and pick
// variables and process instance variables; bound symbols from quantifiers and
// map comprehensions (they exist only while an expression is evaluated).
import type { Block, DeclOf, Expr, TypeNode } from "./ast.js";
import type { Span } from "./source.js";
import type { Type } from "./types.js";
import type { Value } from "./values.js";

interface SymbolBase {
  name: string;
  /** The declaring name's span. */
  span: Span;
}

export interface ConstSymbol extends SymbolBase {
  kind: "const";
  decl: DeclOf<"Const">;
  type: Type;
  value: Value;
  /** Set when the value comes from a --set override. */
  overridden?: string;
}
export interface TypeSymbol extends SymbolBase {
  kind: "type";
  decl: DeclOf<"TypeDecl">;
  type: Type;
}
export interface EnumMemberSymbol extends SymbolBase {
  kind: "member";
  type: Type & { kind: "enum" };
  index: number;
}
export interface VarSymbol extends SymbolBase {
  kind: "var";
  decl: DeclOf<"Var">;
  type: Type;
  init: Value;
  /** `var x: pool = alloc pool {...}`: the object allocated in the initial state, with its field values. */
  initObject?: { pool: ObjectSymbol; fields: Value[] };
}
/** A lock or refcount that is a field of an object pool: one entry per object, indexed by its slot (object-fields.ts). */
export interface ObjectFieldOf {
  pool: ObjectSymbol;
  field: string;
}
export interface LockSymbol extends SymbolBase {
  kind: "lock";
  decl: DeclOf<"LockDecl">;
  lockKind: "mutex" | "spinlock" | "rwsem";
  index?: Type;
  /** A lock field of an object pool (its decl is the field's, without an index). */
  field?: ObjectFieldOf;
}
export interface RefcountSymbol extends SymbolBase {
  kind: "refcount";
  decl: DeclOf<"Refcount">;
  /** A refcount field of an object pool (its decl is the field's, without an index). */
  field?: ObjectFieldOf;
  index?: Type;
  /** The range of the count. */
  type: Type & { kind: "int" };
  init: number;
}
export interface SrcuSymbol extends SymbolBase {
  kind: "srcu";
  decl: DeclOf<"Srcu">;
  index?: Type;
  /** An SRCU domain field of an object pool (struct kvm's srcu). */
  field?: ObjectFieldOf;
}
/** The lock, refcount, completion, SRCU domain and work fields of object pools (object-fields.ts). */
export type ObjectFieldEntity = LockSymbol | RefcountSymbol | CompletionSymbol | SrcuSymbol | WorkSymbol;
export interface CompletionSymbol extends SymbolBase {
  kind: "completion";
  decl: DeclOf<"Completion">;
  index?: Type;
  /** A completion field of an object pool. */
  field?: ObjectFieldOf;
}
export interface WorkqueueSymbol extends SymbolBase {
  kind: "workqueue";
  decl: DeclOf<"Workqueue">;
  /** max_active as declared (undefined: as many as the works on it). */
  maxActive?: number;
  /** The work items declared on it, in declaration order. */
  works: WorkSymbol[];
  /** Its worker threads (workqueue.ts, workerCount). */
  workers: number;
}
export interface WorkSymbol extends SymbolBase {
  kind: "work";
  decl: DeclOf<"Work">;
  /** The index type of a work array. */
  index?: Type;
  /**
   * The index variable of a work array (bound to each index value in the arguments); for a
   * work field, the object itself, the procedure's one argument (bound to each object's reference).
   */
  instance?: LocalSymbol;
  wq?: WorkqueueSymbol;
  proc?: ProcSymbol;
  /** A work field of an object pool: one work item per object (`irqfd[1]->shutdown`). */
  field?: ObjectFieldOf;
}
/**
 * One (procedure, domain) pair some call_rcu / call_srcu statement names (rcu-callback.ts):
 * its callbacks are one per domain entry and parameter value.
 */
export interface RcuCallbackGroup {
  proc: ProcSymbol;
  /** The SRCU domain; undefined for RCU. */
  domain?: SrcuSymbol;
  /** The procedure's parameter type, when it has one. */
  param?: Type;
  /** A reference parameter's pool size (0 otherwise). */
  poolBound: number;
  /** Bound to each parameter value in turn when the callback's body is lowered (like a work's index). */
  binder?: LocalSymbol;
  /** The first statement naming the pair. */
  span: Span;
}
export interface OpsSymbol extends SymbolBase {
  kind: "ops";
  decl: DeclOf<"Ops">;
  type: Type & { kind: "ops" };
}
export interface ObjectSymbol extends SymbolBase {
  kind: "object";
  decl: DeclOf<"Object">;
  /** The number of objects the pool holds (an allocation beyond it is a model error). */
  bound: number;
  fields: { name: string; type: Type }[];
  /** Its lock, refcount, completion and SRCU domain fields, in declaration order: not values, so not among `fields`. */
  syncFields: ObjectFieldEntity[];
  /** The type of references into the pool. */
  type: Type & { kind: "ref" };
  /**
   * Some `free` statement of the model takes a reference into the pool. If none does, the
   * pool's initial objects outlive the model and the leak check leaves them alone
   * (language.md, "object pools").
   */
  freedByModel: boolean;
}
export interface ProcSymbol extends SymbolBase {
  kind: "proc";
  decl: DeclOf<"Proc">;
  /** Position in CheckedModel.procs; a proc reference value is index + 1. */
  index: number;
  params: LocalSymbol[];
  ret?: Type;
  type: Type & { kind: "proc" };
  locals: LocalSymbol[];
}
export interface ProcessSymbol extends SymbolBase {
  kind: "process";
  decl: DeclOf<"Process">;
  instance?: LocalSymbol;
  /** Instance values (encoded) in order; [0] for a single-instance process. */
  instances: number[];
  locals: LocalSymbol[];
}
export interface PropertySymbol extends SymbolBase {
  kind: "invariant" | "final";
  decl: DeclOf<"Invariant"> | DeclOf<"Final">;
}
export interface LocalSymbol extends SymbolBase {
  kind: "local";
  role: "param" | "var" | "for" | "pick" | "instance";
  type: Type;
  /** Position among its owner's locals. */
  index: number;
}
export interface BoundSymbol extends SymbolBase {
  kind: "bound";
  type: Type;
}

export type GlobalSymbol =
  | ConstSymbol | TypeSymbol | EnumMemberSymbol | VarSymbol | LockSymbol | RefcountSymbol | CompletionSymbol | SrcuSymbol | WorkqueueSymbol | WorkSymbol
  | OpsSymbol | ProcSymbol | ProcessSymbol | PropertySymbol | ObjectSymbol;

export type Symbol = GlobalSymbol | LocalSymbol | BoundSymbol;

export function symbolKindName(s: Symbol): string {
  switch (s.kind) {
    case "const": return "constant";
    case "type": return "type";
    case "member": return "enumeration member";
    case "var": return "variable";
    case "lock": return s.lockKind;
    case "refcount": return "refcount";
    case "completion": return "completion";
    case "srcu": return "SRCU domain";
    case "workqueue": return "workqueue";
    case "work": return "work item";
    case "ops": return "ops table type";
    case "object": return "object pool";
    case "proc": return "procedure";
    case "process": return "process";
    case "invariant": return "invariant";
    case "final": return "final property";
    case "local": return s.role === "param" ? "parameter" : s.role === "instance" ? "instance variable" : "local variable";
    case "bound": return "bound variable";
  }
}

export type { Block, Expr, TypeNode };
