// Compile-time evaluation of checked expressions (constants, initial values,
// type bounds, map keys). Works on the annotated tree: every node has its type.
// Runtime problems (division by zero, a value outside its type) are returned as
// messages with the span at fault, never thrown to the caller.
//
// Integer arithmetic is exact: every integer operation is carried out on BigInt,
// so intermediate results may be as large as they like, and only a result that
// leaves the range the engines hold exactly (±(2^53 - 1), MAX_EXACT_INT) is an
// error (K5005). `(2147483647 * 2147483647) % 2` is 1, as in mathematics.
import type { Expr } from "./ast.js";
import { LangCodes } from "./diagnostics.js";
import type { Span } from "./source.js";
import type { Symbol } from "./symbols.js";
import { type Type, cardinality, indexOfValue, nthValue, typeToString } from "./types.js";
import type { Value } from "./values.js";

export class EvalError {
  constructor(
    readonly message: string,
    readonly span: Span,
    /** The diagnostic code: a value outside its type is K5004, anything else K5001. */
    readonly code: string = LangCodes.ConstEvaluation,
  ) {}
}

export interface ConstEnv {
  /** Value of a constant (evaluating it on demand). */
  constValue(sym: Symbol & { kind: "const" }): Value;
  /** Values of bound variables (quantifiers, comprehensions). */
  bound: Map<Symbol, Value>;
}

export function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Bit mask of all values of a finite scalar type. */
export function fullMask(t: Type): number {
  const n = cardinality(t);
  return n >= 32 ? -1 : (1 << n) - 1;
}

/** Encode an element into its bit, or throw EvalError when it is outside the element type. */
function elemBit(elem: Type, v: number, span: Span): number {
  const i = indexOfValue(elem, v);
  if (i < 0) throw new EvalError(`value ${v} is outside the set's element type ${typeToString(elem)}`, span, LangCodes.ValueOutOfRange);
  return 1 << i;
}

function num(v: Value): number {
  return v as number;
}

/** Largest magnitude of an integer that every stage computes exactly (the engines use IEEE doubles). */
export const MAX_EXACT_INT = Number.MAX_SAFE_INTEGER;
const MAX_EXACT = BigInt(MAX_EXACT_INT);

export function isExactInt(v: bigint): boolean {
  return v <= MAX_EXACT && v >= -MAX_EXACT;
}

function isIntType(t: Type | undefined): boolean {
  return t?.kind === "int";
}

/**
 * The exact value of an integer-typed expression, with BigInt intermediates:
 * arithmetic, negation and conditionals stay in BigInt; anything else (names,
 * map entries, fields, size()) is an already exact number.
 */
export function evalExactInt(e: Expr, env: ConstEnv): bigint {
  switch (e.kind) {
    case "IntLit": return BigInt(e.value);
    case "Unary": if (e.op === "-") return -evalExactInt(e.operand, env); break;
    case "Cond": return num(evalExpr(e.cond, env)) ? evalExactInt(e.then, env) : evalExactInt(e.else, env);
    case "Binary": {
      if (!isIntType(e.left.ty) || !isIntType(e.right.ty)) break;
      const a = evalExactInt(e.left, env);
      const b = evalExactInt(e.right, env);
      switch (e.op) {
        case "+": return a + b;
        case "-": return a - b;
        case "*": return a * b;
        // BigInt division truncates toward zero and % takes the dividend's sign, as C's
        case "/": case "%":
          if (b === 0n) throw new EvalError("division by zero", e.span);
          return e.op === "/" ? a / b : a % b;
        default: break;
      }
      break;
    }
    default: break;
  }
  return BigInt(num(evalExpr(e, env)));
}

/** evalExactInt, as a number; a result outside ±MAX_EXACT_INT is an error. */
function exactNumber(e: Expr, env: ConstEnv): number {
  const v = evalExactInt(e, env);
  if (!isExactInt(v)) {
    throw new EvalError(`the value of this expression, ${v}, is outside the integers knot computes exactly (-${MAX_EXACT_INT}..${MAX_EXACT_INT})`, e.span, LangCodes.InexactInteger);
  }
  return Number(v);
}

export function evalExpr(e: Expr, env: ConstEnv): Value {
  switch (e.kind) {
    case "IntLit": return e.value;
    case "BoolLit": return e.value ? 1 : 0;
    case "NoneLit": case "NullLit": return 0;
    case "Name": {
      const s = e.sym;
      if (!s) throw new EvalError(`'${e.name}' cannot be evaluated`, e.span);
      switch (s.kind) {
        case "const": return env.constValue(s);
        case "member": return s.index;
        case "proc": return s.index + 1;
        case "type": return fullMask(s.type);
        case "bound": {
          const v = env.bound.get(s);
          if (v === undefined) throw new EvalError(`'${e.name}' has no value here`, e.span);
          return v;
        }
        default: throw new EvalError(`'${e.name}' is not a constant`, e.span);
      }
    }
    case "Unary": {
      if (e.op === "-") return exactNumber(e, env);
      return num(evalExpr(e.operand, env)) ? 0 : 1;
    }
    case "Binary": return evalBinary(e, env);
    case "SetLit": {
      if (e.ty?.kind === "ops") return e.ty.fields.map(() => 0);
      const elem = (e.ty as Type & { kind: "set" }).elem;
      let mask = 0;
      for (const x of e.elems) mask |= elemBit(elem, num(evalExpr(x, env)), x.span);
      return mask;
    }
    case "RecordLit": {
      const t = e.ty!;
      if (t.kind === "record") {
        return t.fields.map((f) => {
          const fe = e.fields.find((x) => x.name.name === f.name);
          return fe ? evalExpr(fe.value, env) : 0;
        });
      }
      if (t.kind === "ops") {
        return t.fields.map((f) => {
          const fe = e.fields.find((x) => x.name.name === f.name);
          return fe ? evalExpr(fe.value, env) : 0;
        });
      }
      throw new EvalError("record literal without a record type", e.span);
    }
    case "MapLit": {
      const t = e.ty as Type & { kind: "map" };
      const out: Value[] = new Array(cardinality(t.key));
      for (const entry of e.entries) {
        const k = num(evalExpr(entry.key, env));
        const i = indexOfValue(t.key, k);
        if (i < 0) throw new EvalError(`key ${k} is outside the map's key type ${typeToString(t.key)}`, entry.key.span, LangCodes.ValueOutOfRange);
        out[i] = evalExpr(entry.value, env);
      }
      return out;
    }
    case "MapComp": {
      const t = e.ty as Type & { kind: "map" };
      const n = cardinality(t.key);
      const out: Value[] = [];
      for (let i = 0; i < n; i++) {
        env.bound.set(e.sym!, nthValue(t.key, i));
        out.push(evalExpr(e.body, env));
      }
      env.bound.delete(e.sym!);
      return out;
    }
    case "Index": {
      const target = evalExpr(e.target, env);
      const tt = e.target.ty!;
      const k = num(evalExpr(e.index, env));
      if (tt.kind !== "map") throw new EvalError("only maps can be indexed here", e.span);
      const i = indexOfValue(tt.key, k);
      if (i < 0) throw new EvalError(`index ${k} is outside the map's key type ${typeToString(tt.key)}`, e.index.span, LangCodes.ValueOutOfRange);
      return (target as Value[])[i]!;
    }
    case "Field": {
      const target = evalExpr(e.target, env) as Value[];
      const tt = e.target.ty!;
      if (tt.kind === "record" || tt.kind === "ops") {
        const i = tt.fields.findIndex((f) => f.name === e.field.name);
        return target[i]!;
      }
      throw new EvalError("field of a non-record", e.span);
    }
    case "Builtin": {
      if (e.fn.name === "size") return popcount(num(evalExpr(e.args[0]!, env)));
      throw new EvalError(`${e.fn.name}() needs a running thread and cannot be used in a constant`, e.span);
    }
    case "Cond": return num(evalExpr(e.cond, env)) ? evalExpr(e.then, env) : evalExpr(e.else, env);
    case "Quant": {
      const st = e.domain.ty as Type & { kind: "set" };
      const mask = num(evalExpr(e.domain, env));
      const n = cardinality(st.elem);
      let result = e.quant === "forall" ? 1 : 0;
      for (let i = 0; i < n; i++) {
        if (!((mask >>> i) & 1)) continue;
        env.bound.set(e.sym!, nthValue(st.elem, i));
        const b = num(evalExpr(e.body, env));
        if (e.quant === "forall" && !b) { result = 0; break; }
        if (e.quant === "exists" && b) { result = 1; break; }
      }
      env.bound.delete(e.sym!);
      return result;
    }
    case "Alloc": throw new EvalError("alloc allocates at run time and cannot be part of a constant", e.span);
    case "ErrorExpr": throw new EvalError("erroneous expression", e.span);
  }
}

function evalBinary(e: Expr & { kind: "Binary" }, env: ConstEnv): Value {
  const lt = e.left.ty!;
  if (e.op === "and") return num(evalExpr(e.left, env)) ? evalExpr(e.right, env) : 0;
  if (e.op === "or") return num(evalExpr(e.left, env)) ? 1 : evalExpr(e.right, env);
  if (e.op === "=>") return num(evalExpr(e.left, env)) ? evalExpr(e.right, env) : 1;
  const intOperands = isIntType(e.left.ty) && isIntType(e.right.ty);
  if (intOperands) {
    switch (e.op) {
      case "+": case "-": case "*": case "/": case "%": return exactNumber(e, env);
      case "==": case "!=": case "<": case "<=": case ">": case ">=": {
        const x = evalExactInt(e.left, env);
        const y = evalExactInt(e.right, env);
        const r = e.op === "==" ? x === y : e.op === "!=" ? x !== y : e.op === "<" ? x < y : e.op === "<=" ? x <= y : e.op === ">" ? x > y : x >= y;
        return r ? 1 : 0;
      }
      default: break;
    }
  }
  const a = evalExpr(e.left, env);
  const b = evalExpr(e.right, env);
  switch (e.op) {
    case "==": return valuesEqualDeep(a, b) ? 1 : 0;
    case "!=": return valuesEqualDeep(a, b) ? 0 : 1;
    case "<": return num(a) < num(b) ? 1 : 0;
    case "<=": return num(a) <= num(b) ? 1 : 0;
    case ">": return num(a) > num(b) ? 1 : 0;
    case ">=": return num(a) >= num(b) ? 1 : 0;
    case "in": case "notin": {
      const st = e.right.ty as Type & { kind: "set" };
      const i = indexOfValue(st.elem, num(a));
      const inside = i >= 0 && ((num(b) >>> i) & 1) === 1;
      return (e.op === "in") === inside ? 1 : 0;
    }
    case "..": {
      const st = e.ty as Type & { kind: "set" };
      let mask = 0;
      for (let v = num(a); v <= num(b); v++) mask |= elemBit(st.elem, v, e.span);
      return mask;
    }
    case "+": if (lt.kind === "set") return num(a) | num(b); break;
    case "-": if (lt.kind === "set") return num(a) & ~num(b); break;
    case "&": return num(a) & num(b);
    default: break;
  }
  throw new EvalError(`operator ${e.op} cannot be evaluated here`, e.span);
}

function valuesEqualDeep(a: Value, b: Value): boolean {
  if (typeof a === "number" || typeof b === "number") return a === b;
  return a.length === b.length && a.every((x, i) => valuesEqualDeep(x, b[i]!));
}
