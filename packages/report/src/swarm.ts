// Swarm verification's merge (docs/cli.md, "Swarm"): the JSON reports of the members of a
// swarm (`knot check --swarm I/N`, each a seed-diversified depth-first search, usually with a
// budget) become one verdict. Every distinct violation found by any member is kept once,
// with the shortest trace any member found for it (ties: the lowest member); lock-order
// warnings likewise. The verdict is `violation` when a member found one, `pass` only when a
// member searched the whole state space (a swarm of partial searches proves nothing), and
// `incomplete` otherwise. The merged report is a check report (so `knot trace` renders it)
// with `merged` saying what each member covered.
import type { CheckReport, ViolationReport, WarningReport } from "./check-report.js";
import { constantsLine, violationText, warningText } from "./text.js";

/** One member of a swarm, as its report says it (`knot check --swarm I/N --seed S`). */
export interface SwarmMember {
  member: number;
  members: number;
  seed: number;
}

/** What one merged report covered. */
export interface MergedMember {
  file: string;
  swarm?: SwarmMember;
  states: number;
  transitions: number;
  depth: number;
  seconds: number;
  complete: boolean;
  stoppedBy?: string;
  limit?: string;
  store?: string;
  violations: number;
}

export interface MergedReport extends CheckReport {
  merged: {
    members: MergedMember[];
    /** Per violation and warning of the merged report (same order): the members that found it. */
    foundBy: { violations: number[][]; warnings: number[][] };
  };
}

/** Why reports cannot be merged, or the merged report. */
export type MergeResult = { ok: true; report: MergedReport } | { ok: false; problem: string };

const loc = (a: { file: string; line: number; col: number } | undefined) => (a ? `${a.file}:${a.line}:${a.col}` : "");
const violationKey = (v: ViolationReport) => `${v.kind}|${loc(v.at)}|${v.message}`;
const traceLength = (v: ViolationReport) => v.trace.steps.length;
const warningLength = (w: WarningReport) => w.edges.reduce((n, e) => n + e.trace.steps.length, 0);

/** The constants a report was checked with, as a phrase. */
function settingsText(r: CheckReport): string {
  const line = constantsLine(r).trim().replace(/^\((.*)\)$/, "$1");
  return line || "the defaults";
}

function settings(r: CheckReport): string {
  return JSON.stringify(r.constants.map((c) => [c.name, c.value]));
}

/** Merge the reports of a swarm's members (`files[i]` is where `reports[i]` came from). */
export function mergeSwarmReports(files: readonly string[], reports: readonly CheckReport[]): MergeResult {
  const first = reports[0];
  if (!first) return { ok: false, problem: "no reports to merge" };
  for (let i = 1; i < reports.length; i++) {
    const r = reports[i]!;
    if (r.model !== first.model) return { ok: false, problem: `'${files[i]}' is a report on ${r.model}, '${files[0]}' on ${first.model}: a swarm checks one model` };
    if (settings(r) !== settings(first)) return { ok: false, problem: `'${files[i]}' and '${files[0]}' check ${r.model} with different constants: ${settingsText(r)}, against ${settingsText(first)}` };
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < reports.length; i++) {
    const s = reports[i]!.swarm;
    if (!s) continue;
    const key = `${s.member}/${s.members}/${s.seed}`;
    const before = seen.get(key);
    if (before !== undefined) return { ok: false, problem: `'${files[i]}' and '${files[before]}' are the same swarm member (${s.member} of ${s.members}, seed ${s.seed}): counting it twice would overstate what the swarm covered` };
    seen.set(key, i);
  }

  // every distinct finding once, with the shortest trace found for it
  const violations = new Map<string, { v: ViolationReport; by: number[] }>();
  const warnings = new Map<string, { w: WarningReport; by: number[] }>();
  reports.forEach((r, i) => {
    for (const v of r.violations) {
      const key = violationKey(v);
      const had = violations.get(key);
      if (!had) violations.set(key, { v, by: [i] });
      else {
        had.by.push(i);
        if (traceLength(v) < traceLength(had.v)) had.v = v;
      }
    }
    for (const w of r.warnings) {
      const had = warnings.get(w.message);
      if (!had) warnings.set(w.message, { w, by: [i] });
      else {
        had.by.push(i);
        if (warningLength(w) < warningLength(had.w)) had.w = w;
      }
    }
  });
  const members: MergedMember[] = reports.map((r, i) => ({
    file: files[i]!,
    ...(r.swarm ? { swarm: r.swarm } : {}),
    states: r.statistics.states,
    transitions: r.statistics.transitions,
    depth: r.statistics.depth,
    seconds: r.statistics.seconds,
    complete: r.statistics.complete,
    ...(r.statistics.stoppedBy ? { stoppedBy: r.statistics.stoppedBy } : {}),
    ...(r.statistics.limit ? { limit: r.statistics.limit } : {}),
    ...(r.statistics.store ? { store: r.statistics.store } : {}),
    violations: r.violations.length,
  }));
  const exhaustive = reports.find((r) => r.statistics.complete);
  const vs = [...violations.values()];
  const ws = [...warnings.values()];
  const verdict = vs.length > 0 ? "violation" : exhaustive ? "pass" : "incomplete";
  // the statistics of the member that covered most (the totals overlap: members revisit states)
  const widest = [...reports].sort((a, b) => b.statistics.states - a.statistics.states)[0]!;
  return {
    ok: true,
    report: {
      knot: first.knot,
      version: first.version,
      model: first.model,
      constants: first.constants,
      search: "dfs",
      verdict,
      violations: vs.map((x) => x.v),
      warnings: ws.map((x) => x.w),
      statistics: { ...(exhaustive ?? widest).statistics },
      merged: { members, foundBy: { violations: vs.map((x) => x.by), warnings: ws.map((x) => x.by) } },
    },
  };
}

/** A member as the text names it: by number (with its seed when the members' seeds differ), or by file. */
function memberName(m: MergedMember, oneSeed: boolean): string {
  return m.swarm ? `member ${m.swarm.member} of ${m.swarm.members}${oneSeed ? "" : ` (seed ${m.swarm.seed})`}` : m.file;
}

function coverageText(m: MergedMember, oneSeed: boolean): string {
  const what = m.complete ? "the whole state space" : m.stoppedBy === "violation" ? "stopped at its first violation" : m.stoppedBy ? `stopped by ${m.limit ?? m.stoppedBy}` : "not finished";
  return `${memberName(m, oneSeed)}: ${m.states} states, ${m.transitions} transitions, depth ${m.depth}, ${m.seconds.toFixed(2)} s, ${what}${m.violations ? `, ${m.violations} violation${m.violations === 1 ? "" : "s"}` : ""}`;
}

/** The merged verdict as text: what each member covered, every distinct finding with its shortest trace, and what the verdict means. */
export function renderSwarmText(r: MergedReport): string {
  const out: string[] = [];
  const header = `${r.model}${constantsLine(r)}`;
  const n = r.merged.members.length;
  const found = r.violations.length;
  const head = r.verdict === "violation" ? `${found} violation${found === 1 ? "" : "s"}` : r.verdict === "pass" ? "pass" : "no violation found";
  const warned = r.warnings.length ? ` (${r.warnings.length} lock-order warning${r.warnings.length === 1 ? "" : "s"})` : "";
  const seeds = new Set(r.merged.members.map((m) => m.swarm?.seed));
  const oneSeed = seeds.size === 1 && !seeds.has(undefined);
  out.push(`swarm of ${n} report${n === 1 ? "" : "s"}${oneSeed ? ` (seed ${[...seeds][0]})` : ""}: ${header}: ${head}${warned}`);
  for (const m of r.merged.members) out.push(`  ${coverageText(m, oneSeed)}`);
  const names = (by: number[]) => by.map((i) => memberName(r.merged.members[i]!, oneSeed)).join(", ");
  // two violations with one headline (at different statements) say where each is, as --all does
  const headlines = new Map<string, number>();
  for (const v of r.violations) headlines.set(`${v.kind}: ${v.message}`, (headlines.get(`${v.kind}: ${v.message}`) ?? 0) + 1);
  r.violations.forEach((v, i) => {
    const by = r.merged.foundBy.violations[i]!;
    out.push("", violationText(v, headlines.get(`${v.kind}: ${v.message}`)! > 1), `  found by ${names(by)}; the trace shown is the shortest of them (${v.trace.steps.length} step${v.trace.steps.length === 1 ? "" : "s"})`);
  });
  r.warnings.forEach((w, i) => {
    out.push("", warningText(w), `  found by ${names(r.merged.foundBy.warnings[i]!)}`);
  });
  out.push("");
  const exhaustive = r.merged.members.filter((m) => m.complete);
  if (r.verdict === "violation") out.push("verdict: violation (each trace is a real run of the model, whatever the rest of the swarm covered)");
  else if (r.verdict === "pass") {
    const fp = exhaustive.every((m) => m.store === "fingerprint") ? ", with fingerprints (as any fingerprint search: a collision could have hidden a state)" : "";
    out.push(`verdict: pass: ${memberName(exhaustive[0]!, oneSeed)} searched the whole state space${fp}`);
  } else out.push("verdict: incomplete: no member searched the whole state space, so a swarm without a violation is not a proof; raise the members' budgets or add members");
  return out.join("\n") + "\n";
}

export function renderSwarmJson(r: MergedReport): string {
  return JSON.stringify(r, null, 2) + "\n";
}
