// SARIF renderer tests: every log is validated against the SARIF 2.1.0 definitions
// of the parts knot emits (test-sarif-schema.ts), and its content is checked:
// rules per check kind, results per violation and lock-order warning with their
// level, location, properties and code flows, URIs relative to the base
// directory, notifications for failed checks.
import { describe, expect, it } from "vitest";
import { VIOLATION_KINDS } from "@knot/ir";
import { check } from "../../engine/src/test-pipeline.js";
import { type CheckReport, buildCheckReport } from "./check-report.js";
import { EXPLANATIONS } from "./explanations.js";
import { type SarifCheck, type SarifLog, buildSarif, looksLikeKnotSarif, renderSarif } from "./sarif.js";
import { SARIF_SUBSET, validate } from "./test-sarif-schema.js";

// ------------------------------------------------------------------ reports to render

function report(source: string, options: { strict?: boolean; path?: string } = {}): CheckReport {
  const r = check(source, {}, { path: options.path ?? "models/m.knot" });
  return buildCheckReport(r.model, r, { search: "bfs", version: "test", strict: options.strict });
}

/** A thread re-takes a mutex it holds, inside a procedure. */
const SELF_DEADLOCK = `mutex m
proc inner() { lock m; unlock m }
process a { lock m; call inner(); unlock m }
`;

/** Two threads take a and b in opposite orders, one after the other: no deadlock, but a lock-order cycle. */
const ORDER_ONLY = `mutex a
mutex b
var done: bool = false
process first { lock a; lock b; unlock b; unlock a; done := true }
process second { await done; lock b; lock a; unlock a; unlock b }
`;

const OPTIONS = { version: "9.9.9", informationUri: "https://example.org/knot", baseDirectory: "/repo" };

function sarifOf(checks: SarifCheck[], options = OPTIONS): SarifLog {
  const log = buildSarif(checks, options);
  expect(validate(log, SARIF_SUBSET)).toEqual([]);
  return log;
}

describe("SARIF 2.1.0", () => {
  const selfDeadlock = report(SELF_DEADLOCK);
  const orderOnly = report(ORDER_ONLY);

  it("the schema check catches what it is meant to catch", () => {
    expect(validate({ version: "2.1.0" }, SARIF_SUBSET)).toEqual(["$: missing required 'runs'"]);
    expect(validate({ version: "2.0.0", runs: [] }, SARIF_SUBSET)).toHaveLength(1);
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [{ message: {}, level: "fatal" }] }] }, SARIF_SUBSET).sort()).toEqual([
      "$.runs[0].results[0].level: \"fatal\" is not one of none, note, warning, error",
      "$.runs[0].results[0].message: needs one of text, id",
    ]);
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: { name: "x", rule: [] } } }] }, SARIF_SUBSET)).toEqual(["$.runs[0].tool.driver: property 'rule' is not in the schema"]);
  });

  it("declares the schema, the version, the tool and one rule per check kind", () => {
    const log = sarifOf([]);
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.version).toBe("2.1.0");
    const driver = log.runs[0]!.tool.driver;
    expect([driver.name, driver.version, driver.informationUri]).toEqual(["knot", "9.9.9", "https://example.org/knot"]);
    expect(driver.rules.map((r) => r.id)).toEqual([...VIOLATION_KINDS]);
    expect(driver.rules.every((r) => r.shortDescription.text === EXPLANATIONS[r.id as keyof typeof EXPLANATIONS])).toBe(true);
    expect(driver.rules.find((r) => r.id === "recursive-locking")!.name).toBe("RecursiveLocking");
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.invocations).toEqual([{ executionSuccessful: true, toolExecutionNotifications: [] }]);
  });

  it("reports an expected violation as a note, located at the statement, with the trace as one thread flow", () => {
    const log = sarifOf([{ spec: "specs/s.knot", name: "self", expectation: "recursive-locking in inner", passed: true, report: selfDeadlock, expectedViolations: [true], expectedWarnings: [] }]);
    const run = log.runs[0]!;
    expect(run.results).toHaveLength(1);
    const r = run.results[0]!;
    expect(r.ruleId).toBe("recursive-locking");
    expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(r.level).toBe("note");
    expect(r.message.text).toBe(`${selfDeadlock.violations[0]!.message} (expected by check "self" in specs/s.knot, which expects recursive-locking in inner)`);
    expect(r.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: "models/m.knot", uriBaseId: "%SRCROOT%" }, region: { startLine: 2, startColumn: 16 } });
    expect(r.properties).toEqual({ check: "self", spec: "specs/s.knot", expectation: "recursive-locking in inner", expected: true, checkPassed: true, constants: [] });
    expect(r.codeFlows).toHaveLength(1);
    expect(r.codeFlows![0]!.threadFlows).toHaveLength(1);
    const steps = r.codeFlows![0]!.threadFlows[0]!.locations;
    expect(steps.map((s) => [s.executionOrder, s.location.message?.text, s.location.physicalLocation.region.startLine])).toEqual([
      [1, "a: lock m", 3],
      [2, "a: lock m (blocked: waits for m held by itself)", 2],
    ]);
    expect(steps[0]!.state).toEqual({ m: { text: "a" } });
  });

  it("reports an unexpected violation as an error and says the check failed", () => {
    const log = sarifOf([{ spec: "specs/s.knot", name: "self", expectation: "pass", passed: false, report: selfDeadlock, expectedViolations: [false], expectedWarnings: [], problem: { level: "error", message: "expected pass, got recursive-locking", at: { file: "specs/s.knot", line: 3, col: 7 } } }]);
    const run = log.runs[0]!;
    expect(run.results.map((r) => [r.level, r.properties.expected, r.properties.checkPassed])).toEqual([["error", false, false]]);
    expect(run.results[0]!.message.text).toContain(`(unexpected in check "self" in specs/s.knot, which expects pass)`);
    expect(run.invocations[0]!.executionSuccessful).toBe(true);
    expect(run.invocations[0]!.toolExecutionNotifications).toEqual([{
      level: "error",
      message: { text: `check "self" in specs/s.knot: expected pass, got recursive-locking` },
      locations: [{ physicalLocation: { artifactLocation: { uri: "specs/s.knot", uriBaseId: "%SRCROOT%" }, region: { startLine: 3, startColumn: 7 } } }],
    }]);
  });

  it("reports a lock-order warning with one code flow per edge of its cycle; its level follows the check", () => {
    expect(orderOnly.violations).toEqual([]);
    expect(orderOnly.warnings).toHaveLength(1);
    const base = { spec: "specs/s.knot", name: "order", report: orderOnly, expectedViolations: [] };
    const level = (c: Partial<SarifCheck>) => sarifOf([{ ...base, expectation: "x", passed: true, ...c }]).runs[0]!.results.map((r) => r.level);
    expect(level({ expectedWarnings: [true] })).toEqual(["note"]);
    expect(level({ expectedWarnings: [false], passed: true })).toEqual(["warning"]);
    expect(level({ expectedWarnings: [false], passed: false })).toEqual(["error"]);
    const r = sarifOf([{ ...base, expectation: "lock-order", passed: true, expectedWarnings: [true] }]).runs[0]!.results[0]!;
    expect(r.ruleId).toBe("lock-order");
    expect(r.message.text).toContain("possible circular locking dependency: a -> b -> a");
    expect(r.codeFlows!.map((f) => f.message?.text)).toEqual(["first takes b while holding a", "second takes a while holding b"]);
    // located where the cycle closes: second's `lock a`
    expect(r.locations[0]!.physicalLocation.region).toEqual({ startLine: 5, startColumn: 38 });
    const last = r.codeFlows![1]!.threadFlows[0]!.locations;
    expect(last[last.length - 1]!.location.message?.text).toBe("second: lock a");
    expect(last.map((l) => l.executionOrder)).toEqual(last.map((_, i) => i + 1));
  });

  it("lists a lock-order cycle once under strict, where it is also a violation", () => {
    const strict = report(ORDER_ONLY, { strict: true });
    expect(strict.violations.map((v) => v.kind)).toEqual(["lock-order"]);
    const log = sarifOf([{ spec: "s", name: "order", expectation: "lock-order", passed: true, report: strict, expectedViolations: [true], expectedWarnings: [true] }]);
    expect(log.runs[0]!.results.map((r) => [r.ruleId, r.level])).toEqual([["lock-order", "note"]]);
  });

  it("makes URIs relative to the base directory, encoded, and absolute file: URIs outside it", () => {
    const inside = report(SELF_DEADLOCK, { path: "/repo/models/my model.knot" });
    const outside = report(SELF_DEADLOCK, { path: "/elsewhere/m.knot" });
    const uris = (r: CheckReport) => sarifOf([{ spec: "s", name: "c", expectation: "pass", passed: false, report: r, expectedViolations: [false] }]).runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation;
    expect(uris(inside)).toEqual({ uri: "models/my%20model.knot", uriBaseId: "%SRCROOT%" });
    expect(uris(outside)).toEqual({ uri: "file:///elsewhere/m.knot" });
  });

  it("lists checks that could not run, and then the run was not successful", () => {
    const log = sarifOf([
      { spec: "specs/s.knot", name: "broken", expectation: "pass", passed: false, problem: { level: "error", message: "the model does not compile" } },
      { spec: "specs/s.knot", name: "self", expectation: "recursive-locking", passed: true, report: selfDeadlock, expectedViolations: [true] },
    ]);
    const run = log.runs[0]!;
    expect(run.invocations[0]!.executionSuccessful).toBe(false);
    expect(run.invocations[0]!.toolExecutionNotifications.map((n) => n.message.text)).toEqual([`check "broken" in specs/s.knot: the model does not compile`]);
    expect(run.results.map((r) => r.properties.check)).toEqual(["self"]);
  });

  it("renders JSON that it recognises as its own, and nothing else", () => {
    const text = renderSarif([], OPTIONS);
    expect(JSON.parse(text)).toEqual(buildSarif([], OPTIONS));
    expect(looksLikeKnotSarif(text)).toBe(true);
    expect(looksLikeKnotSarif(JSON.stringify({ version: "2.1.0", runs: [{ tool: { driver: { name: "CodeQL" } } }] }))).toBe(false);
    expect(looksLikeKnotSarif("not json")).toBe(false);
    expect(looksLikeKnotSarif(`<?xml version="1.0"?>`)).toBe(false);
  });
});
