// Tests of the comparison of two check reports: which violations and lock-order
// warnings a head fixes, introduces or leaves, how they are matched (kind and
// statement, property name, lock cycle; moved statements across two files), the
// verdict with complete and incomplete sides, and the text rendering.
import { describe, expect, it } from "vitest";
import type { SearchOptions } from "@knot/engine";
import { check } from "../../engine/src/test-pipeline.js";
import { type CheckReport, buildCheckReport } from "./check-report.js";
import { compareReports, renderCompareText, warningKey } from "./compare.js";

function report(source: string, set: Record<string, string> = {}, path?: string, search: SearchOptions = {}): CheckReport {
  const r = check(source, { all: true, ...search }, { set, path });
  return buildCheckReport(r.model, r, { search: "bfs", version: "test" });
}

/** Two independent bugs, each switched by a constant, and a lock-order cycle (that cannot deadlock) switched by a third. */
const TWO_BUGS = `
const UNDERFLOW: bool = false
const DOUBLE_LOCK: bool = false
const ABBA: bool = false
mutex a
mutex b
refcount ref = 1
process p {
  put ref
  if UNDERFLOW { put ref }
}
process q {
  lock a
  if DOUBLE_LOCK { lock a }
  unlock a
}
var s_done: bool = false
process r {
  if ABBA { await s_done; lock b; lock a; unlock a; unlock b }   // after s: a cycle lockdep sees, but no deadlock
}
process s {
  lock a; lock b; unlock b; unlock a; s_done := true
}
invariant small: ref <= 1
`;

const kinds = (vs: { kind: string }[]) => vs.map((v) => v.kind);

describe("compareReports", () => {
  it("sorts violations into fixed, introduced and unchanged by kind and statement", () => {
    const base = report(TWO_BUGS, { UNDERFLOW: "true" });
    const head = report(TWO_BUGS, { UNDERFLOW: "true", DOUBLE_LOCK: "true" });
    const c = compareReports(base, head, { version: "test" });
    expect(kinds(c.violations.introduced)).toEqual(["recursive-locking"]);
    expect(kinds(c.violations.unchanged)).toEqual(["refcount-underflow"]);
    expect(c.violations.fixed).toEqual([]);
    expect(c.verdict).toBe("regression");

    const back = compareReports(head, base, { version: "test" });
    expect(kinds(back.violations.fixed)).toEqual(["recursive-locking"]);
    expect(back.violations.introduced).toEqual([]);
    expect(back.verdict).toBe("pass");
  });

  it("a lock-order warning the head introduces is a regression only under strict", () => {
    const base = report(TWO_BUGS);
    const head = report(TWO_BUGS, { ABBA: "true" });
    expect(head.warnings).toHaveLength(1);
    const lenient = compareReports(base, head, { version: "test" });
    expect(lenient.warnings.introduced.map((w) => w.message)).toEqual(["possible circular locking dependency: a -> b -> a"]);
    expect(lenient.verdict).toBe("pass");
    expect(renderCompareText(lenient).split("\n")[0]).toBe("pass: the head introduces 1 lock-order warning (lock-order warnings are a regression only under --strict)");
    expect(compareReports(base, head, { version: "test", strict: true }).verdict).toBe("regression");
    expect(compareReports(head, base, { version: "test", strict: true }).warnings.fixed).toHaveLength(1);
  });

  it("matches lock cycles whatever lock they start at", () => {
    const w = (locks: string[]) => ({ kind: "lock-order" as const, message: "", explanation: "", locks, edges: [] });
    expect(warningKey(w(["b", "c", "a"]))).toBe(warningKey(w(["a", "b", "c"])));
    expect(warningKey(w(["a", "c", "b"]))).not.toBe(warningKey(w(["a", "b", "c"])));
  });

  it("matches invariant violations by property name", () => {
    const src = (inv: string) => `
var x: 0..3 = 0
process p { x := 2 }
invariant ${inv}: x <= 1
`;
    const c = compareReports(report(src("small")), report(src("tiny")), { version: "test" });
    expect(c.violations.fixed.map((v) => v.property)).toEqual(["small"]);
    expect(c.violations.introduced.map((v) => v.property)).toEqual(["tiny"]);
  });

  it("two model files: the root files are the same file, and a statement that moved still matches", () => {
    const base = report(TWO_BUGS, { DOUBLE_LOCK: "true" }, "base.knot");
    const head = report(`// two lines\n// more\n${TWO_BUGS}`, { DOUBLE_LOCK: "true", UNDERFLOW: "true" }, "head.knot");
    const c = compareReports(base, head, { version: "test" });
    expect(kinds(c.violations.unchanged)).toEqual(["recursive-locking"]);
    expect(kinds(c.violations.introduced)).toEqual(["refcount-underflow"]);
    expect(c.violations.fixed).toEqual([]);
    // the same line in both files is the same statement
    const same = compareReports(report(TWO_BUGS, { DOUBLE_LOCK: "true" }, "a/m.knot"), report(TWO_BUGS, { DOUBLE_LOCK: "true" }, "b/m.knot"), { version: "test" });
    expect(kinds(same.violations.unchanged)).toEqual(["recursive-locking"]);
  });

  it("one model under two settings does not match statements that merely look alike", () => {
    // the same statement text in two processes: a different place is a different violation
    const src = (which: string) => `
mutex a
process p { lock a; ${which === "p" ? "lock a;" : ""} unlock a }
process q { lock a; ${which === "q" ? "lock a;" : ""} unlock a }
`;
    const c = compareReports(report(src("p")), report(src("q")), { version: "test" });
    expect(c.violations.fixed).toHaveLength(1);
    expect(c.violations.introduced).toHaveLength(1);
  });

  it("when a limit stopped the base, nothing is proven introduced; a complete base proves it even if the head stopped", () => {
    const small = report(TWO_BUGS);
    const cut = report(TWO_BUGS, { DOUBLE_LOCK: "true" }, undefined, { maxStates: 3 });
    expect(cut.statistics.complete).toBe(false);
    expect(compareReports(cut, small, { version: "test" }).verdict).toBe("incomplete");
    expect(compareReports(small, small, { version: "test" }).verdict).toBe("pass");
    const headCut = report(TWO_BUGS, { UNDERFLOW: "true" }, undefined, { maxStates: 6 });
    expect(headCut.statistics.complete).toBe(false);
    expect(headCut.violations.length).toBeGreaterThan(0);
    expect(compareReports(small, headCut, { version: "test" }).verdict).toBe("regression");
    expect(compareReports(cut, headCut, { version: "test" }).verdict).toBe("incomplete");
    expect(renderCompareText(compareReports(cut, small, { version: "test" })).split("\n")[0]).toMatch(/^incomplete: a limit stopped the search of the base before it finished; so far /);
  });

  it("prints introduced violations in full and the others one per line", () => {
    const base = report(TWO_BUGS, { UNDERFLOW: "true" });
    const head = report(TWO_BUGS, { DOUBLE_LOCK: "true" });
    const text = renderCompareText(compareReports(base, head, { version: "test" }));
    expect(text.split("\n")[0]).toBe("regression: the head introduces 1 violation, and fixes 1 violation");
    expect(text).toContain("introduced (in the head, not in the base): 1 violation\n\nviolation[recursive-locking]: q waits for a, which it already holds\n  A thread waits for itself");
    expect(text).toContain("  Trace (");
    expect(text).toMatch(/fixed \(in the base, not in the head\): 1 violation\n {2}violation\[refcount-underflow\]: .*\n {4}at model\.knot:10:18\n/);
    expect(text).toContain("unchanged (in both): none");
  });

  it("a deadlock at the same statement with other waiters is changed, not unchanged", () => {
    const src = `
const HEAD: bool = false
mutex a
mutex b
mutex c
process p { lock a; lock b; unlock b; unlock a }
process q { lock b; if HEAD { lock c; unlock c } else { lock a; unlock a }; unlock b }
process r { if HEAD { lock c; lock a; unlock a; unlock c } }
`;
    const c = compareReports(report(src), report(src, { HEAD: "true" }), { version: "test" });
    const cycles = (xs: readonly { kind: string }[]) => xs.filter((x) => x.kind === "lock-cycle");
    expect(cycles(c.violations.unchanged)).toEqual([]);
    expect(c.violations.changed.map((x) => x.head.kind)).toContain("lock-cycle");
    const text = renderCompareText(c);
    expect(text).toContain("changed (at the same statement in both, but another deadlock)");
    expect(text).toMatch(/base: p waits for b; q waits for a/);
    expect(text).toMatch(/head: p waits for b; q waits for c; r waits for a/);
    // the same deadlock on both sides stays unchanged
    const same = compareReports(report(src), report(src), { version: "test" });
    expect(same.violations.changed).toEqual([]);
    expect(cycles(same.violations.unchanged)).toHaveLength(1);
  });
});

