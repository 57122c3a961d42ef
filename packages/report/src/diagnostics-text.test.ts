// Diagnostics as text: the quoted line is printable with the caret under the
// escaped text, a long line is cut to a window around the caret, and a run
// prints at most MAX_SHOWN_DIAGNOSTICS diagnostics and counts the rest.
import { describe, expect, it } from "vitest";
import { type Diagnostic, SourceFile, error } from "@knot/lang";
import { MAX_SHOWN_DIAGNOSTICS, diagnosticsToJson, renderDiagnostic, renderDiagnostics } from "./diagnostics-text.js";

function at(text: string, needle: string, message = "bad"): Diagnostic {
  const file = new SourceFile("m.knot", text);
  const start = text.indexOf(needle);
  return error("K1001", message, { file, start, end: start + needle.length });
}

describe("renderDiagnostic", () => {
  it("escapes hidden characters in the quoted line and keeps the caret under the marked text", () => {
    const out = renderDiagnostic(at("var \u001b[2J x\u202e := @", "@"));
    expect(out).toBe([
      "m.knot:1:16: error[K1001]: bad",
      "  1 | var \\x1b[2J x\\u{202e} := @",
      "    |                          ^",
    ].join("\n"));
  });

  it("escapes the path it was given", () => {
    const file = new SourceFile("evil\u001b]0;title\u0007.knot", "@");
    expect(renderDiagnostic(error("K1001", "bad", { file, start: 0, end: 1 })).split("\n")[0]).toBe("evil\\x1b]0;title\\x07.knot:1:1: error[K1001]: bad");
  });

  it("shows a window of a long line around the caret", () => {
    const line = `${"a".repeat(5000)}@${"b".repeat(5000)}`;
    const [, quoted, caret] = renderDiagnostic(at(line, "@")).split("\n");
    expect(quoted!.length).toBeLessThan(200);
    expect(quoted).toMatch(/^ {2}1 \| \.\.\.a+@b+\.\.\.$/);
    expect(caret!.indexOf("^")).toBe(quoted!.indexOf("@"));
  });
});

describe("renderDiagnostics", () => {
  it(`prints ${MAX_SHOWN_DIAGNOSTICS} diagnostics and counts the rest`, () => {
    const many = Array.from({ length: 80_902 + MAX_SHOWN_DIAGNOSTICS }, (_, i) => at("@", "@", `bad ${i}`));
    const out = renderDiagnostics(many);
    expect(out.match(/error\[K1001\]/g)).toHaveLength(MAX_SHOWN_DIAGNOSTICS);
    expect(out).toContain(`bad ${MAX_SHOWN_DIAGNOSTICS - 1}\n`);
    expect(out).not.toContain(`bad ${MAX_SHOWN_DIAGNOSTICS}\n`);
    expect(out.endsWith("\n\n... and 80,902 more\n\n81,002 errors\n")).toBe(true);
    expect(diagnosticsToJson(many)).toHaveLength(MAX_SHOWN_DIAGNOSTICS);
  });
});
