// Hidden characters become visible escapes; everything else prints as it is.
import { describe, expect, it } from "vitest";
import { isPrintable, printable } from "./printable.js";

describe("printable", () => {
  it("escapes control characters, escape sequences and line breaks", () => {
    expect(printable("a\u001b[31mb\u0000\u007f\u0085")).toBe("a\\x1b[31mb\\x00\\x7f\\x85");
    expect(printable("one\ntwo\rthree")).toBe("one\\ntwo\\rthree");
  });

  it("escapes bidirectional overrides, zero-width characters and lone surrogates", () => {
    expect(printable("admin\u202e\u2066x\u200by\ufeff")).toBe("admin\\u{202e}\\u{2066}x\\u{200b}y\\u{feff}");
    expect(printable("a\ud800b\udc00")).toBe("a\\u{d800}b\\u{dc00}");
  });

  it("keeps tabs, non-ASCII letters, emoji and backslashes", () => {
    for (const s of ["\tindent", "café Ωμέγα 日本", "😀", "C:\\path", "\\x41"]) {
      expect(printable(s)).toBe(s);
      expect(isPrintable(s)).toBe(true);
    }
    expect(isPrintable("\u001b")).toBe(false);
  });

  it("is idempotent", () => {
    const s = printable("x\u0001\u202e\ud800");
    expect(printable(s)).toBe(s);
  });
});
