// JUnit renderer tests: element structure and count attributes, failure and error
// elements with their message, type and body, XML escaping (markup characters,
// line breaks in attributes, characters XML cannot carry), well-formedness, and
// the recognition of files knot wrote.
import { describe, expect, it } from "vitest";
import { type JUnitTestSuite, looksLikeKnotJUnit, renderJUnit, xmlAttr, xmlText } from "./junit.js";

/** A minimal XML well-formedness check: balanced tags, quoted attributes, only known entities, no stray '<' or '&'. */
function wellFormedProblems(xml: string): string[] {
  const problems: string[] = [];
  const body = xml.replace(/^<\?xml [^?]*\?>\n/, "");
  const stack: string[] = [];
  const entity = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
  const checkText = (text: string, where: string) => {
    for (let i = 0; i < text.length; i++) {
      if (text[i] === "<") problems.push(`raw '<' in ${where}`);
      if (text[i] === "&") {
        entity.lastIndex = i;
        if (!entity.test(text)) problems.push(`bad entity in ${where} at ${text.slice(i, i + 8)}`);
      }
      const c = text.codePointAt(i)!;
      if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || (c >= 0xd800 && c <= 0xdfff && text.codePointAt(i)! === text.charCodeAt(i)) || c === 0xfffe || c === 0xffff) {
        problems.push(`character U+${c.toString(16)} not allowed in XML, in ${where}`);
      }
      if (c > 0xffff) i++;
    }
  };
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < body.length) {
    const lt = body.indexOf("<", i);
    checkText(body.slice(i, lt < 0 ? body.length : lt), `text of <${stack[stack.length - 1] ?? "(top)"}>`);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    if (!m) {
      problems.push(`malformed tag at ${body.slice(lt, lt + 30)}`);
      break;
    }
    for (const a of m[3]!.matchAll(/([\w-]+)="([^"]*)"/g)) checkText(a[2]!, `attribute ${a[1]} of <${m[2]}>`);
    if (m[1]) {
      if (stack.pop() !== m[2]) problems.push(`unbalanced </${m[2]}>`);
    } else if (!m[4]) stack.push(m[2]!);
    i = tag.lastIndex;
  }
  if (stack.length) problems.push(`unclosed <${stack.join("> <")}>`);
  return problems;
}

function unescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#(\d+));/g, (_, name: string, code?: string) =>
    code ? String.fromCharCode(Number(code)) : ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[name]!);
}

function attrs(tagText: string): Record<string, string> {
  return Object.fromEntries([...tagText.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1]!, unescape(m[2]!)]));
}

function openTags(xml: string, name: string): Record<string, string>[] {
  return [...xml.matchAll(new RegExp(`<${name}(\\s[^>]*)?>`, "g"))].map((m) => attrs(m[1] ?? ""));
}

const SUITES: JUnitTestSuite[] = [
  {
    name: "specs/kvm_vfio.knot",
    cases: [
      { name: "destroy self-deadlocks", classname: "specs/kvm_vfio.knot", seconds: 0.0123, file: "specs/kvm_vfio.knot", line: 4, outcome: { status: "passed" } },
      {
        name: "release is clean", classname: "specs/kvm_vfio.knot", seconds: 0.5, file: "specs/kvm_vfio.knot", line: 10,
        outcome: { status: "failure", message: "expected pass, got recursive-locking at vfio.knot:28", type: "recursive-locking", details: "expected pass\n\n   -> lock group_lock  vfio.knot:28:32\n" },
      },
    ],
  },
  {
    name: "specs/broken.knot",
    cases: [
      { name: "bad model", classname: "specs/broken.knot", seconds: 0, outcome: { status: "error", message: "the model does not compile", type: "model-error", details: "m.knot:1:1: error[K2002]: expected a declaration" } },
    ],
  },
  { name: "specs/empty.knot", cases: [] },
];

describe("JUnit XML", () => {
  const xml = renderJUnit(SUITES);

  it("is well-formed XML with a declaration", () => {
    expect(xml.startsWith(`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites `)).toBe(true);
    expect(wellFormedProblems(xml)).toEqual([]);
    // the check itself catches what it is meant to catch
    expect(wellFormedProblems(`<a><b></a>`)).not.toEqual([]);
    expect(wellFormedProblems(`<a x="1 & 2"/>`)).not.toEqual([]);
    expect(wellFormedProblems(`<a>\u0001</a>`)).not.toEqual([]);
  });

  it("has one testsuite per spec file and one testcase per check, with the counts right", () => {
    expect(openTags(xml, "testsuites")).toEqual([{ name: "knot test", tests: "3", failures: "1", errors: "1", skipped: "0", time: "0.512" }]);
    expect(openTags(xml, "testsuite")).toEqual([
      { name: "specs/kvm_vfio.knot", tests: "2", failures: "1", errors: "0", skipped: "0", time: "0.512" },
      { name: "specs/broken.knot", tests: "1", failures: "0", errors: "1", skipped: "0", time: "0.000" },
      { name: "specs/empty.knot", tests: "0", failures: "0", errors: "0", skipped: "0", time: "0.000" },
    ]);
    expect(openTags(xml, "testcase").map((t) => [t.classname, t.name, t.time, t.line])).toEqual([
      ["specs/kvm_vfio.knot", "destroy self-deadlocks", "0.012", "4"],
      ["specs/kvm_vfio.knot", "release is clean", "0.500", "10"],
      ["specs/broken.knot", "bad model", "0.000", undefined],
    ]);
  });

  it("puts a failure's message and type in attributes and the whole report in the body", () => {
    expect(openTags(xml, "failure")).toEqual([{ message: "expected pass, got recursive-locking at vfio.knot:28", type: "recursive-locking" }]);
    const body = /<failure [^>]*>([\s\S]*?)<\/failure>/.exec(xml)![1]!;
    expect(unescape(body)).toBe("expected pass\n\n   -> lock group_lock  vfio.knot:28:32\n");
    expect(openTags(xml, "error")).toEqual([{ message: "the model does not compile", type: "model-error" }]);
    expect(/<testcase name="destroy self-deadlocks"[^>]*\/>/.test(xml)).toBe(true);
  });

  it("escapes markup, keeps line breaks in attributes, and replaces characters XML cannot carry", () => {
    const nasty = `a<b>&"c"'d'\n\te]]>\u0001\u001b[0m\ud800 \u{1F600}`;
    const out = renderJUnit([{ name: nasty, cases: [{ name: nasty, classname: nasty, seconds: 1, outcome: { status: "failure", message: nasty, type: nasty, details: nasty } }] }]);
    expect(wellFormedProblems(out)).toEqual([]);
    const readable = nasty.replace(/[\u0001\u001b\ud800]/g, "\uFFFD");
    expect(openTags(out, "testcase")[0]!.name).toBe(readable);
    expect(openTags(out, "failure")[0]!.message).toBe(readable);
    expect(unescape(/<failure [^>]*>([\s\S]*?)<\/failure>/.exec(out)![1]!)).toBe(readable);
    expect(xmlText("x < y && z > w")).toBe("x &lt; y &amp;&amp; z &gt; w");
    expect(xmlAttr(`"a"\n'b'`)).toBe("&quot;a&quot;&#10;&apos;b&apos;");
  });

  it("writes non-negative times even for odd inputs", () => {
    const out = renderJUnit([{ name: "s", cases: [{ name: "c", classname: "s", seconds: Number.NaN, outcome: { status: "passed" } }] }]);
    expect(openTags(out, "testcase")[0]!.time).toBe("0.000");
  });

  it("recognises the files it writes, and only those", () => {
    expect(looksLikeKnotJUnit(xml)).toBe(true);
    expect(looksLikeKnotJUnit(renderJUnit([]))).toBe(true);
    expect(looksLikeKnotJUnit(`<?xml version="1.0"?>\n<testsuites name="pytest" tests="1"></testsuites>`)).toBe(false);
    expect(looksLikeKnotJUnit("my notes\n")).toBe(false);
    expect(looksLikeKnotJUnit(`{"version": "2.1.0"}`)).toBe(false);
  });
});
