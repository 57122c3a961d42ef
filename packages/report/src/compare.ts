// What a change does to a protocol (knot compare): given the check reports of a
// base and a head (each explored completely with every distinct violation), the
// violations the head fixes, introduces or leaves as they were, the same for
// lock-order warnings, and both sides' statistics. Violations match by kind and
// the location of the statement at fault (file:line:col, plus the property name
// for invariant and final), with the two root files taken as the same file and
// imports compared relative to their root; when two model files are compared, a
// violation whose statement moved (same kind, statement, call chain and thread)
// still matches. Warnings match by their lock cycle. Pure: reads only the two
// reports. Also the comparison's text and JSON renderings (docs/json.md).
import { dirname, relative } from "node:path";
import type { SrcLoc } from "@knot/ir";
import type { CheckReport, ViolationReport, WarningReport } from "./check-report.js";
import { statisticsText, violationText, warningText } from "./text.js";
import { DEADLOCK_KINDS } from "./explanations.js";

export const COMPARE_VERSION = 1;

/** One side of a comparison: which model and constants, its verdict and statistics. */
export interface CompareSide {
  model: string;
  constants: CheckReport["constants"];
  search: CheckReport["search"];
  verdict: CheckReport["verdict"];
  violations: number;
  warnings: number;
  statistics: CheckReport["statistics"];
}

export interface CompareReport {
  knot: string;
  version: number;
  kind: "compare";
  /**
   * "regression": the head has a violation the base does not (under strict, also a
   * lock-order warning), and the base was explored completely; "incomplete": a
   * limit stopped either side (and there is no proven regression); "pass": neither.
   */
  verdict: "pass" | "regression" | "incomplete";
  strict: boolean;
  base: CompareSide;
  head: CompareSide;
  /**
   * fixed: from the base; introduced and unchanged: from the head. changed: a deadlock at the same
   * statement in both whose shape (who waits for what) differs, as both sides report it; not among
   * unchanged.
   */
  violations: { fixed: ViolationReport[]; introduced: ViolationReport[]; unchanged: ViolationReport[]; changed: { base: ViolationReport; head: ViolationReport }[] };
  warnings: { fixed: WarningReport[]; introduced: WarningReport[]; unchanged: WarningReport[] };
}

/** A source position with the model's own directory taken away, and its root file named "<root>". */
function placeOf(at: SrcLoc | undefined, model: string): string {
  if (!at) return "?";
  const file = at.file === model ? "<root>" : relative(dirname(model), at.file).replace(/\\/g, "/");
  return `${file}:${at.line}:${at.col}`;
}

/** The identity of a violation across two runs: kind, the statement at fault (or the property), and for properties the name. */
export function violationKey(v: ViolationReport, model: string): string {
  if (v.kind === "invariant" || v.kind === "final" || v.property !== undefined) return `${v.kind}|${v.property ?? ""}|${placeOf(v.at, model)}`;
  if (v.at) return `${v.kind}|${placeOf(v.at, model)}`;
  return `${v.kind}|${v.thread ?? ""}|${v.message}`;
}

/** The looser identity used for statements that moved: kind, property, statement text, call chain, thread. */
function movedKey(v: ViolationReport): string {
  const c = v.chains[0];
  const chain = c ? `${c.thread}|${c.frames.map((f) => f.proc).join(">")}|${c.statement.text}` : `${v.thread ?? ""}|${v.message}`;
  return `${v.kind}|${v.property ?? ""}|${chain}`;
}

/** A deadlock's shape: every blocked thread with what it waits for, sorted ("" for other violations). */
export function deadlockShape(v: ViolationReport): string {
  if (!DEADLOCK_KINDS.has(v.kind)) return "";
  return v.chains.map((c) => `${c.thread} waits for ${c.waitsFor.map((w) => w.lock ?? w.completion ?? w.gracePeriod ?? w.work ?? w.condition ?? "?").join(" and ") || "nothing"}`).sort().join("; ");
}

/** A lock cycle, rotated to start at its smallest lock name so that both sides spell it alike. */
export function warningKey(w: WarningReport): string {
  const locks = w.locks;
  if (locks.length === 0) return w.message;
  if (w.recursive) return `recursive ${locks[0]}`;
  let start = 0;
  locks.forEach((l, i) => {
    if (l < locks[start]!) start = i;
  });
  return [...locks.slice(start), ...locks.slice(0, start)].join(" -> ");
}

/** Split base and head items into fixed, introduced and unchanged, each list in its own side's order (first item per key). */
function match<T>(base: readonly T[], head: readonly T[], keys: ((x: T, side: "base" | "head") => string)[]): { fixed: T[]; introduced: T[]; unchanged: T[] } {
  const firstPerKey = (items: readonly T[], side: "base" | "head", key: (x: T, side: "base" | "head") => string) => {
    const seen = new Set<string>();
    return items.filter((x) => {
      const k = key(x, side);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  };
  let fixed = firstPerKey(base, "base", keys[0]!);
  let introduced = firstPerKey(head, "head", keys[0]!);
  const unchanged: T[] = [];
  for (const key of keys) {
    const baseKeys = new Set(fixed.map((x) => key(x, "base")));
    const headKeys = new Set(introduced.map((x) => key(x, "head")));
    unchanged.push(...introduced.filter((x) => baseKeys.has(key(x, "head"))));
    fixed = fixed.filter((x) => !headKeys.has(key(x, "base")));
    introduced = introduced.filter((x) => !baseKeys.has(key(x, "head")));
  }
  const order = new Map(head.map((x, i) => [x, i]));
  unchanged.sort((a, b) => order.get(a)! - order.get(b)!);
  return { fixed, introduced, unchanged };
}

function side(r: CheckReport): CompareSide {
  return {
    model: r.model, constants: r.constants, search: r.search, verdict: r.verdict,
    violations: r.violations.length, warnings: r.warnings.length, statistics: r.statistics,
  };
}

export interface CompareOptions {
  version: string;
  /** Introduced lock-order warnings count as a regression. */
  strict?: boolean;
}

/** Compare the reports of a base and a head (both should come from runs with every violation, not the first). */
export function compareReports(base: CheckReport, head: CheckReport, options: CompareOptions): CompareReport {
  const modelOf = (s: "base" | "head") => (s === "base" ? base.model : head.model);
  const violations = match(base.violations, head.violations, [
    (v, s) => violationKey(v, modelOf(s)),
    ...(base.model !== head.model ? [(v: ViolationReport) => movedKey(v)] : []),
  ]);
  // a deadlock that stayed at its statement but now has other waiters, or waits for other locks, changed
  const changed: { base: ViolationReport; head: ViolationReport }[] = [];
  const baseByKey = new Map(base.violations.map((v) => [violationKey(v, base.model), v] as const));
  const unchanged = violations.unchanged.filter((h) => {
    const b = baseByKey.get(violationKey(h, head.model));
    if (!b || deadlockShape(b) === deadlockShape(h)) return true;
    changed.push({ base: b, head: h });
    return false;
  });
  const warnings = match(base.warnings, head.warnings, [(w) => warningKey(w)]);
  const strict = options.strict ?? false;
  const regressed = violations.introduced.length > 0 || (strict && warnings.introduced.length > 0);
  const complete = base.statistics.complete && head.statistics.complete;
  const verdict = regressed && base.statistics.complete ? "regression" : complete ? "pass" : "incomplete";
  return { knot: options.version, version: COMPARE_VERSION, kind: "compare", verdict, strict, base: side(base), head: side(head), violations: { ...violations, unchanged, changed }, warnings };
}

// ---------------------------------------------------------------- rendering

function loc(a: SrcLoc): string {
  return `${a.file}:${a.line}:${a.col}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function describeSide(s: CompareSide): string {
  const set = s.constants.filter((c) => c.overridden);
  return `${s.model}${set.length ? ` (${set.map((c) => `${c.name} = ${c.value}`).join(", ")})` : ""}`;
}

function sideSummary(s: CompareSide): string {
  const found = s.violations ? plural(s.violations, "violation") : s.statistics.complete ? "no violation" : "no violation so far";
  return s.warnings ? `${found}, ${plural(s.warnings, "lock-order warning")}` : found;
}

function sideStatistics(s: CompareSide): string {
  // statisticsText reads only the search order and the statistics
  return statisticsText({ search: s.search, statistics: s.statistics } as CheckReport);
}

function headline(c: CompareReport): string {
  const v = c.violations;
  const w = c.warnings;
  const introduced = [
    ...(v.introduced.length ? [plural(v.introduced.length, "violation")] : []),
    ...(w.introduced.length ? [plural(w.introduced.length, "lock-order warning")] : []),
  ];
  const fixed = [
    ...(v.fixed.length ? [plural(v.fixed.length, "violation")] : []),
    ...(w.fixed.length ? [plural(w.fixed.length, "lock-order warning")] : []),
  ];
  let what: string;
  if (introduced.length && fixed.length) what = `the head introduces ${introduced.join(" and ")}, and fixes ${fixed.join(" and ")}`;
  else if (introduced.length) what = `the head introduces ${introduced.join(" and ")}`;
  else if (fixed.length) what = `the head fixes ${fixed.join(" and ")}, and introduces none`;
  else what = "the head has the same violations and lock-order warnings as the base";
  if (c.verdict === "incomplete") {
    const stopped = c.base.statistics.complete ? "the head before it" : c.head.statistics.complete ? "the base before it" : "both sides before they";
    return `incomplete: a limit stopped the search of ${stopped} finished; so far ${what}`;
  }
  const lenient = c.verdict === "pass" && w.introduced.length ? " (lock-order warnings are a regression only under --strict)" : "";
  return `${c.verdict}: ${what}${lenient}`;
}

function oneLine(v: ViolationReport): string {
  const word = v.kind === "pool-exhausted" ? "error" : "violation";
  return `  ${word}[${v.kind}]: ${v.message}${v.at ? `\n    at ${loc(v.at)}` : ""}`;
}

/** The comparison as text: the verdict, both sides, then introduced (in full, as knot check prints them), fixed and unchanged findings. */
export function renderCompareText(c: CompareReport): string {
  const out: string[] = [headline(c)];
  for (const [name, s] of [["base", c.base], ["head", c.head]] as const) {
    out.push(`  ${name}  ${describeSide(s)}: ${sideSummary(s)}`);
    out.push(`        ${sideStatistics(s)}`);
  }
  const v = c.violations;
  const w = c.warnings;
  out.push("");
  out.push(`introduced (in the head, not in the base): ${v.introduced.length ? plural(v.introduced.length, "violation") : "none"}`);
  for (const x of v.introduced) out.push("", violationText(x));
  if (v.introduced.length) out.push("");
  out.push(`fixed (in the base, not in the head): ${v.fixed.length ? plural(v.fixed.length, "violation") : "none"}`);
  for (const x of v.fixed) out.push(oneLine(x));
  if (v.changed.length) {
    out.push(`changed (at the same statement in both, but another deadlock): ${plural(v.changed.length, "violation")}`);
    for (const x of v.changed) out.push(oneLine(x.head), `    base: ${deadlockShape(x.base)}`, `    head: ${deadlockShape(x.head)}`);
  }
  out.push(`unchanged (in both): ${v.unchanged.length ? plural(v.unchanged.length, "violation") : "none"}`);
  for (const x of v.unchanged) out.push(oneLine(x));
  if (!w.introduced.length && !w.fixed.length && !w.unchanged.length) {
    out.push("lock-order warnings: none on either side");
  } else {
    out.push("");
    out.push(`lock-order warnings introduced: ${w.introduced.length ? plural(w.introduced.length, "warning") : "none"}${c.strict && w.introduced.length ? " (a regression under --strict)" : ""}`);
    for (const x of w.introduced) out.push("", warningText(x));
    if (w.introduced.length) out.push("");
    out.push(`lock-order warnings fixed: ${w.fixed.length ? "" : "none"}`.trimEnd());
    for (const x of w.fixed) out.push(`  ${x.message}`);
    out.push(`lock-order warnings unchanged: ${w.unchanged.length ? "" : "none"}`.trimEnd());
    for (const x of w.unchanged) out.push(`  ${x.message}`);
  }
  return out.join("\n") + "\n";
}

export function renderCompareJson(c: CompareReport): string {
  return JSON.stringify(c, null, 2) + "\n";
}
