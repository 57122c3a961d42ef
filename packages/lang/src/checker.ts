// The checker: merged modules -> CheckedModel. Resolves every name across the
// merged files (order-independent, duplicates reported with both sites), resolves
// types, evaluates constants (applying --set overrides), and type-checks every
// expression and statement, annotating the tree in place (`ty`, `sym`). Problems
// are diagnostics; the checker never throws on user input.
import type { Block, Decl, Expr, Ident, Module, Stmt, TypeNode } from "./ast.js";
import { COMPLETION_DONE_FUNCTION } from "./completion.js";
import { objectFieldSymbolName } from "./object-fields.js";
import { WORK_CONDITIONS, workerCount } from "./workqueue.js";
import { type ExprCtx, type Mode, Scope } from "./checker-scope.js";
import { type EntityKind, type EntitySymbol, type SyncChecker, checkCallRcu, checkWork, orderCallbackGroups, completionTarget, resolveSyncIndex, resolveWorkqueue, srcuTarget, tryWait, workCondition } from "./checker-sync.js";
import { TRYLOCK_FUNCTIONS, TRY_WAIT_FUNCTION, type TrylockFunction, isTrylockFunction, trylockUse } from "./locking.js";
import { EvalError, type ConstEnv, evalExpr, fullMask } from "./const-eval.js";
import { checkExactIntegers } from "./int-range.js";
import { type Diagnostic, LangCodes, error, hasErrors } from "./diagnostics.js";
import type { LoadedModel } from "./loader.js";
import { parseExpression } from "./parser.js";
import { ErrorSpans } from "./error-index.js";
import { ResolutionDepth, SuggestionBudget, valueSlotsProblem } from "./checker-limits.js";
import { withArticle } from "./names.js";
import { SourceFile, type Span, formatLocation, spanText } from "./source.js";
import {
  type BoundSymbol, type CompletionSymbol, type SrcuSymbol, type ConstSymbol, type GlobalSymbol, type LocalSymbol, type LockSymbol, type OpsSymbol,
  type ObjectFieldEntity, type ProcSymbol, type ProcessSymbol, type PropertySymbol, type RcuCallbackGroup, type RefcountSymbol, type Symbol, type TypeSymbol,
  type VarSymbol, type EnumMemberSymbol, type ObjectSymbol, type WorkSymbol, type WorkqueueSymbol, symbolKindName,
} from "./symbols.js";
import {
  ANY_INT, BOOL, ERROR, MAX_MAP_KEYS, MAX_SET_ELEMENTS, type Type, cardinality, isFiniteScalar, isSetElement,
  isStorable, sameType, typeToString,
} from "./types.js";
import { type Value, defaultValue } from "./values.js";

export interface Override {
  name: string;
  /** The value as written on the command line or in a spec. */
  text: string;
  /** Where the override was written, when it comes from a file (a spec). */
  span?: Span;
}

export interface CheckOptions {
  overrides?: readonly Override[];
}

export interface CheckedModel {
  files: SourceFile[];
  modules: Module[];
  /** The root file (the model the user named). */
  root: SourceFile;
  globals: Map<string, GlobalSymbol>;
  consts: ConstSymbol[];
  types: TypeSymbol[];
  vars: VarSymbol[];
  locks: LockSymbol[];
  refcounts: RefcountSymbol[];
  completions: CompletionSymbol[];
  srcus: SrcuSymbol[];
  /** Workqueues and work items (workqueue.ts), in declaration order. */
  workqueues: WorkqueueSymbol[];
  works: WorkSymbol[];
  /** Some statement uses the RCU domain (rcu_read_lock, rcu_read_unlock, synchronize_rcu, call_rcu). */
  usesRcu: boolean;
  /** The (procedure, domain) pairs call_rcu / call_srcu statements name, in their threads' order (rcu-callback.ts). */
  rcuCallbacks: RcuCallbackGroup[];
  opsTypes: OpsSymbol[];
  procs: ProcSymbol[];
  processes: ProcessSymbol[];
  invariants: PropertySymbol[];
  finals: PropertySymbol[];
  objects: ObjectSymbol[];
}

export interface CheckResult {
  model?: CheckedModel;
  diagnostics: Diagnostic[];
}


interface BodyCtx {
  owner: ProcSymbol | ProcessSymbol;
  locals: LocalSymbol[];
  ret?: Type;
  isProcess: boolean;
}

const DEFAULT_REFCOUNT_MAX = 15;
/** Every stored integer fits a 32-bit state slot. */
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const BUILTINS = ["size", "held", "locked", COMPLETION_DONE_FUNCTION];

function isInt(t: Type): t is Type & { kind: "int" } {
  return t.kind === "int";
}

export function checkModel(loaded: LoadedModel, options: CheckOptions = {}): CheckResult {
  const checker = new Checker(loaded, options);
  return checker.run();
}

class Checker {
  private readonly diags: Diagnostic[] = [];
  private readonly globals = new Map<string, GlobalSymbol>();
  private readonly typeCache = new Map<TypeNode, Type>();
  private readonly resolving = new Set<object>();
  private readonly done = new Set<object>();
  private enumCount = 0;
  private readonly consts: ConstSymbol[] = [];
  private readonly types: TypeSymbol[] = [];
  private readonly vars: VarSymbol[] = [];
  private readonly locks: LockSymbol[] = [];
  private readonly refcounts: RefcountSymbol[] = [];
  private readonly completions: CompletionSymbol[] = [];
  private readonly srcus: SrcuSymbol[] = [];
  private usesRcu = false;
  private readonly rcuCallbacks: RcuCallbackGroup[] = [];
  private readonly workqueues: WorkqueueSymbol[] = [];
  private readonly works: WorkSymbol[] = [];
  private readonly opsTypes: OpsSymbol[] = [];
  private readonly procs: ProcSymbol[] = [];
  private readonly processes: ProcessSymbol[] = [];
  private readonly invariants: PropertySymbol[] = [];
  private readonly finals: PropertySymbol[] = [];
  private readonly objects: ObjectSymbol[] = [];
  private objectCount = 0;
  private readonly overrides = new Map<string, Override>();
  private readonly env: ConstEnv;
  private readonly errorSpans = new ErrorSpans(this.diags);
  private readonly suggestions = new SuggestionBudget();
  /** Trylock calls standing where a trylock may stand (see locking.ts); any other is K4020. */
  private readonly trylockSites = new Set<Expr>();
  private readonly depth = new ResolutionDepth(this.diags);

  /** The services the family rules of checker-sync.ts use. */
  private readonly sync: SyncChecker;

  constructor(private readonly loaded: LoadedModel, private readonly options: CheckOptions) {
    this.env = { constValue: (s) => this.constValue(s), bound: new Map() };
    this.sync = {
      diags: this.diags, globals: this.globals, trylockSites: this.trylockSites,
      resolveType: (n) => this.resolveType(n), checkIndexType: (t, span, what) => this.checkIndexType(t, span, what),
      constInt: (e, what) => this.constInt(e, what), entity: (e, scope, want) => this.entity(e, scope, want),
      expr: (e, scope, ctx, expected) => this.expr(e, scope, ctx, expected), expectType: (a, b, span) => this.expectType(a, b, span),
      unknownName: (name, span, what) => this.unknownName(name, span, what),
    };
  }

  run(): CheckResult {
    for (const o of this.options.overrides ?? []) this.overrides.set(o.name, o);
    for (const m of this.loaded.modules) for (const d of m.decls) this.declare(d);
    for (const m of this.loaded.modules) for (const d of m.decls) this.declareEnumsIn(d);
    this.checkOverrideNames();
    for (const m of this.loaded.modules) for (const d of m.decls) this.resolveDecl(d);
    for (const w of this.works) checkWork(this.sync, w, new Scope());
    // a work array is one work item per index value
    for (const q of this.workqueues) q.workers = workerCount(q.maxActive, q.works.reduce((n, w) => n + (w.index ? cardinality(w.index) : 1), 0));
    for (const p of this.procs) this.checkBody(p);
    for (const p of this.processes) this.checkBody(p);
    for (const p of [...this.invariants, ...this.finals]) {
      const t = this.expr(p.decl.cond, new Scope(), { mode: "global", what: `the ${p.kind} '${p.name}'` }, BOOL);
      this.expectType(t, BOOL, p.decl.cond.span);
    }
    if (!hasErrors(this.diags)) {
      checkExactIntegers({
        bodies: [...this.procs.map((p) => p.decl.body), ...this.processes.map((p) => p.decl.body)],
        conditions: [...this.invariants, ...this.finals].map((p) => p.decl.cond),
      }, this.env, this.diags);
    }
    if (this.processes.length === 0 && this.loaded.files.length > 0) {
      const root = this.loaded.files[this.loaded.files.length - 1]!;
      this.diags.push(error(LangCodes.MissingProcess, "the model declares no process: add at least one 'process name { ... }'", { file: root, start: 0, end: 0 }));
    }
    const root = this.loaded.files[this.loaded.files.length - 1]!;
    return {
      diagnostics: this.diags,
      model: {
        files: this.loaded.files,
        modules: this.loaded.modules,
        root,
        globals: this.globals,
        consts: this.consts,
        types: this.types,
        vars: this.vars,
        locks: this.locks,
        refcounts: this.refcounts,
        completions: this.completions,
        srcus: this.srcus,
        workqueues: this.workqueues,
        works: this.works,
        usesRcu: this.usesRcu,
        rcuCallbacks: orderCallbackGroups(this.rcuCallbacks, this.srcus),
        opsTypes: this.opsTypes,
        procs: this.procs,
        processes: this.processes,
        invariants: this.invariants,
        finals: this.finals,
        objects: this.objects,
      },
    };
  }

  // ------------------------------------------------------------ declaring

  private addGlobal(sym: GlobalSymbol): boolean {
    const prev = this.globals.get(sym.name);
    if (prev) {
      this.diags.push(error(LangCodes.DuplicateName, `'${sym.name}' is declared twice: as ${withArticle(symbolKindName(prev))} and as ${withArticle(symbolKindName(sym))}`, sym.span, [
        { message: `'${sym.name}' is first declared here (${formatLocation(prev.span)})`, span: prev.span },
      ]));
      return false;
    }
    this.globals.set(sym.name, sym);
    return true;
  }

  private declare(d: Decl): void {
    const base = (name: Ident) => ({ name: name.name, span: name.span });
    switch (d.kind) {
      case "Import": return;
      case "Const": {
        const s: ConstSymbol = { kind: "const", ...base(d.name), decl: d, type: ERROR, value: 0 };
        if (this.addGlobal(s)) this.consts.push(s);
        return;
      }
      case "TypeDecl": {
        const s: TypeSymbol = { kind: "type", ...base(d.name), decl: d, type: ERROR };
        if (this.addGlobal(s)) this.types.push(s);
        return;
      }
      case "Var": {
        const s: VarSymbol = { kind: "var", ...base(d.name), decl: d, type: ERROR, init: 0 };
        if (this.addGlobal(s)) this.vars.push(s);
        return;
      }
      case "LockDecl": {
        const s: LockSymbol = { kind: "lock", ...base(d.name), decl: d, lockKind: d.lockKind };
        if (this.addGlobal(s)) this.locks.push(s);
        return;
      }
      case "Refcount": {
        const s: RefcountSymbol = { kind: "refcount", ...base(d.name), decl: d, type: { kind: "int", lo: 0, hi: DEFAULT_REFCOUNT_MAX }, init: 0 };
        if (this.addGlobal(s)) this.refcounts.push(s);
        return;
      }
      case "Srcu": {
        const s: SrcuSymbol = { kind: "srcu", ...base(d.name), decl: d };
        if (this.addGlobal(s)) this.srcus.push(s);
        return;
      }
      case "Completion": {
        const s: CompletionSymbol = { kind: "completion", ...base(d.name), decl: d };
        if (this.addGlobal(s)) this.completions.push(s);
        return;
      }
      case "Workqueue": {
        const s: WorkqueueSymbol = { kind: "workqueue", ...base(d.name), decl: d, works: [], workers: 0 };
        if (this.addGlobal(s)) this.workqueues.push(s);
        return;
      }
      case "Work": {
        const s: WorkSymbol = { kind: "work", ...base(d.name), decl: d };
        if (this.addGlobal(s)) this.works.push(s);
        return;
      }
      case "Ops": {
        const s: OpsSymbol = { kind: "ops", ...base(d.name), decl: d, type: { kind: "ops", name: d.name.name, fields: [] } };
        if (this.addGlobal(s)) this.opsTypes.push(s);
        return;
      }
      case "Proc": {
        const s: ProcSymbol = {
          kind: "proc", ...base(d.name), decl: d, index: this.procs.length, params: [], locals: [],
          type: { kind: "proc", params: [] },
        };
        if (this.addGlobal(s)) this.procs.push(s);
        return;
      }
      case "Process": {
        const s: ProcessSymbol = { kind: "process", ...base(d.name), decl: d, instances: [0], locals: [] };
        if (this.addGlobal(s)) this.processes.push(s);
        return;
      }
      case "Invariant":
      case "Final": {
        const s: PropertySymbol = { kind: d.kind === "Final" ? "final" : "invariant", ...base(d.name), decl: d };
        if (this.addGlobal(s)) (d.kind === "Final" ? this.finals : this.invariants).push(s);
        return;
      }
      case "Object": {
        const s: ObjectSymbol = {
          kind: "object", ...base(d.name), decl: d, bound: 1, fields: [], syncFields: [], freedByModel: false,
          type: { kind: "ref", pool: d.name.name, id: this.objectCount++ },
        };
        if (!this.addGlobal(s)) return;
        this.objects.push(s);
        // its locks and refcounts: an array each, one entry per object (object-fields.ts)
        for (const f of d.fields) {
          if (!f.sync) continue;
          const field = { pool: s, field: f.name.name };
          const name = objectFieldSymbolName(s.name, f.name.name);
          if (f.sync.kind === "completion") {
            const c: CompletionSymbol = { kind: "completion", name, span: f.name.span, decl: { kind: "Completion", name: f.name, span: f.span }, field };
            s.syncFields.push(c);
            this.completions.push(c);
          } else if (f.sync.kind === "srcu") {
            const d: SrcuSymbol = { kind: "srcu", name, span: f.name.span, decl: { kind: "Srcu", name: f.name, span: f.span }, field };
            s.syncFields.push(d);
            this.srcus.push(d);
          } else if (f.sync.kind === "lock") {
            const l: LockSymbol = { kind: "lock", name, span: f.name.span, decl: { kind: "LockDecl", lockKind: f.sync.lockKind, name: f.name, span: f.span }, lockKind: f.sync.lockKind, field };
            s.syncFields.push(l);
            this.locks.push(l);
          } else if (f.sync.kind === "work") {
            const w: WorkSymbol = { kind: "work", name, span: f.name.span, decl: { kind: "Work", name: f.name, wq: f.sync.wq, proc: f.sync.proc, args: [], span: f.span }, field };
            s.syncFields.push(w);
            this.works.push(w);
          } else if (f.sync.kind === "refcount") {
            const r: RefcountSymbol = {
              kind: "refcount", name, span: f.name.span, decl: { kind: "Refcount", name: f.name, type: f.sync.range, init: f.sync.init, span: f.span },
              type: { kind: "int", lo: 0, hi: DEFAULT_REFCOUNT_MAX }, init: 0, field,
            };
            s.syncFields.push(r);
            this.refcounts.push(r);
          }
        }
        return;
      }
    }
  }

  /** Enumeration members are global names, wherever their enum type is written. */
  private declareEnumsIn(d: Decl): void {
    const visitType = (t: TypeNode | undefined, name?: string): void => {
      if (!t) return;
      switch (t.kind) {
        case "EnumType": {
          const type: Type & { kind: "enum" } = {
            kind: "enum", name: name ?? `{${t.members.map((m) => m.name).join(", ")}}`,
            members: t.members.map((m) => m.name), id: this.enumCount++,
          };
          this.typeCache.set(t, type);
          t.members.forEach((m, index) => {
            const sym: EnumMemberSymbol = { kind: "member", name: m.name, span: m.span, type, index };
            this.addGlobal(sym);
          });
          return;
        }
        case "SetType": return visitType(t.elem);
        case "MapType": visitType(t.key); return visitType(t.value);
        case "RecordType": for (const f of t.fields) visitType(f.type); return;
        default: return;
      }
    };
    const visitBlock = (b: Block): void => {
      for (const s of b.stmts) visitStmt(s);
    };
    const visitStmt = (s: Stmt): void => {
      switch (s.kind) {
        case "LocalVar": return visitType(s.type);
        case "If": visitBlock(s.then); if (s.else) visitBlock(s.else); return;
        case "While": case "For": case "Pick": case "Atomic": return visitBlock(s.body);
        case "Either": for (const b of s.branches) visitBlock(b); return;
        default: return;
      }
    };
    switch (d.kind) {
      case "Const": case "Var": return visitType(d.type);
      case "TypeDecl": return visitType(d.type, d.name.name);
      case "LockDecl": case "Completion": case "Srcu": return visitType(d.index);
      case "Refcount": visitType(d.index); return visitType(d.type);
      case "Ops": for (const f of d.fields) { for (const p of f.params) visitType(p.type); visitType(f.ret); } return;
      case "Proc": for (const p of d.params) visitType(p.type); visitType(d.ret); return visitBlock(d.body);
      case "Process": visitType(d.instance?.domain); return visitBlock(d.body);
      case "Work": return visitType(d.instance?.domain);
      case "Object": for (const f of d.fields) visitType(f.type); return;
      default: return;
    }
  }

  private checkOverrideNames(): void {
    for (const o of this.overrides.values()) {
      const sym = this.globals.get(o.name);
      if (!sym || sym.kind !== "const") {
        const names = this.consts.map((c) => c.name).join(", ");
        const what = sym ? `'${o.name}' is ${withArticle(symbolKindName(sym))}, not a constant` : `unknown constant '${o.name}'`;
        this.diags.push(error(LangCodes.UnknownSetting, `${what} in --set ${o.name}=${o.text}${names ? ` (the model's constants are: ${names})` : " (the model declares no constants)"}`, o.span));
      }
    }
  }

  // ------------------------------------------------------------ resolving declarations

  private resolveDecl(d: Decl): void {
    if (d.kind === "Import") return;
    const sym = this.globals.get(d.name.name);
    if (!sym || sym.span !== d.name.span) return; // a duplicate, already reported
    switch (sym.kind) {
      case "const": this.constValue(sym); return;
      case "type": this.namedType(sym); return;
      case "var": this.resolveVar(sym); return;
      case "lock": this.resolveLock(sym); return;
      case "refcount": this.resolveRefcount(sym); return;
      case "completion": case "srcu": resolveSyncIndex(this.sync, sym); return;
      case "workqueue": resolveWorkqueue(this.sync, sym); return;
      case "ops": this.resolveOps(sym); return;
      case "proc": this.resolveProc(sym); return;
      case "process": this.resolveProcess(sym); return;
      case "object": this.resolveObject(sym); return;
      default: return;
    }
  }

  /** The pool's bound, evaluated once (before its fields, which may hold sets of its own objects). */
  private resolvePoolBound(sym: ObjectSymbol): void {
    this.once(sym.decl.bound, sym.span, `the bound of object pool '${sym.name}'`, () => {
      const d = sym.decl;
      const bound = this.constInt(d.bound, "an object pool's bound");
      if (bound !== undefined) {
        if (bound < 1 || bound > 64) this.diags.push(error(LangCodes.BadType, `an object pool holds 1 to 64 objects, not ${bound}`, d.bound.span));
        else sym.bound = bound;
      }
    }, () => undefined);
  }

  /** A reference type as the element type of a set: the pool's objects, `bound` of them. */
  private refElement(t: Type & { kind: "ref" }): Type {
    const sym = this.objects.find((o) => o.type.id === t.id);
    if (!sym) return t;
    this.resolvePoolBound(sym);
    return { ...t, bound: sym.bound };
  }

  private resolveObject(sym: ObjectSymbol): void {
    this.once(sym, sym.span, `object pool '${sym.name}'`, () => {
      const d = sym.decl;
      this.resolvePoolBound(sym);
      const seen = new Set<string>();
      for (const f of d.fields) {
        if (seen.has(f.name.name)) this.diags.push(error(LangCodes.DuplicateName, `field '${f.name.name}' appears twice in object '${sym.name}'`, f.name.span));
        seen.add(f.name.name);
      }
      // a lock or refcount field has one entry per object of the pool
      const slots: Type = { kind: "int", lo: 0, hi: sym.bound - 1 };
      for (const e of sym.syncFields) {
        e.index = slots;
        if (e.kind === "refcount") this.resolveRefcount(e);
      }
      sym.fields = d.fields.flatMap((f) => {
        if (!f.type) return [];
        const type = this.resolveType(f.type);
        if (type.kind !== "error" && !isStorable(type)) {
          this.diags.push(error(LangCodes.UnboundedType, `field '${f.name.name}' has type ${typeToString(type)}, which cannot be stored in the state${type.kind === "int" ? ": give it a range" : ""}`, f.type.span));
        }
        return [{ name: f.name.name, type }];
      });
    }, () => undefined);
  }

  private objectOf(t: Type & { kind: "ref" }): ObjectSymbol | undefined {
    const sym = this.objects.find((o) => o.type.id === t.id);
    if (sym) this.resolveObject(sym);
    return sym;
  }

  /** Runs `f` once per object, reporting a cycle if `f` is re-entered for the same object. */
  private once<T>(key: object, span: Span, what: string, f: () => T, onCycle: () => T): T | undefined {
    if (this.done.has(key)) return undefined;
    if (this.resolving.has(key)) {
      this.diags.push(error(LangCodes.RecursiveDefinition, `${what} is defined in terms of itself`, span));
      return onCycle();
    }
    this.resolving.add(key);
    try {
      return f();
    } finally {
      this.resolving.delete(key);
      this.done.add(key);
    }
  }

  private namedType(sym: TypeSymbol): Type {
    this.once(sym, sym.span, `type '${sym.name}'`, () => {
      const t = this.resolveType(sym.decl.type);
      sym.type = t;
      if (sym.decl.symmetric) {
        if (t.kind === "int" && sym.decl.type.kind === "RangeType") sym.type = { ...t, sym: sym.name };
        else if (t.kind !== "error") {
          this.diags.push(error(LangCodes.BadType, `a symmetric type is a range of integers (type ${sym.name} = symmetric 0..3), not ${typeToString(t)}`, sym.decl.type.span));
        }
      }
    }, () => {
      sym.type = ERROR;
    });
    return sym.type;
  }

  private constValue(sym: ConstSymbol): Value {
    this.once(sym, sym.span, `constant '${sym.name}'`, () => {
      const d = sym.decl;
      const declared = d.type ? this.resolveType(d.type) : undefined;
      const t = this.expr(d.value, new Scope(), { mode: "const", what: "a constant" }, declared);
      if (declared) this.expectType(t, declared, d.value.span);
      sym.type = declared ?? (isInt(t) ? ANY_INT : t);
      sym.value = this.evaluate(d.value, sym.type);
      const o = this.overrides.get(sym.name);
      if (o) {
        const file = new SourceFile(`--set ${o.name}`, o.text);
        const parsed = parseExpression(file);
        const at = (s: Span | undefined) => o.span ?? s;
        if (!parsed.expr || parsed.diagnostics.length > 0) {
          for (const pd of parsed.diagnostics) {
            this.diags.push({ ...pd, code: LangCodes.BadSetting, message: `in --set ${o.name}=${o.text}: ${pd.message}`, span: at(pd.span) });
          }
          return;
        }
        const selfReference = findName(parsed.expr, o.name);
        if (selfReference) {
          this.diags.push(error(LangCodes.BadSetting, `in --set ${o.name}=${o.text}: the value cannot refer to '${o.name}' itself (the override replaces it)`, at(selfReference.span)));
          return;
        }
        const declaredType = typeToString(sym.type);
        const before = this.diags.length;
        const ot = this.expr(parsed.expr, new Scope(), { mode: "const", what: `--set ${o.name}` }, sym.type);
        this.expectType(ot, sym.type, parsed.expr.span);
        if (this.diags.length > before) {
          for (let i = before; i < this.diags.length; i++) {
            const dd = this.diags[i]!;
            this.diags[i] = { ...dd, code: LangCodes.BadSetting, message: `in --set ${o.name}=${o.text}: ${dd.message} (the constant has type ${declaredType}, declared at ${formatLocation(sym.span)})`, span: at(dd.span) };
          }
          return;
        }
        const value = this.evaluate(parsed.expr, sym.type, o.span);
        if (this.diags.length > before) {
          // out of range, or an evaluation error: keep the code, say which setting
          for (let i = before; i < this.diags.length; i++) {
            const dd = this.diags[i]!;
            this.diags[i] = { ...dd, message: `in --set ${o.name}=${o.text}: ${dd.message} (the constant '${o.name}' is declared at ${formatLocation(sym.span)})` };
          }
          return;
        }
        sym.value = value;
        sym.overridden = o.text;
      }
    }, () => {
      sym.type = ERROR;
    });
    return sym.value;
  }

  /** Evaluate a checked constant expression; report (not throw) failures. */
  private evaluate(e: Expr, t: Type, at?: Span): Value {
    // An expression with a reported error is not evaluated: its value would be
    // meaningless (and ill-typed operands would break the evaluator), and the
    // error is already reported.
    if (this.containsError(e)) return defaultValue(t);
    try {
      const v = evalExpr(e, this.env);
      this.checkRange(v, t, at ?? e.span);
      return v;
    } catch (err) {
      if (err instanceof EvalError) {
        this.diags.push(error(err.code, err.message, at ?? err.span));
        return defaultValue(t);
      }
      throw err;
    }
  }

  private hasErrorType(e: Expr): boolean {
    return e.ty === undefined || e.ty.kind === "error";
  }

  /** Does any node of `e` have the error type (or none), or lie under an error already reported? */
  private containsError(e: Expr): boolean {
    return this.errorSpans.within(e.span) || someSubexpression(e, (x) => this.hasErrorType(x));
  }

  private checkRange(v: Value, t: Type, span: Span): void {
    if (typeof v === "number") {
      if (t.kind === "int" && (v < t.lo || v > t.hi)) {
        this.diags.push(error(LangCodes.ValueOutOfRange, `value ${v} is outside the type ${typeToString(t)}`, span));
      }
      return;
    }
    if (t.kind === "map") for (const x of v) this.checkRange(x, t.value, span);
    if (t.kind === "record") v.forEach((x, i) => this.checkRange(x, t.fields[i]!.type, span));
  }

  /** `lock x nested N`: N is a constant 0..7 (lockdep's MAX_LOCKDEP_SUBCLASSES is 8), on an acquisition only. */
  private lockSubclass(s: Extract<Stmt, { kind: "Lock" }>): void {
    const nested = s.nested!;
    if (s.op.startsWith("up_") || s.op === "unlock") {
      this.diags.push(error(LangCodes.BadSubclass, `'nested' gives the lockdep subclass of an acquisition (mutex_lock_nested, down_read_nested); ${s.op} takes none`, nested.span));
      return;
    }
    const v = this.constInt(nested, "a lock nesting subclass");
    if (v === undefined) return;
    if (!Number.isInteger(v) || v < 0 || v > 7) {
      this.diags.push(error(LangCodes.BadSubclass, `a lock nesting subclass is 0 to 7 (lockdep's MAX_LOCKDEP_SUBCLASSES is 8), not ${v}`, nested.span));
      return;
    }
    s.subclass = v;
  }

  /**
   * `lock x nest_lock l` (mutex_lock_nest_lock, spin_lock_nest_lock, down_write_nest_lock): `l`
   * is a lock (any kind), on `lock` or `down_write` only, as the kernel has them.
   */
  private nestLock(s: Extract<Stmt, { kind: "Lock" }>, scope: Scope): void {
    const nest = s.nestLock!;
    if (s.op !== "lock" && s.op !== "down_write") {
      this.diags.push(error(LangCodes.BadSubclass, `'nest_lock' names the lock that serialises an acquisition (mutex_lock_nest_lock, spin_lock_nest_lock, down_write_nest_lock); ${s.op} takes none`, nest.span));
      return;
    }
    this.lockTarget(nest, scope);
  }

  private constInt(e: Expr, what: string): number | undefined {
    const t = this.expr(e, new Scope(), { mode: "const", what }, undefined);
    if (t.kind === "error") return undefined;
    if (!isInt(t)) {
      this.diags.push(error(LangCodes.TypeMismatch, `${what} must be an integer, not ${typeToString(t)}`, e.span));
      return undefined;
    }
    const v = this.evaluate(e, ANY_INT);
    return typeof v === "number" ? v : undefined;
  }

  resolveType(node: TypeNode): Type {
    const cached = this.typeCache.get(node);
    if (cached) return cached;
    if (!this.depth.enterType(node.span)) return ERROR;
    let t: Type;
    try {
      t = this.computeType(node);
    } finally {
      this.depth.leaveType();
    }
    this.typeCache.set(node, t);
    return t;
  }

  private computeType(node: TypeNode): Type {
    switch (node.kind) {
      case "BoolType": return BOOL;
      case "ErrorType": return ERROR;
      case "EnumType": return ERROR; // registered in declareEnumsIn; reaching here means a duplicate
      case "RangeType": {
        const lo = this.constInt(node.lo, "a range bound");
        const hi = this.constInt(node.hi, "a range bound");
        if (lo === undefined || hi === undefined) return ERROR;
        if (lo > hi) {
          this.diags.push(error(LangCodes.BadType, `empty range ${lo}..${hi}: the lower bound is above the upper bound`, node.span));
          return ERROR;
        }
        if (lo < INT32_MIN || hi > INT32_MAX) {
          const bound = lo < INT32_MIN ? `the lower bound ${lo} is below ${INT32_MIN}` : `the upper bound ${hi} is above ${INT32_MAX}`;
          this.diags.push(error(LangCodes.RangeOutside32Bits, `the range ${lo}..${hi} does not fit in 32 bits: ${bound} (a state slot holds ${INT32_MIN}..${INT32_MAX})`, node.span));
          return ERROR;
        }
        return { kind: "int", lo, hi };
      }
      case "SetType": {
        let elem = this.resolveType(node.elem);
        if (elem.kind === "error") return ERROR;
        if (elem.kind === "ref") elem = this.refElement(elem);
        if (!isSetElement(elem)) {
          this.diags.push(error(LangCodes.BadType, `set elements must be bool, a range, an enumeration or an object pool, not ${typeToString(elem)}`, node.elem.span));
          return ERROR;
        }
        if (cardinality(elem) > MAX_SET_ELEMENTS) {
          this.diags.push(error(LangCodes.BadType, `set<${typeToString(elem)}> has ${cardinality(elem)} possible elements; sets are limited to ${MAX_SET_ELEMENTS}`, node.elem.span));
          return ERROR;
        }
        return { kind: "set", elem };
      }
      case "MapType": {
        const key = this.resolveType(node.key);
        const value = this.resolveType(node.value);
        if (key.kind === "error" || value.kind === "error") return ERROR;
        if (!this.checkIndexType(key, node.key.span, "map keys")) return ERROR;
        return this.sized({ kind: "map", key, value }, node.span);
      }
      case "RecordType": {
        const seen = new Set<string>();
        const fields = node.fields.map((f) => {
          if (seen.has(f.name.name)) this.diags.push(error(LangCodes.DuplicateName, `field '${f.name.name}' appears twice in the record type`, f.name.span));
          seen.add(f.name.name);
          return { name: f.name.name, type: this.resolveType(f.type) };
        });
        // a field in error has been reported: the record is in error too (no follow-on K4002)
        if (fields.some((f) => f.type.kind === "error")) return ERROR;
        return this.sized({ kind: "record", fields }, node.span);
      }
      case "NamedType": {
        const sym = this.globals.get(node.name.name);
        if (!sym) {
          this.unknownName(node.name.name, node.span, "type");
          return ERROR;
        }
        if (sym.kind === "type") return this.namedType(sym);
        if (sym.kind === "ops") return this.resolveOps(sym);
        if (sym.kind === "object") return sym.type;
        this.diags.push(error(LangCodes.WrongKindOfName, `'${sym.name}' is ${withArticle(symbolKindName(sym))}, not a type`, node.span, [{ message: "declared here", span: sym.span }]));
        return ERROR;
      }
    }
  }

  /** A compound type whose values would be too large (or too deeply nested) to store or evaluate is an error. */
  private sized(t: Type, span: Span): Type {
    const problem = valueSlotsProblem(t);
    if (!problem) return t;
    if (problem.code && (problem.code !== LangCodes.TypeTooDeep || this.depth.first(problem.code))) this.diags.push(error(problem.code, problem.message, span));
    return ERROR;
  }

  private checkIndexType(t: Type, span: Span, what: string): boolean {
    if (!isFiniteScalar(t)) {
      this.diags.push(error(LangCodes.BadType, `${what} must be bool, a range or an enumeration, not ${typeToString(t)}`, span));
      return false;
    }
    if (cardinality(t) > MAX_MAP_KEYS) {
      this.diags.push(error(LangCodes.BadType, `${what} of type ${typeToString(t)} have ${cardinality(t)} values; the limit is ${MAX_MAP_KEYS}`, span));
      return false;
    }
    return true;
  }

  private storableType(node: TypeNode | undefined, init: Expr | undefined, what: string, span: Span, mode: Mode): { type: Type; initType?: Type } {
    const declared = node ? this.resolveType(node) : undefined;
    let initType: Type | undefined;
    if (init) {
      initType = this.expr(init, new Scope(), { mode, what }, declared);
      if (declared) this.expectType(initType, declared, init.span);
    }
    let type = declared ?? initType ?? ERROR;
    if (!declared && !init) {
      this.diags.push(error(LangCodes.BadType, `${what} needs a type or an initial value`, span));
      type = ERROR;
    }
    if (!declared && init && initType && inferredIntRange(init, initType)) {
      this.diags.push(error(LangCodes.UnboundedType, `${what} needs a range type: an integer's range cannot be inferred from its initial value (write e.g. ': 0..3 = ${spanText(init.span)}')`, span));
      type = ERROR;
    }
    if (type.kind !== "error" && !isStorable(type)) {
      const hint = type.kind === "int" ? ": give it a range, e.g. ': 0..3'" : type.kind === "none" ? ": give it a proc type through an ops table" : "";
      this.diags.push(error(LangCodes.UnboundedType, `${what} has type ${typeToString(type)}, which cannot be stored in the state${hint}`, node?.span ?? span));
      type = ERROR;
    }
    return { type, initType };
  }

  private resolveVar(sym: VarSymbol): void {
    const d = sym.decl;
    if (d.init?.kind === "Alloc") {
      // an object that exists from the start: its fields must be constants
      const declared = d.type ? this.resolveType(d.type) : undefined;
      const t = this.allocExpr(d.init, new Scope(), { mode: "const", what: "an initial object" });
      if (declared) this.expectType(t, declared, d.init.span);
      sym.type = declared ?? t;
      sym.init = 0;
      const pool = t.kind === "ref" ? this.objectOf(t) : undefined;
      if (pool && t.kind === "ref" && (!declared || declared.kind !== "error")) {
        const init = d.init;
        sym.initObject = {
          pool,
          fields: pool.fields.map((f) => {
            const given = init.fields.find((x) => x.name.name === f.name);
            if (!given) return defaultValue(f.type);
            return this.initialObjectRef(given.value, f.type) ?? this.initialObjectSet(given.value, f.type) ?? this.evaluate(given.value, f.type);
          }),
        };
      }
      return;
    }
    if (d.type && d.init?.kind === "SetLit") {
      // a list of initial objects (`var devices: set<kvm_device> = {dev}`)
      const declared = this.resolveType(d.type);
      const mask = this.initialObjectSet(d.init, declared, true);
      if (mask !== undefined) {
        sym.type = declared;
        sym.init = mask;
        return;
      }
    }
    const { type } = this.storableType(d.type, d.init, `variable '${sym.name}'`, sym.span, "const");
    sym.type = type;
    if (!d.init && holdsSymmetricValue(type)) {
      this.diags.push(error(LangCodes.BadType, `variable '${sym.name}' holds values of the symmetric type ${holdsSymmetricValue(type)}, so it needs an initial value (a default would be one particular value of the type)`, sym.span));
    }
    sym.init = d.init ? this.evaluate(d.init, type) : defaultValue(type);
  }

  /**
   * `vm` in an initial object's fields, when `vm` is a global whose initializer allocates an
   * object of the field's pool: the reference to that initial object (initial objects take
   * the pool's first objects in declaration order, as lowering places them).
   */
  private initialObjectRef(e: Expr, t: Type, report = false): number | undefined {
    if (e.kind !== "Name" || t.kind !== "ref") return undefined;
    const sym = this.globals.get(e.name);
    if (sym?.kind !== "var" || sym.decl.init?.kind !== "Alloc") return undefined;
    if (sym.decl.init.pool.name !== t.pool) {
      if (report) this.diags.push(error(LangCodes.TypeMismatch, `'${e.name}' refers to an object of pool '${sym.decl.init.pool.name}', but this field refers into '${t.pool}'`, e.span));
      return 0;
    }
    e.sym = sym;
    e.ty = t;
    let i = 0;
    for (const v of this.vars) {
      if (v === sym) break;
      if (v.decl.init?.kind === "Alloc" && v.decl.init.pool.name === t.pool) i++;
    }
    return i + 1;
  }

  /**
   * `{dev, dev2}` where a set of references is expected in the initial state, when every
   * element names a global whose initializer allocates an object of the set's pool: the set
   * of those initial objects (as a bit mask over the pool's slots).
   */
  private initialObjectSet(e: Expr, t: Type, report = false): number | undefined {
    if (e.kind !== "SetLit" || t.kind !== "set" || t.elem.kind !== "ref" || e.elems.length === 0) return undefined;
    if (!e.elems.every((x) => x.kind === "Name" && this.globals.get(x.name)?.kind === "var")) return undefined;
    let mask = 0;
    for (const x of e.elems) {
      const r = this.initialObjectRef(x, t.elem, report);
      if (r === undefined) return undefined;
      // past the pool's bound: lowering reports that the initial objects do not fit
      if (r > 0 && r <= cardinality(t.elem)) mask |= 1 << (r - 1);
    }
    e.ty = t;
    return mask;
  }

  private resolveLock(sym: LockSymbol): void {
    if (sym.decl.index) {
      const t = this.resolveType(sym.decl.index);
      if (t.kind !== "error" && this.checkIndexType(t, sym.decl.index.span, "lock array indices")) sym.index = t;
    }
  }

  private resolveRefcount(sym: RefcountSymbol): void {
    const d = sym.decl;
    if (d.index) {
      const t = this.resolveType(d.index);
      if (t.kind !== "error" && this.checkIndexType(t, d.index.span, "refcount array indices")) sym.index = t;
    }
    let init = 0;
    if (d.init) {
      const v = this.constInt(d.init, "a refcount's initial value");
      if (v !== undefined) init = v;
    }
    if (d.type) {
      const t = this.resolveType(d.type);
      if (t.kind === "int" && !t.sym) sym.type = t;
      else if (t.kind !== "error") this.diags.push(error(LangCodes.BadType, `a refcount's range must be an integer range, not ${t.kind === "int" ? `the symmetric type ${t.sym}` : typeToString(t)}`, d.type.span));
    } else if (init > INT32_MAX) {
      this.diags.push(error(LangCodes.RangeOutside32Bits, `initial count ${init} does not fit in 32 bits (a refcount holds 0..${INT32_MAX})`, d.init?.span ?? sym.span));
      init = 0;
    } else {
      sym.type = { kind: "int", lo: 0, hi: Math.max(DEFAULT_REFCOUNT_MAX, init) };
    }
    if (sym.type.lo < 0) {
      this.diags.push(error(LangCodes.BadType, "a refcount's range must start at 0 or above", d.type?.span ?? sym.span));
    }
    if (init < sym.type.lo || init > sym.type.hi) {
      this.diags.push(error(LangCodes.ValueOutOfRange, `initial count ${init} is outside the refcount's range ${typeToString(sym.type)}`, d.init?.span ?? sym.span));
    }
    sym.init = init;
  }

  private resolveOps(sym: OpsSymbol): Type {
    this.once(sym, sym.span, `ops table '${sym.name}'`, () => {
      const seen = new Set<string>();
      sym.type.fields = sym.decl.fields.map((f) => {
        if (seen.has(f.name.name)) this.diags.push(error(LangCodes.DuplicateName, `field '${f.name.name}' appears twice in ops '${sym.name}'`, f.name.span));
        seen.add(f.name.name);
        return { name: f.name.name, params: f.params.map((p) => this.resolveType(p.type)), ret: f.ret ? this.resolveType(f.ret) : undefined };
      });
    }, () => undefined);
    return sym.type;
  }

  private resolveProc(sym: ProcSymbol): void {
    this.once(sym, sym.span, `procedure '${sym.name}'`, () => {
      const d = sym.decl;
      const seen = new Set<string>();
      sym.params = d.params.map((p) => {
        const type = this.resolveType(p.type);
        if (type.kind !== "error" && !isStorable(type)) {
          this.diags.push(error(LangCodes.UnboundedType, `parameter '${p.name.name}' has type ${typeToString(type)}, which cannot be stored in the state: give it a range`, p.type.span));
        }
        if (seen.has(p.name.name)) this.diags.push(error(LangCodes.DuplicateName, `parameter '${p.name.name}' is declared twice`, p.name.span));
        seen.add(p.name.name);
        const local: LocalSymbol = { kind: "local", role: "param", name: p.name.name, span: p.name.span, type, index: sym.locals.length };
        p.sym = local;
        sym.locals.push(local);
        return local;
      });
      sym.ret = d.ret ? this.resolveType(d.ret) : undefined;
      if (sym.ret && sym.ret.kind !== "error" && !isStorable(sym.ret)) {
        this.diags.push(error(LangCodes.UnboundedType, `return type ${typeToString(sym.ret)} cannot be stored in the state: give it a range`, d.ret!.span));
      }
      sym.type = { kind: "proc", params: sym.params.map((p) => p.type), ret: sym.ret };
    }, () => undefined);
  }

  private resolveProcess(sym: ProcessSymbol): void {
    const inst = sym.decl.instance;
    if (!inst) return;
    const t = this.resolveType(inst.domain);
    if (t.kind === "error") return;
    if (!isFiniteScalar(t)) {
      this.diags.push(error(LangCodes.BadType, `process instances range over bool, a range or an enumeration, not ${typeToString(t)}`, inst.domain.span));
      return;
    }
    const n = cardinality(t);
    if (n > 64) {
      this.diags.push(error(LangCodes.BadType, `process '${sym.name}' would have ${n} instances; the limit is 64`, inst.domain.span));
      return;
    }
    sym.instances = Array.from({ length: n }, (_, i) => (t.kind === "int" ? t.lo + i : i));
    const local: LocalSymbol = { kind: "local", role: "instance", name: inst.binder.name, span: inst.binder.span, type: t, index: 0 };
    inst.sym = local;
    sym.instance = local;
    sym.locals.push(local);
  }

  // ------------------------------------------------------------ bodies

  private checkBody(owner: ProcSymbol | ProcessSymbol): void {
    const ctx: BodyCtx = { owner, locals: owner.locals, ret: owner.kind === "proc" ? owner.ret : undefined, isProcess: owner.kind === "process" };
    const scope = new Scope();
    for (const l of owner.locals) {
      if (this.shadowsGlobal(l.name, l.span)) continue;
      scope.names.set(l.name, l);
    }
    this.block(owner.decl.body, new Scope(scope), ctx);
    if (owner.kind === "proc" && owner.ret && owner.ret.kind !== "error" && completesNormally(owner.decl.body)) {
      this.diags.push(error(LangCodes.MissingReturn, `'${owner.name}' can reach the end of its body without returning a ${typeToString(owner.ret)}: end every path with 'return'`, owner.span));
    }
  }

  private shadowsGlobal(name: string, span: Span): boolean {
    const g = this.globals.get(name);
    // a local may take its object pool's name, as the kernel's `struct kvm *kvm` does: a pool is
    // named only where a type or an alloc stands, never as a value, so the two cannot be confused
    if (!g || g.kind === "object") return false;
    this.diags.push(error(LangCodes.DuplicateName, `'${name}' is already declared as a global ${symbolKindName(g)}; local names must differ from global ones`, span, [{ message: `the global '${name}' is declared here (${formatLocation(g.span)})`, span: g.span }]));
    return true;
  }

  private declareLocal(name: Ident, type: Type, role: LocalSymbol["role"], scope: Scope, ctx: BodyCtx): LocalSymbol {
    const sym: LocalSymbol = { kind: "local", role, name: name.name, span: name.span, type, index: ctx.locals.length };
    ctx.locals.push(sym);
    if (this.shadowsGlobal(name.name, name.span)) return sym;
    const prev = scope.lookup(name.name);
    if (prev) {
      this.diags.push(error(LangCodes.DuplicateName, `'${name.name}' is already declared in this procedure`, name.span, [{ message: `first declared here (${formatLocation(prev.span)})`, span: prev.span }]));
    }
    scope.names.set(name.name, sym);
    return sym;
  }

  private block(b: Block, scope: Scope, ctx: BodyCtx): void {
    for (const s of b.stmts) this.stmt(s, scope, ctx);
  }

  private stmt(s: Stmt, scope: Scope, ctx: BodyCtx): void {
    const ectx: ExprCtx = { mode: "thread", what: "a statement" };
    switch (s.kind) {
      case "LocalVar": {
        const declared = s.type ? this.resolveType(s.type) : undefined;
        let type = declared;
        if (s.init) {
          this.allowTrylock(s.init, false);
          const it = s.init.kind === "Alloc" ? this.allocExpr(s.init, scope, ectx) : this.expr(s.init, scope, ectx, declared);
          if (declared) this.expectType(it, declared, s.init.span);
          else type = it;
        }
        if (!type) {
          this.diags.push(error(LangCodes.BadType, `local variable '${s.name.name}' needs a type or an initial value`, s.name.span));
          type = ERROR;
        } else if (!s.init && holdsSymmetricValue(type)) {
          // its default would be one particular value of the type, which no permutation keeps
          this.diags.push(error(LangCodes.BadType, `local variable '${s.name.name}' holds values of the symmetric type ${holdsSymmetricValue(type)}: give it an initial value`, s.name.span));
          type = ERROR;
        } else if (!declared && s.init && inferredIntRange(s.init, type)) {
          this.diags.push(error(LangCodes.UnboundedType, `local variable '${s.name.name}' needs a range type: an integer's range cannot be inferred from its initial value (write e.g. 'var ${s.name.name}: 0..3 = ${spanText(s.init.span)}')`, s.name.span));
          type = ERROR;
        }
        if (type.kind !== "error" && !isStorable(type)) {
          this.diags.push(error(LangCodes.UnboundedType, `local variable '${s.name.name}' has type ${typeToString(type)}, which cannot be stored in the state${type.kind === "int" ? ": give it a range, e.g. 'var " + s.name.name + ": 0..3 = ...'" : ""}`, s.type?.span ?? s.name.span));
          type = ERROR;
        }
        s.sym = this.declareLocal(s.name, type, "var", scope, ctx);
        return;
      }
      case "Assign": {
        const tt = this.lvalue(s.target, scope);
        this.allowTrylock(s.value, false);
        const vt = s.value.kind === "Alloc" ? this.allocExpr(s.value, scope, ectx) : this.expr(s.value, scope, ectx, tt);
        this.expectType(vt, tt, s.value.span);
        return;
      }
      case "Free": {
        const t = this.expr(s.target, scope, ectx, undefined);
        if (t.kind !== "ref" && t.kind !== "error" && t.kind !== "null") {
          this.diags.push(error(LangCodes.TypeMismatch, `free needs an object reference, not ${typeToString(t)}`, s.target.span));
        }
        const pool = t.kind === "ref" ? this.objectOf(t) : undefined;
        if (pool) pool.freedByModel = true;
        return;
      }
      case "Call": {
        const sig = this.callee(s.callee, scope);
        if (sig) {
          if (s.args.length !== sig.params.length) {
            this.diags.push(error(LangCodes.ArgumentCount, `${calleeName(s.callee)} takes ${sig.params.length} argument${sig.params.length === 1 ? "" : "s"}, but ${s.args.length} ${s.args.length === 1 ? "is" : "are"} given`, s.calleeSpan));
          }
          s.args.forEach((a, i) => {
            const pt = sig.params[i];
            const at = this.expr(a, scope, ectx, pt);
            if (pt) this.expectType(at, pt, a.span);
          });
          if (s.result) {
            const rt = this.lvalue(s.result, scope);
            if (!sig.ret) this.diags.push(error(LangCodes.TypeMismatch, `${calleeName(s.callee)} returns no value`, s.calleeSpan));
            else this.expectType(sig.ret, rt, s.calleeSpan);
          }
        } else {
          for (const a of s.args) this.expr(a, scope, ectx, undefined);
          if (s.result) this.lvalue(s.result, scope);
        }
        return;
      }
      case "Lock": {
        const lock = this.lockTarget(s.target, scope);
        if (!lock) return;
        const rw = s.op.startsWith("down_") || s.op.startsWith("up_");
        if (lock.lockKind === "rwsem" && !rw) {
          this.diags.push(error(LangCodes.TypeMismatch, `'${lock.name}' is an rwsem: use down_read/up_read or down_write/up_write, not ${s.op}`, s.span));
        } else if (lock.lockKind !== "rwsem" && rw) {
          this.diags.push(error(LangCodes.TypeMismatch, `'${lock.name}' is a ${lock.lockKind}: use lock/unlock, not ${s.op}`, s.span));
        }
        if (s.nested) this.lockSubclass(s);
        if (s.nestLock) this.nestLock(s, scope);
        return;
      }
      case "Refcount":
        this.refcountTarget(s.target, scope);
        return;
      case "Completion":
        completionTarget(this.sync, s.target, scope);
        return;
      case "Srcu":
        if (s.target) srcuTarget(this.sync, s.target, scope);
        else this.usesRcu = true;
        return;
      case "CallRcu":
        if (!s.domain) this.usesRcu = true;
        checkCallRcu(this.sync, s, scope, ectx, this.rcuCallbacks);
        return;
      case "Work":
        if (s.op === "flush_workqueue") this.entity(s.target, scope, "workqueue");
        else this.entity(s.target, scope, "work");
        return;
      case "Await":
      case "Assert":
        this.expectType(this.expr(s.cond, scope, ectx, BOOL), BOOL, s.cond.span);
        return;
      case "If":
        if (s.cond.kind === "DecAndTest") this.refcountTarget(s.cond.target, scope);
        else if (s.cond.kind === "DecAndLock") {
          this.refcountTarget(s.cond.target, scope);
          const lock = this.lockTarget(s.cond.lock, scope);
          if (lock?.lockKind === "rwsem") {
            this.diags.push(error(LangCodes.DecAndLockWrongLock, `dec_and_lock(r, m) takes a mutex (refcount_dec_and_mutex_lock, kref_put_mutex) or a spinlock (refcount_dec_and_lock, kref_put_lock), but '${lock.name}' is an rwsem`, s.cond.lock.span));
          }
        } else this.allowTrylock(s.cond.expr, true);
        if (s.cond.kind === "Expr") this.expectType(this.expr(s.cond.expr, scope, ectx, BOOL), BOOL, s.cond.expr.span);
        this.block(s.then, new Scope(scope), ctx);
        if (s.else) this.block(s.else, new Scope(scope), ctx);
        return;
      case "While":
        this.allowTrylock(s.cond, true);
        this.expectType(this.expr(s.cond, scope, ectx, BOOL), BOOL, s.cond.span);
        this.block(s.body, new Scope(scope), ctx);
        return;
      case "For":
      case "Pick": {
        const dt = this.expr(s.domain, scope, ectx, undefined);
        let elem: Type = ERROR;
        if (dt.kind === "set") elem = dt.elem;
        else if (dt.kind !== "error") this.diags.push(error(LangCodes.TypeMismatch, `'${s.kind === "For" ? "for" : "pick"}' needs a set to range over, not ${typeToString(dt)}`, s.domain.span));
        const inner = new Scope(scope);
        s.sym = this.declareLocal(s.binder, elem, s.kind === "For" ? "for" : "pick", inner, ctx);
        this.block(s.body, inner, ctx);
        return;
      }
      case "Either":
        for (const b of s.branches) this.block(b, new Scope(scope), ctx);
        return;
      case "Return":
        if (ctx.isProcess) {
          if (s.value) this.diags.push(error(LangCodes.TypeMismatch, "a process cannot return a value (a bare 'return' ends the thread)", s.value.span));
        } else if (ctx.ret) {
          if (!s.value) this.diags.push(error(LangCodes.TypeMismatch, `'${ctx.owner.name}' must return a ${typeToString(ctx.ret)}`, s.span));
          else this.expectType(this.expr(s.value, scope, ectx, ctx.ret), ctx.ret, s.value.span);
        } else if (s.value) {
          this.diags.push(error(LangCodes.TypeMismatch, `'${ctx.owner.name}' declares no return type, so it cannot return a value`, s.value.span));
          this.expr(s.value, scope, ectx, undefined);
        }
        return;
      case "Atomic":
        this.block(s.body, new Scope(scope), ctx);
        return;
      case "Skip":
      case "MightSleep":
        return;
    }
  }

  private callee(e: Expr, scope: Scope): (Type & { kind: "proc" }) | undefined {
    if (e.kind === "Name") {
      const local = scope.lookup(e.name);
      const sym = local ?? this.globals.get(e.name);
      if (sym?.kind === "proc") {
        this.resolveProc(sym);
        e.sym = sym;
        e.ty = sym.type;
        return sym.type;
      }
      if (sym?.kind === "process") {
        this.diags.push(error(LangCodes.WrongKindOfName, `'${e.name}' is a process; processes start on their own and cannot be called`, e.span));
        return undefined;
      }
    }
    const t = this.expr(e, scope, { mode: "thread", what: "a call" }, undefined);
    if (t.kind === "proc") return t;
    if (t.kind !== "error") this.diags.push(error(LangCodes.TypeMismatch, `only procedures can be called; ${calleeName(e)} is a ${typeToString(t)}`, e.span));
    return undefined;
  }

  /** `through`: the place is written through it (`x.f := …`, `m[k].f := …`), so a reference there is only read. */
  private lvalue(e: Expr, scope: Scope, through = false): Type {
    switch (e.kind) {
      case "Name": {
        const sym = scope.lookup(e.name) ?? this.globals.get(e.name);
        if (!sym) {
          this.unknownName(e.name, e.span, "variable");
          return (e.ty = ERROR);
        }
        e.sym = sym;
        if (sym.kind === "var") {
          return (e.ty = sym.type);
        }
        if (sym.kind === "local") {
          // `d.f := …` through a for or pick variable writes the object, not the variable
          if ((sym.role === "for" || sym.role === "pick" || sym.role === "instance") && !(through && sym.type.kind === "ref")) {
            this.diags.push(error(LangCodes.NotAssignable, `cannot assign to the ${sym.role === "instance" ? "instance" : sym.role} variable '${e.name}'`, e.span));
          }
          return (e.ty = sym.type);
        }
        const hint = sym.kind === "refcount" ? " (use get/put)" : sym.kind === "lock" ? " (use lock/unlock)" : sym.kind === "completion" ? " (use complete/wait_for_completion)" : sym.kind === "srcu" ? " (use srcu_read_lock/synchronize_srcu)" : "";
        this.diags.push(error(LangCodes.NotAssignable, `cannot assign to '${e.name}': it is ${withArticle(symbolKindName(sym))}${hint}`, e.span));
        return (e.ty = ERROR);
      }
      case "Index": {
        const tt = this.lvalue(e.target, scope, through);
        if (tt.kind === "error") return (e.ty = ERROR);
        if (tt.kind !== "map") {
          this.diags.push(error(LangCodes.TypeMismatch, `only maps can be indexed; the target has type ${typeToString(tt)}`, e.target.span));
          this.expr(e.index, scope, { mode: "thread", what: "an index" }, undefined);
          return (e.ty = ERROR);
        }
        this.expectType(this.expr(e.index, scope, { mode: "thread", what: "an index" }, tt.key), tt.key, e.index.span);
        return (e.ty = tt.value);
      }
      case "Field": {
        const tt = this.lvalue(e.target, scope, true);
        const sync = this.syncField(tt, e.field.name);
        if (sync) {
          this.diags.push(error(LangCodes.NotAssignable, `'${spanText(e.span)}' is ${sync.kind === "refcount" ? "a refcount (use get, put or dec_and_test)" : fieldKindText(sync)} of the object and cannot be assigned`, e.span));
          return (e.ty = ERROR);
        }
        return (e.ty = this.fieldType(tt, e.field, e.target.span));
      }
      default:
        this.diags.push(error(LangCodes.NotAssignable, "the left side of ':=' must be a variable, a map entry or a record field", e.span));
        this.expr(e, scope, { mode: "thread", what: "an expression" }, undefined);
        return (e.ty = ERROR);
    }
  }

  /** Check `alloc pool {fields}` (its placement is checked by the caller). */
  private allocExpr(e: Expr & { kind: "Alloc" }, scope: Scope, ctx: ExprCtx): Type {
    const sym = this.globals.get(e.pool.name);
    if (!sym) {
      this.unknownName(e.pool.name, e.pool.span, "object pool");
      for (const f of e.fields) this.expr(f.value, scope, ctx, undefined);
      return (e.ty = ERROR);
    }
    if (sym.kind !== "object") {
      this.diags.push(error(LangCodes.WrongKindOfName, `'${e.pool.name}' is ${withArticle(symbolKindName(sym))}, not an object pool`, e.pool.span));
      for (const f of e.fields) this.expr(f.value, scope, ctx, undefined);
      return (e.ty = ERROR);
    }
    this.resolveObject(sym);
    const seen = new Set<string>();
    for (const f of e.fields) {
      if (seen.has(f.name.name)) this.diags.push(error(LangCodes.DuplicateName, `field '${f.name.name}' is given twice`, f.name.span));
      seen.add(f.name.name);
      const ft = sym.fields.find((x) => x.name === f.name.name)?.type;
      if (!ft && sym.syncFields.some((x) => x.field!.field === f.name.name)) {
        this.diags.push(error(LangCodes.TypeMismatch, `'${f.name.name}' is a lock or refcount of the object: alloc leaves a lock free and sets a refcount to its declared initial value (kref_init), so it cannot be given here`, f.name.span));
        this.expr(f.value, scope, ctx, undefined);
        continue;
      }
      if (!ft) {
        this.diags.push(error(LangCodes.UnknownField, `object '${sym.name}' has no field '${f.name.name}' (its fields: ${sym.fields.map((x) => x.name).join(", ") || "none"})`, f.name.span));
        this.expr(f.value, scope, ctx, undefined);
        continue;
      }
      // an initial object may point to another one (`var dev = alloc kvm_device {kvm: vm}`)
      if (ctx.mode === "const" && (this.initialObjectRef(f.value, ft, true) ?? this.initialObjectSet(f.value, ft, true)) !== undefined) continue;
      this.expectType(this.expr(f.value, scope, ctx, ft), ft, f.value.span);
    }
    return (e.ty = sym.type);
  }

  /** The lock or refcount field `name` of the objects `tt` refers to, if it is one. */
  private syncField(tt: Type, name: string): ObjectFieldEntity | undefined {
    if (tt.kind !== "ref") return undefined;
    return this.objectOf(tt)?.syncFields.find((f) => f.field!.field === name);
  }

  private fieldType(tt: Type, field: Ident, targetSpan: Span): Type {
    if (tt.kind === "error") return ERROR;
    if (tt.kind === "ref") {
      const obj = this.objectOf(tt);
      const f = obj?.fields.find((x) => x.name === field.name);
      if (f) return f.type;
      this.diags.push(error(LangCodes.UnknownField, `object '${tt.pool}' has no field '${field.name}'${obj ? ` (its fields: ${[...obj.fields.map((x) => x.name), ...obj.syncFields.map((x) => x.field!.field)].join(", ") || "none"})` : ""}`, field.span));
      return ERROR;
    }
    if (tt.kind === "record") {
      const f = tt.fields.find((x) => x.name === field.name);
      if (f) return f.type;
      this.diags.push(error(LangCodes.UnknownField, `no field '${field.name}' in ${typeToString(tt)}`, field.span));
      return ERROR;
    }
    if (tt.kind === "ops") {
      const f = tt.fields.find((x) => x.name === field.name);
      if (f) return { kind: "proc", params: f.params, ret: f.ret };
      this.diags.push(error(LangCodes.UnknownField, `ops '${tt.name}' has no field '${field.name}' (its fields: ${tt.fields.map((x) => x.name).join(", ")})`, field.span));
      return ERROR;
    }
    this.diags.push(error(LangCodes.TypeMismatch, `only records and ops tables have fields; this is a ${typeToString(tt)}`, targetSpan));
    return ERROR;
  }

  /** A lock name, or a lock array entry `l[i]`. */
  private lockTarget(e: Expr, scope: Scope): LockSymbol | undefined {
    const sym = this.entity(e, scope, "lock");
    return sym?.kind === "lock" ? sym : undefined;
  }

  private refcountTarget(e: Expr, scope: Scope): RefcountSymbol | undefined {
    const sym = this.entity(e, scope, "refcount");
    return sym?.kind === "refcount" ? sym : undefined;
  }

  private entity(e: Expr, scope: Scope, want: EntityKind): EntitySymbol | undefined {
    const what = want === "srcu" ? "an SRCU domain" : want === "work" ? "a work item" : withArticle(want);
    if (e.kind === "Field" && want !== "workqueue") return this.fieldEntity(e, scope, want, what);
    let nameExpr: Expr = e;
    let index: Expr | undefined;
    if (e.kind === "Index") {
      nameExpr = e.target;
      index = e.index;
    }
    if (nameExpr.kind !== "Name") {
      this.diags.push(error(LangCodes.TypeMismatch, `expected ${what} (a name, or an array entry such as group_lock[g])`, e.span));
      return undefined;
    }
    const sym = scope.lookup(nameExpr.name) ?? this.globals.get(nameExpr.name);
    if (!sym) {
      this.unknownName(nameExpr.name, nameExpr.span, want === "srcu" ? "SRCU domain" : want);
      return undefined;
    }
    nameExpr.sym = sym;
    if (sym.kind !== want) {
      this.diags.push(error(LangCodes.WrongKindOfName, `'${nameExpr.name}' is ${withArticle(symbolKindName(sym))}, not ${what}`, nameExpr.span, "span" in sym ? [{ message: "declared here", span: sym.span }] : []));
      return undefined;
    }
    const target = sym as LockSymbol | RefcountSymbol | CompletionSymbol | SrcuSymbol | WorkSymbol | WorkqueueSymbol;
    const indexType = target.kind === "workqueue" ? undefined : target.index;
    const declaredIndexed = target.kind === "work" ? target.decl.instance !== undefined : target.kind === "workqueue" ? false : target.decl.index !== undefined;
    nameExpr.ty = target.kind === "lock" ? { kind: "lock", lockKind: target.lockKind } : target.kind === "refcount" ? { kind: "refcount", lo: target.type.lo, hi: target.type.hi } : { kind: target.kind };
    if (index) {
      if (!declaredIndexed) {
        this.diags.push(error(LangCodes.TypeMismatch, `'${target.name}' is not an array`, e.span));
        return undefined;
      }
      const it = this.expr(index, scope, { mode: "thread", what: "an index" }, indexType);
      if (indexType) this.expectType(it, indexType, index.span);
      e.ty = nameExpr.ty;
    } else if (declaredIndexed) {
      this.diags.push(error(LangCodes.TypeMismatch, `'${target.name}' is an array of ${want === "srcu" ? "SRCU domains" : want === "work" ? "work items" : `${want}s`}: name one entry, e.g. ${target.name}[...]`, e.span));
      return undefined;
    }
    return target;
  }

  /** A lock or refcount field through a reference: `vm.lock`, `dev.kvm.users_count` (object-fields.ts). */
  private fieldEntity(e: Expr & { kind: "Field" }, scope: Scope, want: Exclude<EntityKind, "workqueue">, what: string): EntitySymbol | undefined {
    const tt = this.expr(e.target, scope, { mode: "thread", what: `the object of ${what}` }, undefined);
    if (tt.kind === "error") return undefined;
    const sync = this.syncField(tt, e.field.name);
    if (!sync || sync.kind !== want) {
      if (tt.kind !== "ref") this.diags.push(error(LangCodes.TypeMismatch, `expected ${what}: a name, an array entry such as group_lock[g], or a field of an object such as vm.lock`, e.span));
      else if (sync) this.diags.push(error(LangCodes.WrongKindOfName, `'${spanText(e.span)}' is ${fieldKindText(sync)}, not ${what}`, e.field.span, [{ message: "declared here", span: sync.span }]));
      else {
        const obj = this.objectOf(tt);
        const has = obj?.fields.some((f) => f.name === e.field.name);
        this.diags.push(error(has ? LangCodes.WrongKindOfName : LangCodes.UnknownField, has ? `field '${e.field.name}' of object '${tt.pool}' is a value, not ${what}` : `object '${tt.pool}' has no field '${e.field.name}'`, e.field.span));
      }
      return undefined;
    }
    e.entity = sync;
    e.ty = sync.kind === "lock" ? { kind: "lock", lockKind: sync.lockKind } : sync.kind === "refcount" ? { kind: "refcount", lo: sync.type.lo, hi: sync.type.hi } : { kind: sync.kind };
    return sync;
  }

  private unknownName(name: string, span: Span, what: string, scope?: Scope): void {
    const suggestion = this.suggestions.closest(name, () => this.namesInScope(scope));
    const hint = suggestion ? ` (did you mean '${suggestion}'?)` : "";
    this.diags.push(error(LangCodes.UnknownName, `unknown ${what} '${name}'${hint}`, span));
  }

  private namesInScope(scope: Scope | undefined): Set<string> {
    const names = new Set(this.globals.keys());
    for (let s = scope; s; s = s.parent) for (const n of s.names.keys()) names.add(n);
    return names;
  }

  /** An unknown name where a member of `type` is expected: list the members. */
  private unknownMember(name: string, span: Span, type: Type & { kind: "enum" }, scope: Scope): void {
    const which = type.name.startsWith("{") ? "the enumeration" : `enumeration ${type.name}`;
    const suggestion = this.suggestions.closest(name, () => type.members) ?? this.suggestions.closest(name, () => this.namesInScope(scope));
    const hint = suggestion ? ` (did you mean '${suggestion}'?)` : "";
    this.diags.push(error(LangCodes.UnknownName, `'${name}' is not a member of ${which}: expected one of ${type.members.join(", ")}${hint}`, span));
  }

  // ------------------------------------------------------------ expressions

  private expectType(actual: Type, expected: Type, span: Span): void {
    if (!assignable(actual, expected)) {
      this.diags.push(error(LangCodes.TypeMismatch, `expected ${describeExpected(expected)}, found ${describeFound(actual)}`, span));
    }
  }

  expr(e: Expr, scope: Scope, ctx: ExprCtx, expected: Type | undefined): Type {
    if (!this.depth.enterExpr(e.span)) return (e.ty = ERROR);
    let t: Type;
    try {
      t = this.computeExpr(e, scope, ctx, expected);
    } finally {
      this.depth.leaveExpr();
    }
    e.ty = t;
    return t;
  }

  private computeExpr(e: Expr, scope: Scope, ctx: ExprCtx, expected: Type | undefined): Type {
    switch (e.kind) {
      case "IntLit": return { kind: "int", lo: e.value, hi: e.value };
      case "BoolLit": return BOOL;
      case "NoneLit": return expected?.kind === "proc" ? expected : { kind: "none" };
      case "NullLit": return expected?.kind === "ref" ? expected : { kind: "null" };
      case "Alloc":
        this.diags.push(error(LangCodes.NotAllowedHere, "alloc is only allowed as the whole right side of ':=' or of a local variable's initializer", e.span));
        this.allocExpr(e, scope, ctx);
        return ERROR;
      case "ErrorExpr": return ERROR;
      case "Name": return this.nameExpr(e, scope, ctx, expected);
      case "Unary": {
        if (e.op === "not") {
          this.expectType(this.expr(e.operand, scope, ctx, BOOL), BOOL, e.operand.span);
          return BOOL;
        }
        const t = this.expr(e.operand, scope, ctx, undefined);
        if (t.kind === "error") return ERROR;
        if (!isInt(t)) {
          this.diags.push(error(LangCodes.TypeMismatch, `unary '-' needs an integer, not ${typeToString(t)}`, e.operand.span));
          return ERROR;
        }
        if (t.sym) {
          this.diags.push(error(LangCodes.TypeMismatch, symmetricUse(t.sym, "unary '-'"), e.operand.span));
          return ERROR;
        }
        return { kind: "int", lo: -t.hi, hi: -t.lo };
      }
      case "Binary": return this.binaryExpr(e, scope, ctx, expected);
      case "SetLit": {
        // `{}` where an ops table is expected: the table with every callback none
        if (e.elems.length === 0 && expected?.kind === "ops") return expected;
        let elem: Type | undefined = expected?.kind === "set" ? expected.elem : undefined;
        const types = e.elems.map((x) => this.expr(x, scope, ctx, elem));
        if (!elem) {
          if (types.length === 0) {
            if (expected && expected.kind !== "error") {
              const hint = expected.kind === "ops" || expected.kind === "record" ? ` (a ${expected.kind === "ops" ? "table" : "record"} literal names its fields, e.g. {${expected.fields[0]?.name ?? "f"}: ...})` : "";
              this.diags.push(error(LangCodes.TypeMismatch, `expected ${describeExpected(expected)}, found the empty set '{}'${hint}`, e.span));
            } else if (!expected) {
              this.diags.push(error(LangCodes.BadType, "cannot tell the element type of '{}' here: compare or assign it to a typed set", e.span));
            }
            return ERROR;
          }
          elem = types[0]!;
          if (isInt(elem)) {
            // a loop, not Math.min(...): a set literal may have more elements than a call has room for arguments
            let lo = Infinity;
            let hi = -Infinity;
            for (const t of types) if (isInt(t)) { lo = Math.min(lo, t.lo); hi = Math.max(hi, t.hi); }
            elem = { kind: "int", lo, hi };
          }
        }
        if (elem.kind === "error") return ERROR;
        if (elem.kind === "ref") elem = this.refElement(elem);
        types.forEach((t, i) => this.expectType(t, elem!, e.elems[i]!.span));
        const nullAt = elem.kind === "ref" ? e.elems.find((x) => x.kind === "NullLit") : undefined;
        if (nullAt) {
          this.diags.push(error(LangCodes.TypeMismatch, "a set of references holds objects, never null", nullAt.span));
          return ERROR;
        }
        if (!isSetElement(elem) || cardinality(elem) > MAX_SET_ELEMENTS) {
          this.diags.push(error(LangCodes.BadType, `cannot make a set of ${typeToString(elem)}: elements must be bool, an enumeration, a range or an object pool of at most ${MAX_SET_ELEMENTS} values`, e.span));
          return ERROR;
        }
        return { kind: "set", elem };
      }
      case "RecordLit": {
        if (!expected || (expected.kind !== "record" && expected.kind !== "ops")) {
          for (const f of e.fields) this.expr(f.value, scope, ctx, undefined);
          if (expected?.kind !== "error") {
            this.diags.push(error(LangCodes.BadType, expected ? `expected ${typeToString(expected)}, found a record literal` : "cannot tell the type of this record literal here: assign it to a typed variable or constant", e.span));
          }
          return ERROR;
        }
        const seen = new Set<string>();
        for (const f of e.fields) {
          if (seen.has(f.name.name)) this.diags.push(error(LangCodes.DuplicateName, `field '${f.name.name}' is given twice`, f.name.span));
          seen.add(f.name.name);
          const ft = this.fieldType(expected, f.name, e.span);
          this.expectType(this.expr(f.value, scope, ctx, ft.kind === "error" ? undefined : ft), ft, f.value.span);
        }
        if (expected.kind === "record") {
          const missing = expected.fields.filter((f) => !seen.has(f.name)).map((f) => f.name);
          if (missing.length) this.diags.push(error(LangCodes.MissingField, `missing field${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")} of ${typeToString(expected)}`, e.span));
        }
        return expected;
      }
      case "MapLit": {
        if (!expected || expected.kind !== "map") {
          for (const en of e.entries) { this.expr(en.key, scope, ctx, undefined); this.expr(en.value, scope, ctx, undefined); }
          if (expected?.kind !== "error") {
            this.diags.push(error(LangCodes.BadType, expected ? `expected ${typeToString(expected)}, found a map literal` : "cannot tell the type of this map literal here: assign it to a typed variable or constant", e.span));
          }
          return ERROR;
        }
        const seen = new Map<number, Span>();
        for (const en of e.entries) {
          const kt = this.expr(en.key, scope, { mode: "const", what: "a map key" }, expected.key);
          this.expectType(kt, expected.key, en.key.span);
          this.expectType(this.expr(en.value, scope, ctx, expected.value), expected.value, en.value.span);
          if (kt.kind === "error") continue;
          const k = this.evaluate(en.key, expected.key);
          if (typeof k === "number") {
            const prev = seen.get(k);
            if (prev) this.diags.push(error(LangCodes.DuplicateName, "this key appears twice in the map", en.key.span, [{ message: "first given here", span: prev }]));
            seen.set(k, en.key.span);
          }
        }
        const n = cardinality(expected.key);
        if (seen.size < n) {
          const missing: string[] = [];
          for (let i = 0; i < n && missing.length < 5; i++) {
            const v = expected.key.kind === "int" ? expected.key.lo + i : i;
            if (!seen.has(v)) missing.push(expected.key.kind === "enum" ? expected.key.members[i]! : expected.key.kind === "bool" ? (i ? "true" : "false") : String(v));
          }
          this.diags.push(error(LangCodes.MissingField, `the map must give a value for every key of ${typeToString(expected.key)}; missing: ${missing.join(", ")}${n - seen.size > missing.length ? ", ..." : ""}`, e.span));
        }
        return expected;
      }
      case "MapComp": {
        const dt = this.expr(e.domain, scope, ctx, expected?.kind === "map" ? { kind: "set", elem: expected.key } : undefined);
        if (dt.kind === "error") return ERROR;
        if (dt.kind !== "set") {
          this.diags.push(error(LangCodes.TypeMismatch, `a map comprehension ranges over a set, not ${typeToString(dt)}`, e.domain.span));
          return ERROR;
        }
        const key = dt.elem;
        if (!this.checkIndexType(key, e.domain.span, "map keys")) return ERROR;
        const inner = new Scope(scope);
        const b: BoundSymbol = { kind: "bound", name: e.binder.name, span: e.binder.span, type: key };
        if (!this.shadowsGlobal(e.binder.name, e.binder.span)) inner.names.set(e.binder.name, b);
        e.sym = b;
        const vt = this.expr(e.body, inner, ctx, expected?.kind === "map" ? expected.value : undefined);
        if (expected?.kind === "map") this.expectType(vt, expected.value, e.body.span);
        if (this.containsError(e.domain)) {
          // already reported
        } else if (!this.isConstant(e.domain)) {
          // the map has an entry for every key whatever the domain, so the domain must be the whole key type
          this.diags.push(error(LangCodes.BadType, `a map comprehension must range over every key of ${typeToString(key)}, so its domain must be a constant (e.g. [x in ${typeToString(key)}: ...])`, e.domain.span));
        } else {
          const mask = this.evaluate(e.domain, dt);
          if (mask !== fullMask(key)) this.diags.push(error(LangCodes.BadType, `a map comprehension must range over every key of ${typeToString(key)}`, e.domain.span));
        }
        return expected?.kind === "map" ? expected : this.sized({ kind: "map", key, value: vt }, e.span);
      }
      case "Index": {
        const counter = e.target.kind === "Name" ? scope.lookup(e.target.name) ?? this.globals.get(e.target.name) : undefined;
        if (counter?.kind === "refcount" && counter.decl.index) {
          // one entry of a refcount array, read as an integer
          if (ctx.mode === "const") {
            this.diags.push(error(LangCodes.NotAllowedHere, `refcount '${counter.name}' cannot be used in ${contextName(ctx)}`, e.target.span));
            return ERROR;
          }
          if (!this.refcountTarget(e, scope)) return ERROR;
          return { kind: "int", lo: counter.type.lo, hi: counter.type.hi };
        }
        const tt = this.expr(e.target, scope, ctx, undefined);
        if (tt.kind === "error") {
          this.expr(e.index, scope, ctx, undefined);
          return ERROR;
        }
        if (tt.kind !== "map") {
          this.expr(e.index, scope, ctx, undefined);
          this.diags.push(error(LangCodes.TypeMismatch, `only maps can be indexed; this is a ${typeToString(tt)}`, e.target.span));
          return ERROR;
        }
        this.expectType(this.expr(e.index, scope, ctx, tt.key), tt.key, e.index.span);
        return tt.value;
      }
      case "Field": {
        const tt = this.expr(e.target, scope, ctx, undefined);
        const sync = this.syncField(tt, e.field.name);
        if (sync?.kind === "refcount") {
          e.entity = sync; // refcount_read()
          return { kind: "int", lo: sync.type.lo, hi: sync.type.hi };
        }
        if (sync) {
          this.diags.push(error(LangCodes.TypeMismatch, `'${spanText(e.span)}' is ${fieldKindText(sync)} of the object, not a value${sync.kind === "lock" ? ": use it in lock statements and trylocks, or held()/locked()" : ""}`, e.span));
          return ERROR;
        }
        return this.fieldType(tt, e.field, e.target.span);
      }
      case "Builtin": return this.builtin(e, scope, ctx);
      case "Cond": {
        this.expectType(this.expr(e.cond, scope, ctx, BOOL), BOOL, e.cond.span);
        const a = this.expr(e.then, scope, ctx, expected);
        const b = this.expr(e.else, scope, ctx, expected ?? (a.kind === "none" ? undefined : a));
        if (isInt(a) && isInt(b)) return { kind: "int", lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
        if (a.kind === "none" && b.kind !== "none") {
          this.expectType(a, b, e.then.span);
          return b;
        }
        this.expectType(b, a, e.else.span);
        return a;
      }
      case "Quant": {
        const dt = this.expr(e.domain, scope, ctx, undefined);
        const inner = new Scope(scope);
        let elem: Type = ERROR;
        if (dt.kind === "set") elem = dt.elem;
        else if (dt.kind !== "error") this.diags.push(error(LangCodes.TypeMismatch, `'${e.quant}' ranges over a set, not ${typeToString(dt)}`, e.domain.span));
        const b: BoundSymbol = { kind: "bound", name: e.binder.name, span: e.binder.span, type: elem };
        if (!this.shadowsGlobal(e.binder.name, e.binder.span)) inner.names.set(e.binder.name, b);
        e.sym = b;
        this.expectType(this.expr(e.body, inner, ctx, BOOL), BOOL, e.body.span);
        return BOOL;
      }
    }
  }

  /** An expression is constant when it reads no variables, locals or locks. */
  private isConstant(e: Expr): boolean {
    let ok = true;
    const visit = (x: Expr): void => {
      if (!ok) return;
      switch (x.kind) {
        case "Name":
          if (!x.sym || (x.sym.kind !== "const" && x.sym.kind !== "member" && x.sym.kind !== "type" && x.sym.kind !== "proc" && x.sym.kind !== "bound")) ok = false;
          return;
        case "Unary": return visit(x.operand);
        case "Binary": visit(x.left); return visit(x.right);
        case "SetLit": return x.elems.forEach(visit);
        case "RecordLit": return x.fields.forEach((f) => visit(f.value));
        case "MapLit": return x.entries.forEach((en) => { visit(en.key); visit(en.value); });
        case "MapComp": visit(x.domain); return visit(x.body);
        case "Index": visit(x.target); return visit(x.index);
        case "Field": return visit(x.target);
        case "Builtin": if (x.fn.name !== "size") ok = false; return x.args.forEach(visit);
        case "Alloc": ok = false; return;
        case "Cond": visit(x.cond); visit(x.then); return visit(x.else);
        case "Quant": visit(x.domain); return visit(x.body);
        default: return;
      }
    };
    visit(e);
    return ok;
  }

  private nameExpr(e: Expr & { kind: "Name" }, scope: Scope, ctx: ExprCtx, expected: Type | undefined): Type {
    const local = scope.lookup(e.name);
    const sym: Symbol | undefined = local ?? this.globals.get(e.name);
    if (!sym) {
      if (expected?.kind === "enum") this.unknownMember(e.name, e.span, expected, scope);
      else this.unknownName(e.name, e.span, "name", scope);
      return ERROR;
    }
    e.sym = sym;
    const notHere = (what: string) => {
      this.diags.push(error(LangCodes.NotAllowedHere, `${what} '${e.name}' cannot be used in ${contextName(ctx)}`, e.span));
      return ERROR;
    };
    switch (sym.kind) {
      case "const": this.constValue(sym); return sym.type;
      case "member": return sym.type;
      case "bound": return sym.type;
      case "local": return sym.type;
      case "type": {
        const t = this.namedType(sym);
        if (t.kind === "error") return ERROR;
        if (!isFiniteScalar(t) || cardinality(t) > MAX_SET_ELEMENTS) {
          this.diags.push(error(LangCodes.TypeMismatch, `type '${e.name}' used as a value means the set of all its values, which needs a finite type of at most ${MAX_SET_ELEMENTS} values`, e.span));
          return ERROR;
        }
        return { kind: "set", elem: t };
      }
      case "proc": this.resolveProc(sym); return sym.type;
      case "var":
        if (ctx.mode === "const") return notHere("variable");
        return sym.type;
      case "refcount":
        if (ctx.mode === "const") return notHere("refcount");
        if (sym.decl.index) {
          this.diags.push(error(LangCodes.TypeMismatch, `'${sym.name}' is an array of refcounts: name one entry, e.g. ${sym.name}[...]`, e.span));
          return ERROR;
        }
        return { kind: "int", lo: sym.type.lo, hi: sym.type.hi };
      case "lock":
        this.diags.push(error(LangCodes.TypeMismatch, `lock '${e.name}' is not a value: use held(${e.name}) or locked(${e.name})`, e.span));
        return ERROR;
      case "completion":
        this.diags.push(error(LangCodes.TypeMismatch, `completion '${e.name}' is not a value: use ${COMPLETION_DONE_FUNCTION}(${e.name})`, e.span));
        return ERROR;
      case "srcu":
        this.diags.push(error(LangCodes.TypeMismatch, `SRCU domain '${e.name}' is not a value: use srcu_read_lock, srcu_read_unlock or synchronize_srcu on it`, e.span));
        return ERROR;
      case "work":
        this.diags.push(error(LangCodes.TypeMismatch, `work item '${e.name}' is not a value: use queue_work, flush_work or cancel_work_sync on it`, e.span));
        return ERROR;
      case "workqueue":
        this.diags.push(error(LangCodes.TypeMismatch, `workqueue '${e.name}' is not a value: use flush_workqueue on it`, e.span));
        return ERROR;
      default:
        this.diags.push(error(LangCodes.WrongKindOfName, `'${e.name}' is ${withArticle(symbolKindName(sym))}, not a value`, e.span));
        return ERROR;
    }
  }

  private binaryExpr(e: Expr & { kind: "Binary" }, scope: Scope, ctx: ExprCtx, expected: Type | undefined): Type {
    const op = e.op;
    if (op === "and" || op === "or" || op === "=>") {
      this.expectType(this.expr(e.left, scope, ctx, BOOL), BOOL, e.left.span);
      this.expectType(this.expr(e.right, scope, ctx, BOOL), BOOL, e.right.span);
      return BOOL;
    }
    if (op === "in" || op === "notin") {
      const rt = this.expr(e.right, scope, ctx, undefined);
      const lt = this.expr(e.left, scope, ctx, rt.kind === "set" ? rt.elem : undefined);
      if (rt.kind === "error" || lt.kind === "error") return BOOL;
      if (rt.kind !== "set") {
        this.diags.push(error(LangCodes.TypeMismatch, `the right side of '${op === "in" ? "in" : "not in"}' must be a set, not ${typeToString(rt)}`, e.right.span));
        return BOOL;
      }
      this.expectType(lt, rt.elem, e.left.span);
      return BOOL;
    }
    if (op === "..") {
      const lt = this.expr(e.left, scope, ctx, undefined);
      const rt = this.expr(e.right, scope, ctx, undefined);
      if (lt.kind === "error" || rt.kind === "error") return ERROR;
      if (!isInt(lt) || !isInt(rt)) {
        this.diags.push(error(LangCodes.TypeMismatch, "a range needs integer bounds", e.span));
        return ERROR;
      }
      if (expected?.kind === "set" && isInt(expected.elem)) return expected;
      if (!this.isConstant(e.left) || !this.isConstant(e.right)) {
        this.diags.push(error(LangCodes.BadType, "the bounds of a range must be constants here", e.span));
        return ERROR;
      }
      const lo = this.evaluate(e.left, ANY_INT) as number;
      const hi = this.evaluate(e.right, ANY_INT) as number;
      if (hi < lo) return { kind: "set", elem: { kind: "int", lo, hi: lo } };
      if (hi - lo + 1 > MAX_SET_ELEMENTS) {
        this.diags.push(error(LangCodes.BadType, `the range ${lo}..${hi} has ${hi - lo + 1} values; sets are limited to ${MAX_SET_ELEMENTS}`, e.span));
        return ERROR;
      }
      return { kind: "set", elem: { kind: "int", lo, hi } };
    }
    // Operands that need a type from context (empty sets, none, literals) are checked second.
    const needsContext = (x: Expr) => x.kind === "SetLit" || x.kind === "NoneLit" || x.kind === "NullLit" || x.kind === "RecordLit" || x.kind === "MapLit" || x.kind === "Cond";
    const setHint = expected?.kind === "set" && (op === "+" || op === "-" || op === "&") ? expected : undefined;
    let lt: Type;
    let rt: Type;
    if (needsContext(e.left) && !needsContext(e.right)) {
      rt = this.expr(e.right, scope, ctx, setHint);
      lt = this.expr(e.left, scope, ctx, rt.kind === "int" ? undefined : rt);
    } else {
      lt = this.expr(e.left, scope, ctx, setHint);
      rt = this.expr(e.right, scope, ctx, lt.kind === "int" ? undefined : lt);
    }
    if (lt.kind === "error" || rt.kind === "error") return op === "==" || op === "!=" || op === "<" || op === "<=" || op === ">" || op === ">=" ? BOOL : ERROR;
    switch (op) {
      case "==":
      case "!=":
        if (!assignable(lt, rt) && !assignable(rt, lt)) {
          this.diags.push(error(LangCodes.TypeMismatch, `cannot compare ${typeToString(lt)} with ${typeToString(rt)}`, e.opSpan));
        }
        return BOOL;
      case "<": case "<=": case ">": case ">=":
        if (!isInt(lt) || !isInt(rt)) {
          this.diags.push(error(LangCodes.TypeMismatch, `'${op}' compares integers, not ${typeToString(isInt(lt) ? rt : lt)}`, e.opSpan));
        } else if (lt.sym || rt.sym) {
          this.diags.push(error(LangCodes.TypeMismatch, symmetricUse(lt.sym ?? rt.sym!, `'${op}'`), e.opSpan));
        }
        return BOOL;
      case "+": case "-": case "&":
        if (lt.kind === "set") {
          if (rt.kind !== "set" || !sameType(lt.elem, rt.elem)) {
            this.diags.push(error(LangCodes.TypeMismatch, `'${op}' on sets needs two sets of the same element type; found ${typeToString(lt)} and ${typeToString(rt)}`, e.opSpan));
            return ERROR;
          }
          return lt;
        }
        if (op === "&") {
          this.diags.push(error(LangCodes.TypeMismatch, `'&' intersects sets; found ${typeToString(lt)}`, e.opSpan));
          return ERROR;
        }
        return this.arithmetic(op, lt, rt, e.opSpan);
      case "*": case "/": case "%":
        return this.arithmetic(op, lt, rt, e.opSpan);
    }
    return ERROR;
  }

  private arithmetic(op: string, lt: Type, rt: Type, opSpan: Span): Type {
    {
      {
        if (!isInt(lt) || !isInt(rt)) {
          this.diags.push(error(LangCodes.TypeMismatch, `'${op}' needs integers${op === "+" || op === "-" ? " or sets" : ""}; found ${typeToString(isInt(lt) ? rt : lt)}`, opSpan));
          return ERROR;
        }
        if (lt.sym || rt.sym) {
          this.diags.push(error(LangCodes.TypeMismatch, symmetricUse(lt.sym ?? rt.sym!, `'${op}'`), opSpan));
          return ERROR;
        }
        if (op === "+") return { kind: "int", lo: lt.lo + rt.lo, hi: lt.hi + rt.hi };
        if (op === "-") return { kind: "int", lo: lt.lo - rt.hi, hi: lt.hi - rt.lo };
        return ANY_INT;
      }
    }
  }

  /** Marks `e`'s trylock call, if `e` is a trylock use, as standing where one may. */
  private allowTrylock(e: Expr | undefined, allowNot: boolean): void {
    const use = trylockUse(e, allowNot);
    if (use) this.trylockSites.add(use.call);
  }

  /** mutex_trylock(m) and friends: a bool, where one may stand, on a lock of its kind. */
  private trylock(e: Expr & { kind: "Builtin" }, fn: TrylockFunction, scope: Scope, ctx: ExprCtx): Type {
    if (e.args.length !== 1) {
      this.diags.push(error(LangCodes.ArgumentCount, `${fn}() takes one argument, the lock`, e.span));
      return ERROR;
    }
    if (ctx.mode !== "thread" || !this.trylockSites.has(e)) {
      const where = ctx.mode !== "thread" ? ` (not in ${ctx.what})` : "";
      this.diags.push(error(LangCodes.TrylockMisplaced, `${fn}() takes the lock when it is free, so it may only be the whole condition of an if or while (or 'not' of it), or the whole right side of ':=' or of a local's initializer${where}`, e.span));
      return BOOL;
    }
    const arg = e.args[0]!;
    const lock = this.lockTarget(arg, scope);
    arg.ty = lock ? { kind: "lock", lockKind: lock.lockKind } : ERROR;
    const want = TRYLOCK_FUNCTIONS[fn].lockKind;
    if (lock && lock.lockKind !== want) {
      const fit = (Object.keys(TRYLOCK_FUNCTIONS) as TrylockFunction[]).filter((f) => TRYLOCK_FUNCTIONS[f].lockKind === lock.lockKind).join(" or ");
      this.diags.push(error(LangCodes.TrylockWrongLock, `${fn}() takes ${want === "rwsem" ? "an rwsem" : withArticle(want)}, but '${lock.name}' is ${lock.lockKind === "rwsem" ? "an rwsem" : withArticle(lock.lockKind)}: use ${fit}`, arg.span));
    }
    return BOOL;
  }

  private builtin(e: Expr & { kind: "Builtin" }, scope: Scope, ctx: ExprCtx): Type {
    const name = e.fn.name;
    if (isTrylockFunction(name)) return this.trylock(e, name, scope, ctx);
    if (name === TRY_WAIT_FUNCTION) return tryWait(this.sync, e, scope, ctx);
    if (WORK_CONDITIONS.has(name)) return workCondition(this.sync, e, scope, ctx);
    if (!BUILTINS.includes(name)) {
      const sym = this.globals.get(name);
      const hint = sym?.kind === "proc" ? ` ('${name}' is a procedure: write 'call ${name}(...)' as a statement)` : ` (the built-in functions are ${[...BUILTINS, ...Object.keys(TRYLOCK_FUNCTIONS), TRY_WAIT_FUNCTION, ...WORK_CONDITIONS].join(", ")})`;
      this.diags.push(error(LangCodes.UnknownName, `unknown function '${name}'${hint}`, e.fn.span));
      for (const a of e.args) this.expr(a, scope, ctx, undefined);
      return ERROR;
    }
    if (e.args.length !== 1) {
      this.diags.push(error(LangCodes.ArgumentCount, `${name}() takes one argument`, e.span));
      return ERROR;
    }
    const arg = e.args[0]!;
    if (name === "size") {
      const t = this.expr(arg, scope, ctx, undefined);
      if (t.kind === "error") return ERROR;
      if (t.kind !== "set") {
        this.diags.push(error(LangCodes.TypeMismatch, `size() needs a set, not ${typeToString(t)}`, arg.span));
        return ERROR;
      }
      return { kind: "int", lo: 0, hi: cardinality(t.elem) };
    }
    if (ctx.mode === "const") {
      this.diags.push(error(LangCodes.NotAllowedHere, `${name}() reads the state and cannot be used in ${ctx.what}`, e.span));
      return ERROR;
    }
    if (name === "held" && ctx.mode !== "thread") {
      this.diags.push(error(LangCodes.NotAllowedHere, `held() asks about the running thread and cannot be used in ${ctx.what}; use locked()`, e.span));
      return ERROR;
    }
    if (name === COMPLETION_DONE_FUNCTION) {
      completionTarget(this.sync, arg, scope);
      return BOOL;
    }
    const lock = this.lockTarget(arg, scope);
    arg.ty = lock ? { kind: "lock", lockKind: lock.lockKind } : ERROR;
    return BOOL;
  }
}

/** "a constant", "variable 'b', which must be a constant", "the invariant 'i'". */
function contextName(ctx: ExprCtx): string {
  return ctx.mode === "const" && ctx.what !== "a constant" ? `${ctx.what}, which must be a constant` : ctx.what;
}

/** Can control reach the end of the block (rather than always leaving it by `return`)? */
function completesNormally(b: Block): boolean {
  for (const s of b.stmts) if (!stmtCompletes(s)) return false;
  return true;
}

function stmtCompletes(s: Stmt): boolean {
  switch (s.kind) {
    case "Return": return false;
    case "If": return s.else === undefined || completesNormally(s.then) || completesNormally(s.else);
    case "While": return !(s.cond.kind === "BoolLit" && s.cond.value);
    case "Either": return s.branches.some(completesNormally);
    case "Atomic": case "Pick": return completesNormally(s.body);
    default: return true;
  }
}

/** An integer initial value whose range would come from literals or arithmetic rather than a declared type. */
function inferredIntRange(init: Expr, t: Type): boolean {
  if (t.kind !== "int") return false;
  return init.kind !== "Name" && init.kind !== "Index" && init.kind !== "Field";
}

function calleeName(e: Expr): string {
  switch (e.kind) {
    case "Name": return `'${e.name}'`;
    case "Field": return `'${calleeName(e.target).replace(/'/g, "")}.${e.field.name}'`;
    case "Index": return `'${calleeName(e.target).replace(/'/g, "")}[...]'`;
    default: return "the callee";
  }
}

/** The symmetric type whose values a value of type t holds (in a field or map entry too), if any; set elements and map keys do not count. */
export function holdsSymmetricValue(t: Type): string | undefined {
  switch (t.kind) {
    case "int": return t.sym;
    case "map": return holdsSymmetricValue(t.value);
    case "record": for (const f of t.fields) { const s = holdsSymmetricValue(f.type); if (s) return s; } return undefined;
    default: return undefined;
  }
}

/** Why a symmetric type's value cannot be used so (language.md, "Symmetric types"). */
function symmetricUse(type: string, what: string): string {
  return `${what} cannot take values of the symmetric type ${type}: they are interchangeable, so they are only compared with == and != and used as indices and set elements`;
}

/** May a value of type `src` be stored where `dst` is expected? Integers are range-checked when stored. */
export function assignable(src: Type, dst: Type): boolean {
  if (src.kind === "error" || dst.kind === "error") return true;
  // a symmetric type's values are interchangeable: no other integer (no literal) is one of them
  if (src.kind === "int" && dst.kind === "int") return src.sym === dst.sym;
  if (src.kind === "none") return dst.kind === "proc" || dst.kind === "none";
  if (src.kind === "null") return dst.kind === "ref" || dst.kind === "null";
  if (src.kind === "map" && dst.kind === "map") return sameType(src.key, dst.key) && assignable(src.value, dst.value);
  if (src.kind === "record" && dst.kind === "record") {
    return src.fields.length === dst.fields.length && src.fields.every((f, i) => f.name === dst.fields[i]!.name && assignable(f.type, dst.fields[i]!.type));
  }
  if (src.kind === "set" && dst.kind === "set") {
    return sameType(src.elem, dst.elem);
  }
  return sameType(src, dst);
}

/** The first subexpression (in source order) satisfying `test`, `e` included. */
function findSubexpression(e: Expr, test: (x: Expr) => boolean): Expr | undefined {
  if (test(e)) return e;
  for (const c of children(e)) {
    const found = findSubexpression(c, test);
    if (found) return found;
  }
  return undefined;
}

function someSubexpression(e: Expr, test: (x: Expr) => boolean): boolean {
  return findSubexpression(e, test) !== undefined;
}

function findName(e: Expr, name: string): Expr | undefined {
  return findSubexpression(e, (x) => x.kind === "Name" && x.name === name);
}

function children(e: Expr): Expr[] {
  switch (e.kind) {
    case "Unary": return [e.operand];
    case "Binary": return [e.left, e.right];
    case "SetLit": return e.elems;
    case "RecordLit": return e.fields.map((f) => f.value);
    case "MapLit": return e.entries.flatMap((en) => [en.key, en.value]);
    case "MapComp": return [e.domain, e.body];
    case "Index": return [e.target, e.index];
    case "Field": return [e.target];
    case "Builtin": return e.args;
    case "Cond": return [e.cond, e.then, e.else];
    case "Quant": return [e.domain, e.body];
    default: return [];
  }
}

/** A type where a value was expected: a literal's one-value range reads as "int". */
function describeExpected(t: Type): string {
  return t.kind === "int" && t.lo === t.hi ? "int" : typeToString(t);
}

/** A value's type in a mismatch: a literal's one-value range reads as "integer 3". */
function describeFound(t: Type): string {
  return t.kind === "int" && t.lo === t.hi ? `integer ${t.lo}` : typeToString(t);
}

/** "a mutex", "a refcount", "a completion", "an SRCU domain": what a field of an object is. */
function fieldKindText(f: ObjectFieldEntity): string {
  return f.kind === "lock" ? `a ${f.lockKind}` : f.kind === "refcount" ? "a refcount" : f.kind === "completion" ? "a completion" : f.kind === "work" ? "a work item" : "an SRCU domain";
}
