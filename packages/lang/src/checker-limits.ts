// The checker's share of the limits (limits.ts). The parser bounds what is
// written in one place; these bound what the checker builds from several:
// - ResolutionDepth: the checker resolves a constant or type used before its
//   declaration on demand, inside the expression or type that uses it, so a
//   chain of such uses nests as deep as all of them together. Past the limit
//   the innermost one is an error (K2007, K2009) instead of a stack overflow.
// - valueSlotsProblem: a map of maps, a record of maps or a map comprehension
//   whose values would take more than MAX_VALUE_SLOTS slots (K4005), or a type
//   nested too deeply through the named types it uses (K2009). The checker
//   refuses them before anything allocates a value of that type.
// - SuggestionBudget: "did you mean" compares a misspelt name with every name
//   in scope; a file with thousands of unknown names and thousands of globals
//   would be quadratic, so the comparisons of one run are capped.
import { type Diagnostic, LangCodes, error } from "./diagnostics.js";
import { MAX_EXPRESSION_DEPTH, MAX_TYPE_DEPTH, MAX_VALUE_SLOTS, formatCount } from "./limits.js";
import { closestName } from "./names.js";
import type { Span } from "./source.js";
import { type Type, cardinality, typeToString } from "./types.js";

/**
 * Past a limit, only the first place is reported: a chain of thousands of uses would
 * otherwise hit the limit once per stretch of MAX levels. The later ones still fail
 * (their expression or type has the error type), so the model does not compile.
 */
export class ResolutionDepth {
  private exprs = 0;
  private types = 0;
  private reported = new Set<string>();

  constructor(private readonly diagnostics: Diagnostic[]) {}

  /** Enter one more level of expression checking; false (and reported) past the limit. */
  enterExpr(span: Span): boolean {
    if (this.exprs >= MAX_EXPRESSION_DEPTH) {
      if (this.first(LangCodes.ExpressionTooDeep)) this.diagnostics.push(error(LangCodes.ExpressionTooDeep, `expression nested too deeply (more than ${MAX_EXPRESSION_DEPTH} levels, counting the constants it uses that are declared after it); declare them before their use`, span));
      return false;
    }
    this.exprs++;
    return true;
  }

  leaveExpr(): void {
    this.exprs--;
  }

  enterType(span: Span): boolean {
    if (this.types >= MAX_TYPE_DEPTH) {
      if (this.first(LangCodes.TypeTooDeep)) this.diagnostics.push(error(LangCodes.TypeTooDeep, `type nested too deeply (more than ${MAX_TYPE_DEPTH} levels, counting the types it uses that are declared after it); declare them before their use`, span));
      return false;
    }
    this.types++;
    return true;
  }

  leaveType(): void {
    this.types--;
  }

  /** Is this the first time this limit is reported in the run? */
  first(code: string): boolean {
    if (this.reported.has(code)) return false;
    this.reported.add(code);
    return true;
  }
}

interface TypeSize {
  /** Slots of one value, exact up to 2^53, then Infinity. */
  slots: number;
  depth: number;
  /** Some part has the error type (already reported). */
  error: boolean;
}

const sizes = new WeakMap<Type, TypeSize>();

/** The slots and nesting depth of a type's values (memoised: types are shared and immutable once built). */
export function typeSize(t: Type): TypeSize {
  const known = sizes.get(t);
  if (known) return known;
  let size: TypeSize;
  switch (t.kind) {
    case "map": {
      const k = typeSize(t.key);
      const v = typeSize(t.value);
      size = { slots: saturate(cardinality(t.key) * v.slots), depth: 1 + Math.max(k.depth, v.depth), error: k.error || v.error };
      break;
    }
    case "record": {
      let slots = 0;
      let depth = 0;
      let err = false;
      for (const f of t.fields) {
        const fs = typeSize(f.type);
        slots = saturate(slots + fs.slots);
        depth = Math.max(depth, fs.depth);
        err ||= fs.error;
      }
      size = { slots, depth: depth + 1, error: err };
      break;
    }
    case "set": {
      const e = typeSize(t.elem);
      size = { slots: 1, depth: 1 + e.depth, error: e.error };
      break;
    }
    case "ops": size = { slots: t.fields.length, depth: 2, error: false }; break;
    default: size = { slots: 1, depth: 1, error: t.kind === "error" };
  }
  sizes.set(t, size);
  return size;
}

function saturate(n: number): number {
  return n > Number.MAX_SAFE_INTEGER ? Infinity : n;
}

/**
 * Why values of a compound type cannot be allowed, as a diagnostic's code and message
 * (none when the reason is a part with the error type, already reported); undefined
 * when they can.
 */
export function valueSlotsProblem(t: Type): { code?: string; message: string } | undefined {
  const { slots, depth, error: err } = typeSize(t);
  if (err) return { message: "a part of the type is in error" };
  if (depth > MAX_TYPE_DEPTH) {
    return { code: LangCodes.TypeTooDeep, message: `type nested too deeply (more than ${MAX_TYPE_DEPTH} levels, counting the named types it uses); flatten it` };
  }
  if (slots > MAX_VALUE_SLOTS) {
    return { code: LangCodes.BadType, message: `a value of type ${shortType(t)} takes ${formatCount(slots)} slots; a value is limited to ${formatCount(MAX_VALUE_SLOTS)} (use smaller key types)` };
  }
  return undefined;
}

/** A type for a message: printed in full when short. */
export function shortType(t: Type): string {
  const s = typeToString(t);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** At most this many candidate names are compared over one checker run. */
export const SUGGESTION_COMPARISONS = 1_000_000;

export class SuggestionBudget {
  private left = SUGGESTION_COMPARISONS;

  /** The suggestion for a misspelt name, while the run's budget lasts; `candidates` is only built if it is searched. */
  closest(name: string, candidates: () => Iterable<string> & ({ size: number } | { length: number })): string | undefined {
    if (this.left <= 0) return undefined;
    const list = candidates();
    this.left -= "size" in list ? list.size : list.length;
    return closestName(name, list);
  }
}
