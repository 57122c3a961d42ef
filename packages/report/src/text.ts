// A check report as text for a terminal or a review: per violation a headline,
// its one-sentence explanation, the call chain of each thread involved (as in
// kernel commit messages), then the numbered trace with what each step changed.
import type { SrcLoc } from "@knot/ir";
import { type CallChain, type CheckReport, type ObjectHistory, type TraceReport, type ViolationReport, type WarningReport, edgeAction } from "./check-report.js";

function loc(a: SrcLoc): string {
  return `${a.file}:${a.line}:${a.col}`;
}

/** The longest of `texts`, at least `min` (a loop: a long trace has more steps than a call has room for arguments). */
function longest(texts: readonly string[], min = 0): number {
  let n = min;
  for (const t of texts) if (t.length > n) n = t.length;
  return n;
}

/** Append every line (not `push(...lines)`, which fails for a trace of a hundred thousand steps). */
function append(lines: string[], more: readonly string[]): void {
  for (const l of more) lines.push(l);
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s}  ` : s.padEnd(n);
}

export function constantsLine(r: CheckReport): string {
  const set = r.constants.filter((c) => c.overridden);
  return set.length ? ` (${set.map((c) => `${c.name} = ${c.value}`).join(", ")})` : "";
}

function chainText(c: CallChain): string[] {
  const rows: [string, string][] = [];
  rows.push([c.thread, c.frames.length === 0 && c.holds.length === 0 ? "" : ""]);
  for (const f of c.frames) rows.push([` -> ${f.proc}${f.via ? `  (via ${f.via})` : ""}`, loc(f.at)]);
  rows.push([` -> ${c.statement.text}`, loc(c.statement.at)]);
  const width = Math.min(60, longest(rows.map((r) => r[0])) + 2);
  const lines = rows.map(([a, b]) => `  ${pad(a, width)}${b}`.trimEnd());
  lines.splice(1, 0, ...c.holds.map((h) => {
    const stmt = h.statement && h.statement !== `lock ${h.lock}` ? ` (${h.statement})` : "";
    if (h.section) return `      inside a read-side section of ${h.lock}${h.at ? `, entered at ${loc(h.at)}` : ""}`;
    return `      holds ${h.lock}${h.at ? `, taken at ${loc(h.at)}${stmt}` : ""}`;
  }));
  for (const w of c.waitsFor) {
    if (w.lock) {
      const holders = (w.heldBy ?? []).map((h, i) => `${h}${w.holderFinished?.[i] ? " (finished)" : ""}`);
      const who = w.heldBySelf && holders.length === 1 ? `${c.thread} itself` : holders.join(" and ");
      lines.push(w.queued ? `      blocks: ${w.lock} has a writer waiting, ${who}, and a new reader queues behind it` : `      blocks: ${w.lock} is held by ${who}`);
    } else if (w.condition) {
      lines.push(`      blocks: ${w.condition}`);
    }
  }
  return lines;
}

/** Step-raised checks whose statement, with the check off, still runs (docs/cli.md, "What a statement does when its check is off"). */
const GOES_ON: ReadonlySet<string> = new Set([
  "use-after-free", "double-free", "held-lock-freed", "unlock-not-held", "sleep-in-atomic", "refcount-underflow",
  "refcount-inc-from-zero", "null-callback", "assertion", "exit-holding-lock",
]);

/** Items after a head, separated by commas, folded into lines of at most FOLD_WIDTH characters (one item per line at least). */
const FOLD_WIDTH = 100;
function foldItems(head: string, items: readonly string[]): string[] {
  const indent = " ".repeat(head.length);
  const lines: string[] = [];
  let line = head;
  items.forEach((item, i) => {
    const text = i < items.length - 1 ? `${item},` : item;
    const pieces = splitLong(text, FOLD_WIDTH - indent.length - 2);
    if (pieces.length > 1) {
      // a value longer than a line: its own lines, continued two columns in
      if (line !== head) lines.push(line);
      lines.push((line === head ? head : indent) + pieces[0]);
      for (const p of pieces.slice(1, -1)) lines.push(`${indent}  ${p}`);
      line = `${indent}  ${pieces[pieces.length - 1]}`;
      return;
    }
    if (line !== head && line.length + 1 + text.length > FOLD_WIDTH) {
      lines.push(line);
      line = indent + text;
    } else line = line === head ? head + text : `${line} ${text}`;
  });
  lines.push(line);
  return lines;
}

/**
 * A value too long for one line, cut at the commas between its top-level fields (inside its
 * outermost braces), each piece as long as fits in `width`: `kvm_device[0] = {ops: {…},` /
 * `kvm: kvm[0]}`; a piece still too long is cut one level deeper.
 */
function splitLong(text: string, width: number, level = 1): string[] {
  if (text.length <= width || level > 3) return [text];
  const cuts: number[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{" || c === "[" || c === "(") depth++;
    else if (c === "}" || c === "]" || c === ")") depth--;
    else if (c === "," && depth === level && text[i + 1] === " ") cuts.push(i + 1);
  }
  const pieces: string[] = [];
  let start = 0;
  let last = 0;
  for (const cut of [...cuts, text.length]) {
    if (cut - start > width && last > start) {
      pieces.push(text.slice(start, last).trimEnd());
      start = last + 1;
    }
    last = cut;
  }
  pieces.push(text.slice(start).trimEnd());
  return pieces.flatMap((p) => splitLong(p, width, level + 1));
}

export function traceText(t: TraceReport, kind: string, compact = false): string[] {
  const lines: string[] = [];
  lines.push(`  Trace (${t.steps.length} step${t.steps.length === 1 ? "" : "s"}):`);
  if (!t.initial.length) lines.push("    initial: (no shared state)");
  else append(lines, foldItems("    initial: ", t.initial.map((v) => `${v.name} = ${v.value}`)));
  const tw = longest(t.steps.map((s) => s.thread)) + 2;
  const sw = Math.min(48, longest(t.steps.flatMap((s) => [s.statement, ...(s.choiceStatement ? [s.choiceStatement.text] : [])])) + 2);
  for (const s of t.steps) {
    const n = String(s.index).padStart(4);
    const where = `${loc(s.at)}${s.frames.length ? `  in ${s.frames[s.frames.length - 1]}` : ""}`;
    if (s.choiceStatement) {
      // the choice on a line of its own, then the chosen branch's first action
      lines.push(`  ${n}  ${pad(s.thread, tw)}${pad(s.choiceStatement.text, sw)}${loc(s.choiceStatement.at)}`.trimEnd());
      // the either's place is on the line above
      lines.push(`          (${s.choice!.replace(` of the either at ${loc(s.choiceStatement.at)}`, "")})`);
      lines.push(`  ${" ".repeat(n.length)}  ${pad("", tw)}${pad(s.statement, sw)}${where}`.trimEnd());
    } else {
      lines.push(`  ${n}  ${pad(s.thread, tw)}${pad(s.statement, sw)}${where}`.trimEnd());
      if (s.choice) lines.push(`          (${s.choice})`);
    }
    for (const c of s.changes) lines.push(`          ${c.thread ? `${c.thread}'s ` : ""}${c.name}: ${c.before} → ${c.after}`);
    if (s.failed) lines.push(s.failure ? `          then ${s.failure.statement}  ${loc(s.failure.at)}\n          ^ ${kind} here` : `          ^ ${kind} here`);
    // a follow-on finding is hidden behind this one: say which check lets the step go on
    if (s.failed && GOES_ON.has(kind)) lines.push(`          (with --no-${kind} the step goes on, to show what it does next)`);
  }
  const unfinished = t.final.filter((f) => f.at !== "finished" && f.at !== "idle");
  if (unfinished.length && t.steps.length && kind !== "assertion" && !compact) {
    lines.push("    afterwards:");
    const w = longest(unfinished.map((f) => f.thread)) + 2;
    for (const f of unfinished) lines.push(`      ${pad(f.thread, w)}at ${f.at}`);
  }
  return lines;
}

export function violationText(v: ViolationReport, where = false): string {
  const lines: string[] = [];
  lines.push(`${v.kind === "pool-exhausted" ? "error" : "violation"}[${v.kind}]: ${v.message}${where && v.at ? ` (at ${loc(v.at)})` : ""}`);
  lines.push(`  ${v.explanation}`);
  if (v.property && v.at) lines.push(`  property ${v.property} at ${loc(v.at)}`);
  for (const c of v.chains) {
    lines.push("");
    append(lines, chainText(c));
  }
  if (v.history) append(lines, historyText(v.history));
  lines.push("");
  append(lines, traceText(v.trace, v.kind));
  return lines.join("\n");
}

/** KASAN's "Freed by task …" and "Allocated by task …", with the steps of the trace. */
function historyText(h: ObjectHistory): string[] {
  const lines: string[] = [];
  if (h.freed) {
    lines.push("", `  ${h.object} freed by ${h.freed.chain.thread} (step ${h.freed.step}):`);
    append(lines, chainText(h.freed.chain).slice(1).map((l) => `  ${l}`));
  }
  if (h.allocated && "initial" in h.allocated) lines.push("", `  ${h.object} allocated in the initial state`);
  else if (h.allocated) {
    lines.push("", `  ${h.object} allocated by ${h.allocated.chain.thread} (step ${h.allocated.step}):`);
    append(lines, chainText(h.allocated.chain).slice(1).map((l) => `  ${l}`));
  }
  return lines;
}

export function warningText(w: WarningReport): string {
  const lines: string[] = [];
  lines.push(`warning[${w.kind}]: ${w.message}`);
  lines.push(`  ${w.explanation}`);
  for (const e of w.edges) {
    lines.push("");
    lines.push(`  ${e.from} -> ${e.to}: ${edgeAction(e)}`);
    const chain: CallChain = { thread: e.thread, frames: e.frames, statement: e.statement, waitsFor: [], holds: e.held ? [e.held] : [] };
    append(lines, chainText(chain).map((l) => `  ${l}`));
    append(lines, traceText(e.trace, w.kind, true).map((l) => `  ${l}`));
  }
  return lines.join("\n");
}

export function statisticsText(r: CheckReport): string {
  const s = r.statistics;
  let base = `${s.states} state${s.states === 1 ? "" : "s"}, ${s.transitions} transition${s.transitions === 1 ? "" : "s"}, depth ${s.depth}, ${s.seconds.toFixed(2)} s`;
  if (s.store === "fingerprint") base += `; fingerprint store, collision probability ${(s.collisionProbability ?? 0).toExponential(1)}`;
  if (r.swarm) base += `; swarm member ${r.swarm.member} of ${r.swarm.members}, seed ${r.swarm.seed}`;
  if (s.complete) return `${base} (whole state space, ${r.search.toUpperCase()})`;
  if (s.stoppedBy === "violation") return `${base} (${r.search.toUpperCase()}, stopped at the first violation; --all keeps searching)`;
  if (s.stoppedBy === "max-states") return `${base} (stopped by the state limit${s.limit ? ` ${s.limit}` : ""} before the search finished)`;
  if (s.stoppedBy === "time-limit") return `${base} (stopped by the time limit${s.limit ? ` ${s.limit}` : ""} before the search finished)`;
  if (s.stoppedBy === "max-memory") return `${base} (stopped by the memory limit --max-memory at ${(s.bytes / 2 ** 20).toFixed(0)} MB before the search finished; try --store fingerprint)`;
  if (s.stoppedBy === "interrupted") return `${base} (interrupted${s.limit ? ` by ${s.limit}` : ""} before the search finished)`;
  return base;
}

/** What the symmetry reduction used, or why not (only for models that declare symmetric types). */
export function symmetryLines(r: CheckReport): string[] {
  const sym = r.statistics.symmetry;
  if (!sym) return [];
  const used = sym.used.map((u) => `symmetry: ${u.type}${u.threads.length ? ` (${u.threads.join(", ")})` : ""}, ${u.permutations} permutations`);
  const unused = sym.unused.map((u) => `symmetry: ${u.type} not used: ${u.reason}${u.at ? ` (${u.at.file}:${u.at.line}:${u.at.col})` : ""}`);
  return [...used, ...unused];
}

export function renderCheckText(r: CheckReport): string {
  const out: string[] = [];
  const header = `${r.model}${constantsLine(r)}`;
  const warnings = r.violations.some((v) => v.kind === "lock-order") ? [] : r.warnings;
  const warned = warnings.length ? ` (${warnings.length} lock-order warning${warnings.length === 1 ? "" : "s"})` : "";
  const warningBlocks = warnings.flatMap((w) => ["", warningText(w)]);
  if (r.verdict === "pass") {
    out.push(`pass: ${header}: no violation in the whole state space${warned}`);
    out.push(`  ${statisticsText(r)}`);
    out.push(...symmetryLines(r).map((l) => `  ${l}`));
    out.push(...warningBlocks);
    return out.join("\n") + "\n";
  }
  if (r.verdict === "incomplete") {
    const stopped = r.statistics.stoppedBy === "interrupted" ? "interrupted" : "incomplete";
    out.push(`${stopped}: ${header}: no violation so far, but the search did not finish${warned}`);
    out.push(`  ${statisticsText(r)}`);
    out.push(...symmetryLines(r).map((l) => `  ${l}`));
    out.push(...warningBlocks);
    return out.join("\n") + "\n";
  }
  const errors = r.violations.filter((v) => v.kind === "pool-exhausted").length;
  const found = r.violations.length - errors;
  const counts = [found ? `${found} violation${found === 1 ? "" : "s"}` : "", errors ? `${errors} model error${errors === 1 ? "" : "s"}` : ""].filter((x) => x).join(", ");
  out.push(`${header}: ${counts}${warned}`);
  // --all: two violations with one headline (at different statements) say where each is
  const seen = new Map<string, number>();
  for (const v of r.violations) seen.set(`${v.kind}: ${v.message}`, (seen.get(`${v.kind}: ${v.message}`) ?? 0) + 1);
  const repeated = new Set([...seen].filter(([, n]) => n > 1).map(([k]) => k));
  for (const v of r.violations) {
    out.push("");
    out.push(violationText(v, repeated.has(`${v.kind}: ${v.message}`)));
  }
  out.push(...warningBlocks);
  out.push("");
  out.push(statisticsText(r));
  out.push(...symmetryLines(r));
  return out.join("\n") + "\n";
}
