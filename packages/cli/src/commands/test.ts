// knot test [PATH...]: run the checks of spec files (a file, or every *.knot under
// a directory; default specs/) and compare each outcome with its expectation.
// Each check runs as `knot check` would (its first violation is the outcome;
// lock-order warnings are collected over the explored transitions). Prints an
// aligned table (one row per check), the full report of every check that failed,
// and a summary; optionally writes JUnit XML and SARIF, never over a file that
// is not a knot report. Exit 0 when every expectation holds, 1 when one does not,
// 2 when a spec or a model has an error (the other checks still run and the
// reports are still written) or the command line is wrong.
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import {
  type Diagnostic, type SpecCheck, type SpecExpectation, type SpecFile, compileModel, describeExpectation, hasErrors, loadSpec, toLocation,
} from "@knot/lang";
import { SWITCHABLE_CHECKS, type SrcLoc, VIOLATION_KINDS, type ViolationKind, lowerModel } from "@knot/ir";
import { exploreAsync } from "@knot/engine";
import { type EngineArgs, engineSearchOptions, openRunCache } from "../engine-options.js";
import {
  type CheckReport, type JUnitTestSuite, type SarifCheck, type ViolationReport, type WarningReport,
  diagnosticsToJson, looksLikeKnotJUnit, looksLikeKnotSarif, renderCheckText, renderDiagnostics, renderJUnit, renderSarif,
} from "@knot/report";
import { ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { outputTargetProblem, writeOutputFile } from "../output-files.js";
import { type Interrupt, interruptExitCode, withInterrupts } from "../interrupt.js";
import { progressReporter } from "../progress.js";
import { reportStage } from "../stages.js";
import { KNOT_VERSION } from "../version.js";

export interface TestArgs {
  /** Spec files and directories; empty means `specs`. */
  paths: string[];
  junit?: string;
  sarif?: string;
  format: "text" | "json";
  /** Use the compile cache (false: --no-cache); default true. */
  cache?: boolean;
}


/** Version of the shape of `knot test --format json`. */
export const TEST_REPORT_VERSION = 1;

export type CheckStatus = "ok" | "fail" | "error";

/** The result of one check (or, with no `check`, of a spec file that has errors outside its checks). */
export interface CheckOutcome {
  spec: string;
  check?: SpecCheck;
  name: string;
  /** The expectation as written, or "-" when there is none. */
  expected: string;
  status: CheckStatus;
  /** What happened, short: `pass`, `recursive-locking at vfio.knot:28`, `incomplete (max-states 100)`, `model error`. */
  got: string;
  /** One line on why the check failed or could not run. */
  reason?: string;
  seconds: number;
  /** The model path, relative to the current directory (as the reports name it). */
  model?: string;
  report?: CheckReport;
  /** Spec or model diagnostics (errors make the status "error"). */
  diagnostics: Diagnostic[];
  /** Parallel to report.violations / report.warnings: the findings the expectation names. */
  expectedViolations: boolean[];
  expectedWarnings: boolean[];
}

// ------------------------------------------------------------------ expectations

interface ChainLike {
  thread: string;
  frames: { proc: string }[];
  statement: { at: SrcLoc };
}

/** The procedures on a thread's call chain: its process (the thread name without an instance index), then each frame. */
function procsOf(c: ChainLike): string[] {
  return [c.thread.replace(/\[.*$/, ""), ...c.frames.map((f) => f.proc)];
}

function fileMatches(file: string, want: string): boolean {
  const f = file.replace(/\\/g, "/");
  return f === want || f.endsWith(`/${want}`);
}

function atMatches(e: SpecExpectation & { outcome: "finding" }, locations: readonly (SrcLoc | undefined)[]): boolean {
  const at = e.at;
  return !at || locations.some((l) => l !== undefined && l.line === at.line && fileMatches(l.file, at.file));
}

function inMatches(e: SpecExpectation & { outcome: "finding" }, chains: readonly ChainLike[]): boolean {
  const proc = e.inProc?.name;
  return proc === undefined || chains.some((c) => procsOf(c).includes(proc));
}

export function violationMatches(e: SpecExpectation, v: ViolationReport): boolean {
  if (e.outcome !== "finding" || e.kind !== v.kind) return false;
  // a lock-order violation (under strict) is located at each of its acquisitions
  const locations = v.kind === "lock-order" ? [v.at, ...v.chains.map((c) => c.statement.at)] : [v.at];
  return inMatches(e, v.chains) && atMatches(e, locations);
}

export function warningMatches(e: SpecExpectation, w: WarningReport): boolean {
  if (e.outcome !== "finding" || e.kind !== w.kind) return false;
  return inMatches(e, w.edges) && atMatches(e, w.edges.map((x) => x.statement.at));
}

function stoppedByLimit(r: CheckReport): boolean {
  return r.statistics.stoppedBy === "max-states" || r.statistics.stoppedBy === "time-limit";
}

/** Under strict the warnings are also violations; list each finding once. */
function shownWarnings(r: CheckReport): WarningReport[] {
  return r.violations.some((v) => v.kind === "lock-order") ? [] : r.warnings;
}

/** Where a lock-order warning is reported: the acquisition that closes its cycle. */
function warningAt(w: WarningReport): SrcLoc | undefined {
  return w.edges[w.edges.length - 1]?.statement.at;
}

function findingText(what: string, at: SrcLoc | undefined): string {
  return at ? `${what} at ${basename(at.file)}:${at.line}` : what;
}

/** The outcome in a few words, for the table. */
export function describeOutcome(r: CheckReport): string {
  const warnings = shownWarnings(r);
  const parts: string[] = [];
  if (stoppedByLimit(r)) parts.push(`incomplete (${r.statistics.limit ?? r.statistics.stoppedBy})`);
  parts.push(...r.violations.slice(0, 2).map((v) => findingText(v.kind, v.at)));
  if (r.violations.length > 2) parts.push(`+${r.violations.length - 2} more`);
  if (r.violations.length === 0 && warnings.length > 0) {
    parts.push(findingText("lock-order warning", warningAt(warnings[0]!)));
    if (warnings.length > 1) parts.push(`+${warnings.length - 1} more`);
  }
  const text = parts.length ? parts.join(", ") : "pass";
  return r.violations.length > 0 && warnings.length > 0 ? `${text} (+${warnings.length} lock-order warning${warnings.length === 1 ? "" : "s"})` : text;
}

export interface Evaluation {
  ok: boolean;
  expectedViolations: boolean[];
  expectedWarnings: boolean[];
  /** Why the expectation does not hold. */
  reason?: string;
}

/**
 * Does the report satisfy the expectation? Never after a limit stopped the search.
 * `pass`: no violation and no lock-order warning over the whole state space.
 * `KIND [in P] [at F:L]`: a finding matches, and every violation found matches
 * (so an unexpected violation fails it); other lock-order warnings are allowed.
 */
export function evaluateExpectation(e: SpecExpectation, r: CheckReport): Evaluation {
  const expectedViolations = r.violations.map((v) => violationMatches(e, v));
  const expectedWarnings = r.warnings.map((w) => warningMatches(e, w));
  const result = (ok: boolean): Evaluation => ({
    ok, expectedViolations, expectedWarnings,
    ...(ok ? {} : { reason: `expected ${describeExpectation(e)}, got ${describeOutcome(r)}` }),
  });
  if (stoppedByLimit(r)) {
    return {
      ok: false, expectedViolations, expectedWarnings,
      reason: `the search stopped at ${r.statistics.limit ?? r.statistics.stoppedBy} before it finished; an incomplete search satisfies no expectation`,
    };
  }
  if (e.outcome === "pass") return result(r.verdict === "pass" && r.warnings.length === 0);
  const found = expectedViolations.some((x) => x) || expectedWarnings.some((x) => x);
  return result(found && expectedViolations.every((x) => x));
}

// ------------------------------------------------------------------ running

/** Spec files named by the paths: files as given, directories searched recursively for *.knot (sorted). */
export function findSpecFiles(paths: readonly string[]): { files: string[] } | { error: string } {
  const files: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".knot")) files.push(p);
    }
  };
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      return { error: `no such spec file or directory: '${p}'` };
    }
    if (!isDir) files.push(p);
    else {
      const before = files.length;
      try {
        walk(p);
      } catch (e) {
        return { error: `cannot read directory '${p}': ${(e as Error).message}` };
      }
      if (files.length === before) return { error: `no spec files (*.knot) under '${p}'` };
    }
  }
  return { files: [...new Set(files)] };
}

function errorOutcome(spec: string, check: SpecCheck | undefined, got: string, reason: string, diagnostics: Diagnostic[], seconds = 0): CheckOutcome {
  return {
    spec, check, name: check?.name ?? "(spec file)", expected: check?.expect ? describeExpectation(check.expect) : "-",
    status: "error", got, reason, seconds, diagnostics, expectedViolations: [], expectedWarnings: [],
  };
}

function errorSummary(diags: readonly Diagnostic[]): string {
  const errors = diags.filter((d) => d.severity === "error");
  const first = errors[0];
  if (!first) return "";
  const where = first.span ? `${first.span.file.path}:${first.span.file.position(first.span.start).line}: ` : "";
  return `${where}${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})` : ""}`;
}

export async function runSpecCheck(io: Io, spec: SpecFile, check: SpecCheck, engine: EngineArgs = {}, interrupt?: Interrupt): Promise<CheckOutcome> {
  const specPath = spec.file.path;
  if (hasErrors(check.diagnostics) || !check.model || !check.expect) {
    return errorOutcome(specPath, check, "spec error", `the check has errors: ${errorSummary(check.diagnostics)}`, check.diagnostics);
  }
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  const model = isAbsolute(check.model.path) ? check.model.path : join(dirname(spec.file.fsPath), check.model.path);
  const front = compileModel(model, { overrides: check.settings, rootFromFile: true });
  // an unreadable model file has no position of its own: point at the spec's model line
  const modelSpan = check.model.span;
  let diagnostics = front.loaded.files.length > 0 ? front.diagnostics : front.diagnostics.map((d) => (d.span ? d : { ...d, span: modelSpan }));
  if (!front.model || hasErrors(diagnostics)) {
    return { ...errorOutcome(specPath, check, "model error", `the model does not compile: ${errorSummary(diagnostics)}`, diagnostics, elapsed()), model };
  }
  const lowered = lowerModel(front.model);
  diagnostics = [...diagnostics, ...lowered.diagnostics];
  if (!lowered.model) {
    return { ...errorOutcome(specPath, check, "model error", `the model cannot be lowered: ${errorSummary(diagnostics)}`, diagnostics, elapsed()), model };
  }
  const progress = progressReporter(io);
  const disabled = new Set(check.disabled.map((d) => d.name as ViolationKind));
  const result = await exploreAsync(lowered.model, {
    ...engineSearchOptions(lowered.model, disabled, engine),
    search: check.search,
    maxStates: check.maxStates,
    timeLimit: check.timeLimit,
    all: false,
    lockOrder: check.lockOrder,
    disabled,
    onProgress: progress.onProgress,
    progressEvery: 500,
    signal: interrupt,
  });
  progress.done();
  const stopped = result.stats.stoppedBy;
  if (stopped === "interrupted") {
    return { ...errorOutcome(specPath, check, "interrupted", `interrupted by ${interrupt?.signal ?? "a signal"} after ${result.stats.states} states, before the search finished`, diagnostics, elapsed()), model };
  }
  const limit = stopped === "max-states" ? `max-states ${check.maxStates}` : stopped === "time-limit" ? `time-limit ${check.timeLimit}` : undefined;
  const report = reportStage(front.model, lowered.model, result, disabled, { search: check.search, version: KNOT_VERSION, limit, strict: check.strict });
  const verdict = evaluateExpectation(check.expect, report);
  return {
    spec: specPath, check, name: check.name, expected: describeExpectation(check.expect),
    status: verdict.ok ? "ok" : "fail", got: describeOutcome(report), reason: verdict.reason,
    seconds: elapsed(), model, report, diagnostics,
    expectedViolations: verdict.expectedViolations, expectedWarnings: verdict.expectedWarnings,
  };
}

/** Every check of one spec file, and a row for errors outside its checks. */
async function runSpecFile(io: Io, spec: SpecFile, engine: EngineArgs, interrupt: Interrupt): Promise<CheckOutcome[]> {
  const inChecks = new Set(spec.checks.flatMap((c) => c.diagnostics));
  const outside = spec.diagnostics.filter((d) => !inChecks.has(d));
  const out: CheckOutcome[] = [];
  if (hasErrors(outside)) out.push(errorOutcome(spec.file.path, undefined, "spec error", `the spec file has errors: ${errorSummary(outside)}`, outside));
  for (const c of spec.checks) {
    if (interrupt.aborted) break;
    out.push(await runSpecCheck(io, spec, c, engine, interrupt));
  }
  return out;
}

// ------------------------------------------------------------------ text

const STATUS_TEXT: Record<CheckStatus, string> = { ok: "ok", fail: "FAIL", error: "ERROR" };

function time(seconds: number): string {
  return `${seconds.toFixed(2)} s`;
}

function table(outcomes: readonly CheckOutcome[]): string[] {
  const rows = outcomes.map((o) => [o.name, o.expected, o.got, o.report ? String(o.report.statistics.states) : "-", o.check && o.status !== "error" ? time(o.seconds) : "-", STATUS_TEXT[o.status]]);
  const header = ["check", "expected", "got", "states", "time", "result"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = [false, false, false, true, true, false];
  const line = (cells: string[]) => `  ${cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}`.trimEnd();
  const out = [line(header)];
  let spec: string | undefined;
  outcomes.forEach((o, i) => {
    if (o.spec !== spec) {
      spec = o.spec;
      out.push(spec);
    }
    out.push(line(rows[i]!));
  });
  return out;
}

function where(o: CheckOutcome): string {
  if (!o.check) return o.spec;
  return `${o.spec}:${o.check.nameSpan.file.position(o.check.nameSpan.start).line}`;
}

function details(o: CheckOutcome): string {
  const head = `${STATUS_TEXT[o.status]} ${where(o)}${o.check ? ` "${o.name}"` : ""}\n  ${o.reason ?? ""}`;
  if (o.status === "error") return o.got === "interrupted" ? `${head}\n` : `${head}\n  (the diagnostics are printed on stderr)\n`;
  return `${head}\n\n${o.report ? renderCheckText(o.report) : ""}`;
}

interface Summary {
  checks: number;
  ok: number;
  failed: number;
  errors: number;
  specFiles: number;
  seconds: number;
}

function summarise(outcomes: readonly CheckOutcome[], specFiles: number, seconds: number): Summary {
  const count = (s: CheckStatus) => outcomes.filter((o) => o.status === s).length;
  return { checks: outcomes.filter((o) => o.check).length, ok: count("ok"), failed: count("fail"), errors: count("error"), specFiles, seconds };
}

function verdictOf(s: Summary): "ok" | "fail" | "error" {
  return s.errors > 0 ? "error" : s.failed > 0 ? "fail" : "ok";
}

function summaryLine(s: Summary): string {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return `${STATUS_TEXT[verdictOf(s)]}: ${plural(s.checks, "check")} in ${plural(s.specFiles, "spec file")}: ${s.ok} ok, ${s.failed} failed, ${plural(s.errors, "error")} (${time(s.seconds)})`;
}

// ------------------------------------------------------------------ JSON, JUnit, SARIF

function expectationJson(e: SpecExpectation | undefined): unknown {
  if (!e) return null;
  if (e.outcome === "pass") return { outcome: "pass" };
  return { outcome: "finding", kind: e.kind, ...(e.inProc ? { in: e.inProc.name } : {}), ...(e.at ? { at: { file: e.at.file, line: e.at.line } } : {}) };
}

function testJson(outcomes: readonly CheckOutcome[], specs: readonly SpecFile[], summary: Summary, interrupted: string | undefined): string {
  const doc = {
    knot: KNOT_VERSION,
    version: TEST_REPORT_VERSION,
    verdict: verdictOf(summary),
    ...(interrupted ? { interrupted } : {}),
    summary,
    specs: specs.map((s) => {
      const mine = outcomes.filter((o) => o.spec === s.file.path);
      const fileErrors = mine.find((o) => !o.check);
      return {
        file: s.file.path,
        diagnostics: diagnosticsToJson(fileErrors?.diagnostics ?? []),
        checks: mine.filter((o) => o.check).map((o) => {
          const c = o.check!;
          return {
            name: o.name,
            at: toLocation(c.nameSpan),
            model: o.model ?? null,
            settings: c.settings.map((x) => ({ name: x.name, value: x.text })),
            search: c.search,
            ...(c.maxStates !== undefined ? { maxStates: c.maxStates } : {}),
            ...(c.timeLimit !== undefined ? { timeLimit: c.timeLimit } : {}),
            strict: c.strict,
            disabled: c.disabled.map((d) => d.name),
            expect: expectationJson(c.expect),
            expected: o.expected,
            status: o.status,
            got: o.got,
            ...(o.reason ? { reason: o.reason } : {}),
            seconds: o.seconds,
            diagnostics: diagnosticsToJson(o.diagnostics),
            report: o.report ?? null,
          };
        }),
      };
    }),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

function junitSuites(outcomes: readonly CheckOutcome[], specs: readonly SpecFile[]): JUnitTestSuite[] {
  return specs.map((s) => ({
    name: s.file.path,
    cases: outcomes.filter((o) => o.spec === s.file.path).map((o) => {
      const base = { name: o.name, classname: o.spec, seconds: o.seconds, file: o.spec, ...(o.check ? { line: o.check.nameSpan.file.position(o.check.nameSpan.start).line } : {}) };
      if (o.status === "ok") return { ...base, outcome: { status: "passed" as const } };
      if (o.status === "error") {
        return { ...base, outcome: { status: "error" as const, message: o.reason ?? o.got, type: o.got.replace(/ /g, "-"), details: renderDiagnostics(o.diagnostics) } };
      }
      const r = o.report!;
      const type = stoppedByLimit(r) ? "incomplete" : r.violations[0]?.kind ?? (r.warnings.length ? "lock-order" : "pass");
      return { ...base, outcome: { status: "failure" as const, message: o.reason ?? o.got, type, details: `${o.reason ?? ""}\n\n${renderCheckText(r)}` } };
    }),
  }));
}

function sarifChecks(outcomes: readonly CheckOutcome[]): SarifCheck[] {
  return outcomes.map((o) => {
    const firstError = o.diagnostics.find((d) => d.severity === "error" && d.span);
    const at = o.status === "error" && firstError?.span ? toLocation(firstError.span) : o.check ? toLocation(o.check.nameSpan) : undefined;
    return {
      spec: o.spec,
      name: o.name,
      expectation: o.expected,
      passed: o.status === "ok",
      ...(o.report ? { report: o.report, expectedViolations: o.expectedViolations, expectedWarnings: o.expectedWarnings } : {}),
      ...(o.status !== "ok" ? { problem: { level: "error" as const, message: o.reason ?? o.got, ...(at ? { at } : {}) } } : {}),
    };
  });
}

// ------------------------------------------------------------------ report files

// ------------------------------------------------------------------ the command

export function runTest(io: Io, args: TestArgs): Promise<number> {
  return withInterrupts((interrupt) => testWith(io, args, interrupt));
}

async function testWith(io: Io, args: TestArgs, interrupt: Interrupt): Promise<number> {
  const start = performance.now();
  const targets = [
    ...(args.junit !== undefined ? [{ path: args.junit, what: "JUnit", looksLike: looksLikeKnotJUnit }] : []),
    ...(args.sarif !== undefined ? [{ path: args.sarif, what: "SARIF", looksLike: looksLikeKnotSarif }] : []),
  ];
  if (targets.length === 2 && resolve(targets[0]!.path) === resolve(targets[1]!.path)) {
    io.err(`knot: error[K9102]: --junit and --sarif name the same file '${targets[0]!.path}'\n`);
    return ExitCode.UsageOrModelError;
  }
  for (const t of targets) {
    const problem = outputTargetProblem(t.path, t.looksLike, t.what);
    if (problem) {
      io.err(`knot: error[K9102]: ${problem}\n`);
      return ExitCode.UsageOrModelError;
    }
  }
  const found = findSpecFiles(args.paths.length ? args.paths : ["specs"]);
  if ("error" in found) {
    io.err(`knot: error[K9101]: ${found.error}\n`);
    return ExitCode.UsageOrModelError;
  }

  const options = { kinds: VIOLATION_KINDS, switchable: SWITCHABLE_CHECKS };
  const specs: SpecFile[] = [];
  const outcomes: CheckOutcome[] = [];
  const engine: EngineArgs = { cache: openRunCache(io, args.cache ?? true) };
  for (const path of found.files) {
    if (interrupt.aborted) break;
    const spec = loadSpec(path, undefined, options);
    specs.push(spec);
    if (args.format === "text" && spec.diagnostics.length) io.err(renderDiagnostics(spec.diagnostics));
    for (const o of await runSpecFile(io, spec, engine, interrupt)) {
      outcomes.push(o);
      if (args.format === "text" && o.check && o.model && o.diagnostics.length) {
        io.err(`In check "${o.name}" (${where(o)}), model ${o.model}:\n${renderDiagnostics(o.diagnostics)}`);
      }
    }
  }
  const summary = summarise(outcomes, specs.length, (performance.now() - start) / 1000);

  if (args.format === "json") io.out(testJson(outcomes, specs, summary, interrupt.signal));
  else {
    const lines = table(outcomes);
    const failed = outcomes.filter((o) => o.status !== "ok");
    const blocks = failed.map((o) => `\n${details(o)}`.replace(/\n+$/, ""));
    const stopped = interrupt.signal ? [`interrupted by ${interrupt.signal}: the checks after the last one listed did not run`] : [];
    io.out([...lines, ...blocks, "", ...stopped, summaryLine(summary)].join("\n") + "\n");
  }

  let exit: number = interrupt.signal ? interruptExitCode(interrupt.signal) : summary.errors > 0 ? ExitCode.UsageOrModelError : summary.failed > 0 ? ExitCode.Violation : ExitCode.Pass;
  const texts: Record<string, () => string> = {
    JUnit: () => renderJUnit(junitSuites(outcomes, specs)),
    SARIF: () => renderSarif(sarifChecks(outcomes), { version: KNOT_VERSION, baseDirectory: process.cwd() }),
  };
  for (const t of targets) {
    // checked before the run; checked again in case the file appeared meanwhile
    const problem = outputTargetProblem(t.path, t.looksLike, t.what) ?? writeOutputFile(t.path, texts[t.what]!());
    if (problem) {
      io.err(`knot: error[K9103]: ${problem}\n`);
      if (!interrupt.signal) exit = ExitCode.UsageOrModelError;
    }
  }
  return exit;
}
