// Long chains the lowering builds from one source construct (the slot-by-slot
// comparison of two maps, a map entry chosen at run time, a set literal with many
// elements) as balanced trees, so that no later stage (both engines, the IR
// printer) recurses deeper than about log2 of their length. Short chains keep
// their left-leaning shape, which is what `knot compile --emit ir` prints for
// every model of ordinary size. Evaluation order is unchanged: the operands are
// still evaluated left to right, and `and` still stops at the first false one.
import type { Expr } from "./model.js";

/** Up to this many operands, a chain is built left-leaning as written. */
export const LINEAR_CHAIN_MAX = 32;

/** `items` combined left to right: ((first ∘ x1) ∘ x2) ... from `start`, balanced when long. */
export function foldChain(start: Expr, items: readonly Expr[], combine: (a: Expr, b: Expr) => Expr): Expr {
  const linear = (lo: number, hi: number, acc: Expr): Expr => {
    for (let i = lo; i < hi; i++) acc = combine(acc, items[i]!);
    return acc;
  };
  if (items.length <= LINEAR_CHAIN_MAX) return linear(0, items.length, start);
  const tree = (lo: number, hi: number): Expr => {
    if (hi - lo <= LINEAR_CHAIN_MAX) return linear(lo + 1, hi, items[lo]!);
    const mid = (lo + hi) >>> 1;
    return combine(tree(lo, mid), tree(mid, hi));
  };
  return combine(start, tree(0, items.length));
}

/**
 * The entry of a column of slot expressions at a position computed at run time
 * (always within the column: out of range it faults first), given the tests
 * `position == i` and `position < i`: a linear chain of tests for short columns,
 * a binary search for long ones.
 */
export function selectEntry(column: readonly Expr[], eq: (i: number) => Expr, below: (i: number) => Expr, ite: (c: Expr, a: Expr, b: Expr) => Expr): Expr {
  const n = column.length;
  if (n <= LINEAR_CHAIN_MAX) {
    let acc: Expr = column[n - 1]!;
    for (let i = n - 2; i >= 0; i--) acc = ite(eq(i), column[i]!, acc);
    return acc;
  }
  const search = (lo: number, hi: number): Expr => {
    if (hi - lo === 1) return column[lo]!;
    const mid = (lo + hi) >>> 1;
    return ite(below(mid), search(lo, mid), search(mid, hi));
  };
  return search(0, n);
}
