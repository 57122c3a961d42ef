// SARIF 2.1.0 for a `knot test` run, shaped for GitHub code scanning: one run,
// whose tool.driver lists one rule per check kind (its one-sentence explanation as
// shortDescription), and one result per violation and per lock-order warning that
// any check found. A result is located at the model statement at fault; its
// counterexample is a code flow with ONE thread flow holding every step in
// execution order, each step "thread: statement" — the interleaving is the point
// of a concurrency trace, and GitHub draws a thread flow as one path (several
// thread flows would be shown as unrelated alternative paths). A lock-order
// warning has one code flow per edge of its cycle. Level: "note" when the check
// expected the finding, "error" when it makes its check fail, "warning" for an
// unexpected lock-order warning that leaves its check passing; properties say
// which check found it and whether it was expected. Checks that failed or could
// not run are also listed as notifications of the run's invocation.
// Pure: data in, a SARIF object or its JSON text out.
import { isAbsolute, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { type SrcLoc, type ViolationKind, VIOLATION_KINDS } from "@knot/ir";
import { type CallChain, type CheckReport, type TraceReport, type ViolationReport, type WarningReport, edgeAction } from "./check-report.js";
import { EXPLANATIONS } from "./explanations.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
export const SARIF_VERSION = "2.1.0";

/** One check of a `knot test` run, as SARIF needs it. */
export interface SarifCheck {
  /** The spec file. */
  spec: string;
  name: string;
  /** The expectation as written (`pass`, `recursive-locking in vfio_file_set_kvm`). */
  expectation: string;
  /** The expectation holds. */
  passed: boolean;
  /** Absent when the check could not run. */
  report?: CheckReport;
  /** Parallel to report.violations and report.warnings: did the check expect that finding? */
  expectedViolations?: readonly boolean[];
  expectedWarnings?: readonly boolean[];
  /** Why the check failed or could not run (listed as a notification). */
  problem?: { level: "error" | "warning"; message: string; at?: SrcLoc };
}

export interface SarifOptions {
  /** knot's version. */
  version: string;
  /** Where to read about the tool; left out when there is none to point to. */
  informationUri?: string;
  /** Absolute directory: relative paths in reports are relative to it, and URIs are made relative to it. */
  baseDirectory: string;
}

export type SarifLevel = "none" | "note" | "warning" | "error";

export interface SarifMessage {
  text: string;
}

export interface SarifLocation {
  id?: number;
  physicalLocation: {
    artifactLocation: { uri: string; uriBaseId?: string };
    region: { startLine: number; startColumn: number };
  };
  message?: SarifMessage;
}

export interface SarifThreadFlowLocation {
  location: SarifLocation;
  executionOrder: number;
  state?: Record<string, SarifMessage>;
}

export interface SarifCodeFlow {
  message?: SarifMessage;
  threadFlows: { locations: SarifThreadFlowLocation[] }[];
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  codeFlows?: SarifCodeFlow[];
  properties: {
    check: string;
    spec: string;
    expectation: string;
    /** The check expected this finding. */
    expected: boolean;
    /** The check's expectation holds. */
    checkPassed: boolean;
    constants: string[];
  };
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  defaultConfiguration: { level: SarifLevel };
}

export interface SarifNotification {
  level: SarifLevel;
  message: SarifMessage;
  locations?: SarifLocation[];
}

export interface SarifLog {
  $schema: string;
  version: typeof SARIF_VERSION;
  runs: {
    tool: { driver: { name: string; version: string; semanticVersion: string; informationUri?: string; rules: SarifRule[] } };
    invocations: { executionSuccessful: boolean; toolExecutionNotifications: SarifNotification[] }[];
    columnKind: "utf16CodeUnits";
    results: SarifResult[];
  }[];
}

/** "recursive-locking" -> "RecursiveLocking" (SARIF's rule names are identifiers). */
function ruleName(kind: string): string {
  return kind.split("-").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}

export function sarifRules(): SarifRule[] {
  return VIOLATION_KINDS.map((kind) => ({
    id: kind,
    name: ruleName(kind),
    shortDescription: { text: EXPLANATIONS[kind] },
    fullDescription: { text: EXPLANATIONS[kind] },
    defaultConfiguration: { level: kind === "lock-order" ? "warning" : "error" },
  }));
}

class SarifBuilder {
  private readonly ruleIndex = new Map<string, number>(VIOLATION_KINDS.map((k, i) => [k, i]));

  constructor(private readonly options: SarifOptions) {}

  /** A URI relative to the base directory (GitHub resolves it against the checkout); outside it, a file: URI. */
  artifact(file: string): { uri: string; uriBaseId?: string } {
    const abs = resolve(this.options.baseDirectory, file);
    const rel = relative(this.options.baseDirectory, abs);
    if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) {
      return { uri: rel.split(sep).map(encodeURIComponent).join("/"), uriBaseId: "%SRCROOT%" };
    }
    return { uri: pathToFileURL(abs).href };
  }

  location(at: SrcLoc, message?: string, id?: number): SarifLocation {
    return {
      ...(id !== undefined ? { id } : {}),
      physicalLocation: {
        artifactLocation: this.artifact(at.file),
        region: { startLine: Math.max(1, at.line), startColumn: Math.max(1, at.col) },
      },
      ...(message !== undefined ? { message: { text: message } } : {}),
    };
  }

  /** The trace's steps in order, then (for deadlocks) where each blocked thread waits. */
  threadFlow(trace: TraceReport, kind: string, blocked: readonly CallChain[] = []): SarifThreadFlowLocation[] {
    const out: SarifThreadFlowLocation[] = [];
    const push = (at: SrcLoc, text: string, state?: Record<string, SarifMessage>) =>
      out.push({ location: this.location(at, text), executionOrder: out.length + 1, ...(state ? { state } : {}) });
    for (const s of trace.steps) {
      const changes = s.changes.filter((c) => !c.thread || c.thread === s.thread);
      const state = changes.length ? Object.fromEntries(changes.map((c) => [c.name, { text: c.after }])) : undefined;
      if (s.failed && s.failure) {
        push(s.at, `${s.thread}: ${s.statement}`, state);
        push(s.failure.at, `${s.thread}: ${s.failure.statement} (${kind} here)`);
      } else push(s.at, `${s.thread}: ${s.statement}${s.failed ? ` (${kind} here)` : ""}`, state);
    }
    for (const c of blocked) {
      const waits = c.waitsFor.map((w) => (w.lock ? w.queued ? `${w.lock} behind the waiting writer ${(w.heldBy ?? []).join(" and ")}` : `${w.lock} held by ${w.heldBySelf && (w.heldBy ?? []).length === 1 ? "itself" : (w.heldBy ?? []).join(" and ")}` : w.condition ?? "")).filter((x) => x);
      push(c.statement.at, `${c.thread}: ${c.statement.text} (blocked${waits.length ? `: waits for ${waits.join(", or ")}` : ""})`);
    }
    return out;
  }

  private chainLocations(chains: readonly CallChain[], firstId: number): SarifLocation[] {
    const out: SarifLocation[] = [];
    for (const c of chains) {
      out.push(this.location(c.statement.at, `${c.thread}: ${c.statement.text}`, firstId + out.length));
      for (const h of c.holds) {
        if (h.at) out.push(this.location(h.at, `${c.thread} took ${h.lock}: ${h.statement ?? `lock ${h.lock}`}`, firstId + out.length));
      }
    }
    return out;
  }

  private base(check: SarifCheck, kind: ViolationKind, expected: boolean, level: SarifLevel, message: string, at: SrcLoc) {
    const status = expected ? "expected by" : "unexpected in";
    return {
      ruleId: kind,
      ruleIndex: this.ruleIndex.get(kind) ?? -1,
      level,
      message: { text: `${message} (${status} check "${check.name}" in ${check.spec}, which expects ${check.expectation})` },
      locations: [this.location(at)],
    };
  }

  private properties(check: SarifCheck, expected: boolean): SarifResult["properties"] {
    const constants = (check.report?.constants ?? []).filter((c) => c.overridden).map((c) => `${c.name} = ${c.value}`);
    return { check: check.name, spec: check.spec, expectation: check.expectation, expected, checkPassed: check.passed, constants };
  }

  violation(check: SarifCheck, v: ViolationReport, expected: boolean): SarifResult {
    const r = check.report!;
    const lastStep = v.trace.steps[v.trace.steps.length - 1];
    const at = v.at ?? lastStep?.failure?.at ?? lastStep?.at ?? { file: r.model, line: 1, col: 1 };
    const related = this.chainLocations(v.chains, 1);
    const steps = this.threadFlow(v.trace, v.kind, v.chains.filter((c) => c.waitsFor.length > 0));
    return {
      ...this.base(check, v.kind, expected, expected ? "note" : "error", v.message, at),
      ...(related.length ? { relatedLocations: related } : {}),
      ...(steps.length ? { codeFlows: [{ message: { text: `counterexample (${v.trace.steps.length} steps)` }, threadFlows: [{ locations: steps }] }] } : {}),
      properties: this.properties(check, expected),
    };
  }

  warning(check: SarifCheck, w: WarningReport, expected: boolean): SarifResult {
    const r = check.report!;
    const last = w.edges[w.edges.length - 1];
    const at = last?.statement.at ?? { file: r.model, line: 1, col: 1 };
    const level: SarifLevel = expected ? "note" : check.passed ? "warning" : "error";
    const related = this.chainLocations(w.edges.map((e) => ({ thread: e.thread, frames: e.frames, statement: e.statement, waitsFor: [], holds: e.held ? [e.held] : [] })), 1);
    const flows: SarifCodeFlow[] = w.edges
      .map((e) => ({ message: { text: edgeAction(e) }, threadFlows: [{ locations: this.threadFlow(e.trace, w.kind) }] }))
      .filter((f) => f.threadFlows[0]!.locations.length > 0);
    return {
      ...this.base(check, "lock-order", expected, level, w.message, at),
      ...(related.length ? { relatedLocations: related } : {}),
      ...(flows.length ? { codeFlows: flows } : {}),
      properties: this.properties(check, expected),
    };
  }
}

export function buildSarif(checks: readonly SarifCheck[], options: SarifOptions): SarifLog {
  const b = new SarifBuilder(options);
  const results: SarifResult[] = [];
  const notifications: SarifNotification[] = [];
  for (const check of checks) {
    const r = check.report;
    if (r) {
      r.violations.forEach((v, i) => results.push(b.violation(check, v, check.expectedViolations?.[i] ?? false)));
      // under strict, the warnings are also listed as violations: report them once
      if (!r.violations.some((v) => v.kind === "lock-order")) {
        r.warnings.forEach((w, i) => results.push(b.warning(check, w, check.expectedWarnings?.[i] ?? false)));
      }
    }
    if (check.problem) {
      notifications.push({
        level: check.problem.level,
        message: { text: `check "${check.name}" in ${check.spec}: ${check.problem.message}` },
        ...(check.problem.at ? { locations: [b.location(check.problem.at)] } : {}),
      });
    }
  }
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [{
      tool: { driver: { name: "knot", version: options.version, semanticVersion: options.version, ...(options.informationUri ? { informationUri: options.informationUri } : {}), rules: sarifRules() } },
      invocations: [{ executionSuccessful: !checks.some((c) => c.problem?.level === "error" && !c.report), toolExecutionNotifications: notifications }],
      columnKind: "utf16CodeUnits",
      results,
    }],
  };
}

export function renderSarif(checks: readonly SarifCheck[], options: SarifOptions): string {
  return JSON.stringify(buildSarif(checks, options), null, 2) + "\n";
}

/** Does this text look like a file `renderSarif` wrote (so that overwriting it loses nothing)? */
export function looksLikeKnotSarif(text: string): boolean {
  try {
    const data = JSON.parse(text.replace(/^\uFEFF/, "")) as { version?: unknown; runs?: { tool?: { driver?: { name?: unknown } } }[] };
    return data.version === SARIF_VERSION && Array.isArray(data.runs) && data.runs.length > 0 && data.runs.every((r) => r?.tool?.driver?.name === "knot");
  } catch {
    return false;
  }
}
