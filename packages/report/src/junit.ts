// JUnit XML for a `knot test` run, as CI test reporters read it: one <testsuite>
// per spec file, one <testcase> per check (classname = the spec file, name = the
// check's name, time in seconds); a failed expectation is a <failure> and a
// spec or model error an <error>, each with a one-line message attribute and the
// full report (trace included) as its body. Pure: data in, a string out. Text is
// escaped for XML 1.0, and characters XML cannot carry at all become U+FFFD.

export type JUnitOutcome =
  | { status: "passed" }
  /** The expectation does not hold. `type`: what was found (a check kind, "pass", "incomplete"). */
  | { status: "failure"; message: string; type: string; details: string }
  /** The check could not run (a spec or model error). */
  | { status: "error"; message: string; type: string; details: string };

export interface JUnitTestCase {
  name: string;
  /** The spec file. */
  classname: string;
  seconds: number;
  /** Where the check is written, for reporters that link to it. */
  file?: string;
  line?: number;
  outcome: JUnitOutcome;
}

export interface JUnitTestSuite {
  /** The spec file. */
  name: string;
  cases: JUnitTestCase[];
}

/** The root element's name; `looksLikeKnotJUnit` recognises files that carry it. */
export const JUNIT_ROOT_NAME = "knot test";

/** Characters XML 1.0 cannot represent, even as references (controls, lone surrogates, U+FFFE/U+FFFF). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(s: string): string {
  return s.replace(NOT_XML, "\uFFFD").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An attribute value in double quotes; line breaks and tabs become references so parsers keep them. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

function seconds(n: number): string {
  return (Number.isFinite(n) && n > 0 ? n : 0).toFixed(3);
}

function counts(cases: readonly JUnitTestCase[]) {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.outcome.status === "failure").length,
    errors: cases.filter((c) => c.outcome.status === "error").length,
    time: cases.reduce((t, c) => t + (Number.isFinite(c.seconds) && c.seconds > 0 ? c.seconds : 0), 0),
  };
}

function testCase(c: JUnitTestCase): string[] {
  const attrs = [
    `name="${xmlAttr(c.name)}"`,
    `classname="${xmlAttr(c.classname)}"`,
    `time="${seconds(c.seconds)}"`,
    ...(c.file !== undefined ? [`file="${xmlAttr(c.file)}"`] : []),
    ...(c.line !== undefined ? [`line="${c.line}"`] : []),
  ].join(" ");
  const o = c.outcome;
  if (o.status === "passed") return [`    <testcase ${attrs}/>`];
  const tag = o.status;
  return [
    `    <testcase ${attrs}>`,
    `      <${tag} message="${xmlAttr(o.message)}" type="${xmlAttr(o.type)}">${xmlText(o.details)}</${tag}>`,
    "    </testcase>",
  ];
}

export function renderJUnit(suites: readonly JUnitTestSuite[]): string {
  const all = counts(suites.flatMap((s) => s.cases));
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${xmlAttr(JUNIT_ROOT_NAME)}" tests="${all.tests}" failures="${all.failures}" errors="${all.errors}" skipped="0" time="${seconds(all.time)}">`,
  ];
  for (const s of suites) {
    const n = counts(s.cases);
    const attrs = `name="${xmlAttr(s.name)}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="0" time="${seconds(n.time)}"`;
    if (s.cases.length === 0) {
      lines.push(`  <testsuite ${attrs}/>`);
      continue;
    }
    lines.push(`  <testsuite ${attrs}>`, ...s.cases.flatMap(testCase), "  </testsuite>");
  }
  lines.push("</testsuites>");
  return lines.join("\n") + "\n";
}

/** Does this text look like a file `renderJUnit` wrote (so that overwriting it loses nothing)? */
export function looksLikeKnotJUnit(text: string): boolean {
  return /^\uFEFF?<\?xml[^>]*\?>\s*<testsuites name="knot test"[\s>/]/.test(text);
}
