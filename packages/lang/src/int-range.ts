// Exact integers at run time. The engines compute with IEEE doubles, which are
// exact for integers up to ±(2^53 - 1) (MAX_EXACT_INT); state slots hold 32 bits
// (range types are checked against that where they are resolved). This pass
// bounds every integer expression a thread or a property evaluates, bottom-up
// from the ranges of what it reads, and rejects (K4011) any whose value or
// intermediate result could leave ±MAX_EXACT_INT, naming the expression and the
// bound. Within those bounds +, -, *, trunc(/) and % on doubles are exact, so the
// engines, the lowering's folding and the reference (which computes with BigInt)
// agree by construction.
//
// A closed constant subexpression (it reads nothing: literals, constants, enum
// members, bound variables of its own quantifiers) is evaluated exactly here
// instead, with BigInt intermediates, and its value is recorded on the node
// (`folded`) for the lowering to use: `(2147483647 * 2147483647) % 2` is 1 even
// though its intermediate product is far beyond 2^53.
import { type Block, type Expr, type Stmt, stmtExprs } from "./ast.js";
import { type ConstEnv, EvalError, MAX_EXACT_INT, evalExactInt, evalExpr, isExactInt } from "./const-eval.js";
import { type Diagnostic, LangCodes, error } from "./diagnostics.js";
import { spanText } from "./source.js";
import type { Symbol } from "./symbols.js";
import { MAX_SET_ELEMENTS } from "./types.js";

interface Interval {
  lo: bigint;
  hi: bigint;
}

const MAX = BigInt(MAX_EXACT_INT);
const STOP = Symbol("reported");

export interface RunTimeCode {
  bodies: Block[];
  conditions: Expr[];
}

/** Check every run-time expression of the model; folds closed constants on the way. */
export function checkExactIntegers(code: RunTimeCode, env: ConstEnv, diags: Diagnostic[]): void {
  const pass = new ExactIntegers(env, diags);
  for (const b of code.bodies) pass.block(b);
  for (const c of code.conditions) pass.root(c);
}

class ExactIntegers {
  /** Nodes that read no state and no variable bound outside them. */
  private readonly closed = new Set<Expr>();

  constructor(private readonly env: ConstEnv, private readonly diags: Diagnostic[]) {}

  block(b: Block): void {
    for (const s of b.stmts) this.stmt(s);
  }

  private stmt(s: Stmt): void {
    for (const e of stmtExprs(s)) if (e) this.root(e);
    switch (s.kind) {
      case "If": this.block(s.then); if (s.else) this.block(s.else); break;
      case "While": case "For": case "Pick": case "Atomic": this.block(s.body); break;
      case "Either": for (const b of s.branches) this.block(b); break;
      default: break;
    }
  }

  root(e: Expr): void {
    markClosed(e, new Set(), this.closed);
    this.visit(e);
  }

  /**
   * The interval of an integer-typed node; undefined for other types; STOP when
   * something inside has been reported (its parents are then not checked again).
   */
  private visit(e: Expr): Interval | undefined | typeof STOP {
    const t = e.ty;
    if ((t?.kind === "int" || t?.kind === "bool") && this.closed.has(e)) {
      const folded = this.fold(e);
      if (folded === STOP) return STOP;
      if (folded !== undefined) return t.kind === "int" ? { lo: folded, hi: folded } : undefined;
    }
    const r = this.structural(e);
    if (r === STOP) return STOP;
    if (r === undefined && t?.kind === "int") {
      // every integer a thread computes has a bound; not finding one is knot's fault, but refusing is safe
      this.diags.push(error(LangCodes.InexactArithmetic, `cannot bound the value of ${quote(e)}; knot computes integers exactly only within -${MAX_EXACT_INT}..${MAX_EXACT_INT}`, e.span));
      return STOP;
    }
    if (r && (r.lo < -MAX || r.hi > MAX)) {
      this.report(e, r, "");
      return STOP;
    }
    return r;
  }

  /** Evaluate a closed scalar exactly; undefined when it faults (the run-time check reports it). */
  private fold(e: Expr): bigint | undefined | typeof STOP {
    let v: bigint;
    try {
      v = e.ty!.kind === "int" ? evalExactInt(e, this.env) : BigInt(evalExpr(e, this.env) as number);
    } catch (err) {
      if (err instanceof EvalError) return undefined;
      throw err;
    }
    if (!isExactInt(v)) {
      this.diags.push(error(LangCodes.InexactArithmetic,
        `the value of ${quote(e)} is ${v}, outside the integers knot computes exactly (-${MAX_EXACT_INT}..${MAX_EXACT_INT})`, e.span));
      return STOP;
    }
    (e as { folded?: number }).folded = Number(v);
    return v;
  }

  private structural(e: Expr): Interval | undefined | typeof STOP {
    switch (e.kind) {
      case "IntLit": return point(BigInt(e.value));
      case "Name": return this.ofType(e);
      case "Unary": {
        const a = this.visit(e.operand);
        if (a === STOP) return STOP;
        return e.op === "-" && a ? { lo: -a.hi, hi: -a.lo } : undefined;
      }
      case "Binary": {
        const a = this.visit(e.left);
        const b = this.visit(e.right);
        if (a === STOP || b === STOP) return STOP;
        if (e.ty?.kind !== "int" || e.left.ty?.kind !== "int" || e.right.ty?.kind !== "int") return this.ofType(e);
        if (!a || !b) return undefined;
        const r = arithmetic(e.op, a, b);
        if (r && (r.lo < -MAX || r.hi > MAX)) {
          this.report(e, r, ` (${quote(e.left)} is ${show(a)}, ${quote(e.right)} is ${show(b)})`);
          return STOP;
        }
        return r;
      }
      case "Cond": {
        const c = this.visit(e.cond);
        const a = this.visit(e.then);
        const b = this.visit(e.else);
        if (c === STOP || a === STOP || b === STOP) return STOP;
        if (e.ty?.kind !== "int") return undefined;
        return a && b ? { lo: min(a.lo, b.lo), hi: max(a.hi, b.hi) } : undefined;
      }
      case "Builtin":
        if (this.visitAll(e.args)) return STOP;
        return e.fn.name === "size" ? { lo: 0n, hi: BigInt(MAX_SET_ELEMENTS) } : undefined;
      case "SetLit": return this.visitAll(e.elems) ? STOP : undefined;
      case "RecordLit": case "Alloc": return this.visitAll(e.fields.map((f) => f.value)) ? STOP : undefined;
      case "MapLit": return this.visitAll(e.entries.flatMap((en) => [en.key, en.value])) ? STOP : undefined;
      case "MapComp": case "Quant": return this.visitAll([e.domain, e.body]) ? STOP : undefined;
      case "Index": return this.visitAll([e.target, e.index]) ? STOP : this.ofType(e);
      case "Field": return this.visitAll([e.target]) ? STOP : this.ofType(e);
      default: return undefined;
    }
  }

  /** Visit each; true when something was reported. */
  private visitAll(es: Expr[]): boolean {
    let stopped = false;
    for (const x of es) if (this.visit(x) === STOP) stopped = true;
    return stopped;
  }

  /** What a read can give: the declared range of its type (a constant: its value). */
  private ofType(e: Expr): Interval | undefined {
    if (e.kind === "Name" && e.sym?.kind === "const") {
      const v = (e.sym as Symbol & { kind: "const" }).value;
      return typeof v === "number" && e.ty?.kind === "int" ? point(BigInt(v)) : undefined;
    }
    const t = e.ty;
    if (t?.kind !== "int" && t?.kind !== "refcount") return undefined;
    if (!Number.isFinite(t.lo) || !Number.isFinite(t.hi)) return undefined;
    return { lo: BigInt(t.lo), hi: BigInt(t.hi) };
  }

  private report(e: Expr, r: Interval, operands: string): void {
    const high = r.hi > MAX;
    const bound = `${high ? "as large as" : "as small as"} ${high ? r.hi : r.lo}`;
    this.diags.push(error(LangCodes.InexactArithmetic,
      `${quote(e)} can be ${bound}${operands}: knot computes integers exactly only within -${MAX_EXACT_INT}..${MAX_EXACT_INT}; narrow the ranges of its operands`, e.span));
  }
}

function point(v: bigint): Interval {
  return { lo: v, hi: v };
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function abs(a: bigint): bigint {
  return a < 0n ? -a : a;
}

function arithmetic(op: string, a: Interval, b: Interval): Interval | undefined {
  switch (op) {
    case "+": return { lo: a.lo + b.lo, hi: a.hi + b.hi };
    case "-": return { lo: a.lo - b.hi, hi: a.hi - b.lo };
    case "*": {
      const c = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
      return { lo: c.reduce(min), hi: c.reduce(max) };
    }
    case "/": {
      // |a / b| <= |a|, with the sign of a when b > 0 and the opposite sign when b < 0
      if (b.lo >= 0n) return { lo: min(0n, a.lo), hi: max(0n, a.hi) };
      if (b.hi <= 0n) return { lo: min(0n, -a.hi), hi: max(0n, -a.lo) };
      const m = max(abs(a.lo), abs(a.hi));
      return { lo: -m, hi: m };
    }
    case "%": {
      // the remainder has the dividend's sign and is smaller than the divisor in magnitude
      const d = max(abs(b.lo), abs(b.hi)) - 1n;
      const bound = d < 0n ? 0n : d;
      return { lo: a.lo < 0n ? -min(abs(a.lo), bound) : 0n, hi: a.hi > 0n ? min(a.hi, bound) : 0n };
    }
    default: return undefined;
  }
}

/** Mark the nodes of `e` that read nothing but constants and variables bound inside themselves. */
function markClosed(e: Expr, boundInside: Set<Symbol>, out: Set<Expr>): boolean {
  let ok: boolean;
  switch (e.kind) {
    case "IntLit": case "BoolLit": case "NoneLit": case "NullLit": ok = true; break;
    case "Name": {
      const k = e.sym?.kind;
      ok = k === "const" || k === "member" || k === "type" || k === "proc" || (k === "bound" && boundInside.has(e.sym!));
      break;
    }
    case "Unary": ok = markClosed(e.operand, boundInside, out); break;
    case "Binary": ok = all([e.left, e.right], boundInside, out); break;
    case "SetLit": ok = all(e.elems, boundInside, out); break;
    case "RecordLit": ok = all(e.fields.map((f) => f.value), boundInside, out); break;
    case "MapLit": ok = all(e.entries.flatMap((en) => [en.key, en.value]), boundInside, out); break;
    case "MapComp": case "Quant": {
      const d = markClosed(e.domain, boundInside, out);
      const inner = new Set(boundInside);
      if (e.sym) inner.add(e.sym);
      ok = markClosed(e.body, inner, out) && d;
      break;
    }
    case "Index": ok = all([e.target, e.index], boundInside, out); break;
    case "Field": ok = markClosed(e.target, boundInside, out) && e.target.ty?.kind !== "ref"; break;
    case "Builtin": ok = all(e.args, boundInside, out) && e.fn.name === "size"; break;
    case "Cond": ok = all([e.cond, e.then, e.else], boundInside, out); break;
    case "Alloc": all(e.fields.map((f) => f.value), boundInside, out); ok = false; break;
    default: ok = false; break;
  }
  if (ok) out.add(e);
  return ok;
}

/** Marks every one of `es` (no short cut: later ones have closed parts of their own). */
function all(es: Expr[], boundInside: Set<Symbol>, out: Set<Expr>): boolean {
  let ok = true;
  for (const x of es) if (!markClosed(x, boundInside, out)) ok = false;
  return ok;
}

function quote(e: Expr): string {
  const text = spanText(e.span).replace(/\s+/g, " ");
  return `'${text.length > 60 ? text.slice(0, 57) + "..." : text}'`;
}

function show(r: Interval): string {
  return r.lo === r.hi ? String(r.lo) : `${r.lo}..${r.hi}`;
}
