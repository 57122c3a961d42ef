// Expression evaluation, written once for every context: a thread's step, an
// invariant or final, and compile-time folding. The context is an EvalEnv that
// answers reads of locals, globals, refcounts, locks and object fields, and
// decides what a fault does (a violation, a disabled step, a property that
// cannot be evaluated, or "not a constant" when folding). Evaluation is
// left to right with short-circuit `and`, `or`, `=>` and `if then else`
// (language.md, "Expressions"); integers are exact and unbounded in between
// (BigInt arithmetic), so only a stored value is limited, by its type.
import { type BoundSymbol, type CompletionSymbol, type Expr, type LocalSymbol, type LockSymbol, type ObjectSymbol, type RefcountSymbol, type Symbol, type Type, spanText, typeToString } from "@knot/lang";
import { targetSymbol } from "./object-fields.js";
import {
  type RRecord, type RValue, keyName, newRecord, normalizeSet, scalarIndex, scalarValues, setDifference, setHas, setIntersection,
  setUnion, valueEquals,
} from "./values.js";

/** Thrown by a folding environment: the expression reads something that is not a compile-time constant. */
export class NotConstant extends Error {
  constructor() {
    super("not a constant");
  }
}

export interface EvalEnv {
  constValue(sym: Symbol & { kind: "const" }): RValue;
  local(sym: LocalSymbol): RValue;
  global(name: string): RValue;
  /** The count of a refcount entry (`index`: position in the index type, 0 for a plain refcount). */
  refcount(sym: RefcountSymbol, index: number): number;
  held(sym: LockSymbol, index: number): boolean;
  locked(sym: LockSymbol, index: number): boolean;
  /** completion_done(): is the completion's count not 0? */
  completion(sym: CompletionSymbol, index: number): boolean;
  /** Read field `field` of the object `ref` refers to (null-deref and use-after-free checks). */
  field(ref: RValue, pool: ObjectSymbol, field: string, refText: string): RValue;
  /** The slot of the object `ref` refers to, for a lock or refcount field of it, with the checks of `field` (object-fields.ts). */
  objectSlot(ref: RValue, refText: string): number;
  /** A run-time fault of check `kind` (out-of-range: an index, a set element, a division by zero). */
  fault(kind: string, message: string): never;
}

export interface Evaluator {
  pools: ReadonlyMap<string, ObjectSymbol>;
}

/** Entry position of a lock or refcount target (`l`, `l[k]`, or a field `e.f`: the slot of `e`'s object). */
export function entryIndex(target: Expr, indexType: Type | undefined, env: EvalEnv, bound: Map<BoundSymbol, RValue>, ev: Evaluator): number {
  if (target.kind === "Field" && target.entity) return env.objectSlot(evaluate(target.target, env, bound, ev), spanText(target.target.span));
  if (target.kind !== "Index") return 0;
  const name = target.target.kind === "Name" ? target.target.name : spanText(target.target.span);
  const k = evaluate(target.index, env, bound, ev);
  const i = indexType ? scalarIndex(indexType, k) : -1;
  if (i < 0) env.fault("out-of-range", `index of ${name}: ${String(k)} is outside ${indexType ? typeToString(indexType) : "its index type"}`);
  return i;
}

function num(v: RValue): number {
  return v as number;
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** An exact integer result: a number while doubles hold it exactly, else the bigint itself. */
function exact(v: bigint): number | bigint {
  return v >= -MAX_EXACT && v <= MAX_EXACT ? Number(v) : v;
}

function big(v: RValue): bigint {
  return typeof v === "bigint" ? v : BigInt(v as number);
}

export function evaluate(e: Expr, env: EvalEnv, bound: Map<BoundSymbol, RValue>, ev: Evaluator): RValue {
  const v = evaluateExpr(e, env, bound, ev);
  // A list read from memory (language.md, "Sets of references"): every object on it must
  // still be live, checked in slot order; reading a list that still holds a freed object
  // is use-after-free, as walking its list_head would be.
  if ((e.kind === "Name" || e.kind === "Index" || e.kind === "Field") && e.ty?.kind === "set" && e.ty.elem.kind === "ref") {
    for (const x of v as RValue[]) env.objectSlot(x, `an element of ${spanText(e.span)}`);
  }
  return v;
}

function evaluateExpr(e: Expr, env: EvalEnv, bound: Map<BoundSymbol, RValue>, ev: Evaluator): RValue {
  switch (e.kind) {
    case "IntLit": return e.value;
    case "BoolLit": return e.value;
    case "NoneLit": case "NullLit": return null;
    case "Name": {
      const s = e.sym!;
      switch (s.kind) {
        case "const": return env.constValue(s);
        case "member": return s.name;
        case "type": return scalarValues(s.type);
        case "proc": return s.name;
        case "bound": {
          if (!bound.has(s)) throw new NotConstant(); // only a folded subexpression can see it unbound
          return bound.get(s)!;
        }
        case "local": return env.local(s);
        case "var": return env.global(s.name);
        case "refcount": return env.refcount(s, 0);
        default: throw new Error(`'${e.name}' is not a value`);
      }
    }
    case "Unary": {
      const v = evaluate(e.operand, env, bound, ev);
      return e.op === "-" ? exact(-big(v)) : !v;
    }
    case "Binary": return binary(e, env, bound, ev);
    case "SetLit": {
      const t = e.ty!;
      if (t.kind === "ops") {
        const out: RRecord = newRecord();
        for (const f of t.fields) out[f.name] = null;
        return out;
      }
      const elem = (t as Type & { kind: "set" }).elem;
      const xs = e.elems.map((x) => {
        const v = evaluate(x, env, bound, ev);
        // an object put on a list must be live (null-deref, use-after-free)
        if (elem.kind === "ref") env.objectSlot(v, spanText(x.span));
        else if (scalarIndex(elem, v) < 0) env.fault("out-of-range", `element ${spanText(x.span)}: ${String(v)} is outside ${typeToString(elem)}`);
        return v;
      });
      return normalizeSet(elem, xs);
    }
    case "RecordLit": {
      const t = e.ty!;
      const out: RRecord = newRecord();
      if (t.kind === "record") {
        const given = new Map(e.fields.map((f) => [f.name.name, f.value]));
        for (const f of t.fields) out[f.name] = evaluate(given.get(f.name)!, env, bound, ev);
        return out;
      }
      if (t.kind === "ops") {
        const given = new Map(e.fields.map((f) => [f.name.name, f.value]));
        for (const f of t.fields) {
          const x = given.get(f.name);
          out[f.name] = x ? evaluate(x, env, bound, ev) : null;
        }
        return out;
      }
      throw new Error("record literal without a record type");
    }
    case "MapLit": {
      // the entries in key order (as knot lays the map out and evaluates it), whatever order they are written in
      const kt = (e.ty as Type & { kind: "map" }).key;
      const entries = e.entries.map((entry) => ({ k: evaluate(entry.key, env, bound, ev), value: entry.value }));
      entries.sort((a, b) => scalarIndex(kt, a.k) - scalarIndex(kt, b.k));
      const out: RRecord = newRecord();
      for (const { k, value } of entries) out[keyName(k)] = evaluate(value, env, bound, ev);
      return out;
    }
    case "MapComp": {
      const t = e.ty as Type & { kind: "map" };
      const out: RRecord = newRecord();
      const domain = evaluate(e.domain, env, bound, ev) as RValue[];
      for (const k of domain) {
        bound.set(e.sym!, k);
        out[keyName(k)] = evaluate(e.body, env, bound, ev);
      }
      bound.delete(e.sym!);
      for (const k of scalarValues(t.key)) if (!(keyName(k) in out)) throw new Error("map comprehension misses a key");
      return out;
    }
    case "Index": {
      if (e.target.kind === "Name" && e.target.sym?.kind === "refcount") {
        const sym = e.target.sym;
        return env.refcount(sym, entryIndex(e, sym.index, env, bound, ev));
      }
      const tt = e.target.ty as Type & { kind: "map" };
      const m = evaluate(e.target, env, bound, ev) as RRecord;
      const k = evaluate(e.index, env, bound, ev);
      if (scalarIndex(tt.key, k) < 0) env.fault("out-of-range", `index of ${spanText(e.target.span)}: ${String(k)} is outside ${typeToString(tt.key)}`);
      return m[keyName(k)]!;
    }
    case "Field": {
      if (e.entity?.kind === "refcount") return env.refcount(e.entity, entryIndex(e, e.entity.index, env, bound, ev)); // refcount_read()
      const tt = e.target.ty!;
      const target = evaluate(e.target, env, bound, ev);
      if (tt.kind === "ref") return env.field(target, ev.pools.get(tt.pool)!, e.field.name, spanText(e.target.span));
      return (target as RRecord)[e.field.name]!;
    }
    case "Builtin": {
      const arg = e.args[0]!;
      if (e.fn.name === "size") return (evaluate(arg, env, bound, ev) as RValue[]).length;
      const sym = targetSymbol(arg);
      if (sym?.kind === "completion") return env.completion(sym, entryIndex(arg, sym.index, env, bound, ev));
      const lock = sym as LockSymbol;
      const i = entryIndex(arg, lock.index, env, bound, ev);
      return e.fn.name === "held" ? env.held(lock, i) : env.locked(lock, i);
    }
    case "Cond":
      return evaluate(e.cond, env, bound, ev) ? evaluate(e.then, env, bound, ev) : evaluate(e.else, env, bound, ev);
    case "Quant": {
      const domain = evaluate(e.domain, env, bound, ev) as RValue[];
      let result = e.quant === "forall";
      for (const x of domain) {
        bound.set(e.sym!, x);
        const b = evaluate(e.body, env, bound, ev);
        if (e.quant === "forall" && !b) { result = false; break; }
        if (e.quant === "exists" && b) { result = true; break; }
      }
      bound.delete(e.sym!);
      return result;
    }
    case "Alloc": throw new Error("alloc is evaluated by the statement that contains it");
    case "ErrorExpr": throw new Error("erroneous expression");
  }
}

function binary(e: Expr & { kind: "Binary" }, env: EvalEnv, bound: Map<BoundSymbol, RValue>, ev: Evaluator): RValue {
  switch (e.op) {
    case "and": return evaluate(e.left, env, bound, ev) ? evaluate(e.right, env, bound, ev) : false;
    case "or": return evaluate(e.left, env, bound, ev) ? true : evaluate(e.right, env, bound, ev);
    case "=>": return evaluate(e.left, env, bound, ev) ? evaluate(e.right, env, bound, ev) : true;
    default: break;
  }
  const a = evaluate(e.left, env, bound, ev);
  const b = evaluate(e.right, env, bound, ev);
  switch (e.op) {
    case "==": return valueEquals(a, b);
    case "!=": return !valueEquals(a, b);
    case "<": return num(a) < num(b);
    case "<=": return num(a) <= num(b);
    case ">": return num(a) > num(b);
    case ">=": return num(a) >= num(b);
    case "in": case "notin": {
      const st = e.right.ty as Type & { kind: "set" };
      return setHas(st.elem, b as RValue[], a) === (e.op === "in");
    }
    case "..": {
      const elem = (e.ty as Type & { kind: "set" }).elem;
      const out: RValue[] = [];
      for (let v = num(a); v <= num(b); v++) {
        if (scalarIndex(elem, v) < 0) env.fault("out-of-range", `element ${spanText(e.span)}: ${v} is outside ${typeToString(elem)}`);
        out.push(v);
      }
      return out;
    }
    case "+": case "-": case "&": {
      const lt = e.left.ty!;
      if (lt.kind === "set") {
        const elem = lt.elem;
        const xs = a as RValue[];
        const ys = b as RValue[];
        return e.op === "+" ? setUnion(elem, xs, ys) : e.op === "-" ? setDifference(elem, xs, ys) : setIntersection(elem, xs, ys);
      }
      return exact(e.op === "+" ? big(a) + big(b) : big(a) - big(b));
    }
    case "*": return exact(big(a) * big(b));
    case "/": case "%": {
      if (big(b) === 0n) env.fault("out-of-range", `division by zero in ${spanText(e.span)}`);
      // BigInt division truncates toward zero and % takes the dividend's sign (language.md)
      return exact(e.op === "/" ? big(a) / big(b) : big(a) % big(b));
    }
  }
  throw new Error(`operator ${e.op}`);
}
