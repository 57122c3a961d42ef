// Lexer tests: token kinds and normalised values, TLA+ synonyms, comments,
// strings, numbers, malformed input (as diagnostics at the right span) and
// token positions.
import { describe, expect, it } from "vitest";
import { LangCodes } from "./diagnostics.js";
import { KEYWORDS, type Token, lex } from "./lexer.js";
import { SourceFile } from "./source.js";
import { expectMarkedDiagnostics, stripMarkers } from "./test-markers.js";

function lexText(text: string) {
  return lex(new SourceFile("m.knot", text));
}

/** Tokens (without the final eof) as "kind:value". */
function tokensOf(text: string): string[] {
  const { tokens, diagnostics } = lexText(text);
  expect(diagnostics.map((d) => d.message)).toEqual([]);
  return tokens.slice(0, -1).map((t) => `${t.kind}:${t.value}`);
}

/** Lex marked source; assert its diagnostics against the marks; return the tokens. */
function lexMarked(source: string, codes: string[]): Token[] {
  const { text, marks } = stripMarkers(source);
  const { tokens, diagnostics } = lexText(text);
  expectMarkedDiagnostics(diagnostics, { texts: { "m.knot": text }, marks }, codes);
  return tokens;
}

function position(t: Token): string {
  const { line, col } = t.span.file.position(t.span.start);
  return `${line}:${col}`;
}

describe("tokens", () => {
  it("splits identifiers, keywords, numbers and punctuation", () => {
    expect(tokensOf("var x_1: 0..3 = 2")).toEqual([
      "keyword:var", "ident:x_1", "punct::", "int:0", "punct:..", "int:3", "punct:=", "int:2",
    ]);
  });

  it("recognises every keyword as a keyword, and near-keywords as identifiers", () => {
    for (const k of KEYWORDS) expect(tokensOf(k), k).toEqual([`keyword:${k}`]);
    expect(tokensOf("vars locks If _if notin")).toEqual(["ident:vars", "ident:locks", "ident:If", "ident:_if", "ident:notin"]);
  });

  it("matches the longest punctuation first", () => {
    expect(tokensOf("... .. . := : == = != <= < >= > => ->")).toEqual([
      "punct:...", "punct:..", "punct:.", "punct::=", "punct::", "punct:==", "punct:=", "punct:!=",
      "punct:<=", "punct:<", "punct:>=", "punct:>", "punct:=>", "punct:->",
    ]);
    expect(tokensOf("{}()[],;+-*/%&|")).toEqual(
      ["{", "}", "(", ")", "[", "]", ",", ";", "+", "-", "*", "/", "%", "&", "|"].map((p) => `punct:${p}`),
    );
  });

  it("ends every token stream with an eof token at the end of the text", () => {
    const { tokens } = lexText("x  ");
    const eof = tokens[tokens.length - 1]!;
    expect(eof.kind).toBe("eof");
    expect([eof.span.start, eof.span.end]).toEqual([3, 3]);
    expect(lexText("").tokens.map((t) => t.kind)).toEqual(["eof"]);
  });
});

describe("TLA+ synonyms", () => {
  it("normalises the TLA+ operators to the knot spelling", () => {
    expect(tokensOf("a /\\ b \\/ c")).toEqual(["ident:a", "punct:and", "ident:b", "punct:or", "ident:c"]);
    expect(tokensOf("x \\in S")).toEqual(["ident:x", "keyword:in", "ident:S"]);
    expect(tokensOf("x \\notin S")).toEqual(["ident:x", "punct:notin", "ident:S"]);
    expect(tokensOf("\\A x \\E y")).toEqual(["keyword:forall", "ident:x", "keyword:exists", "ident:y"]);
    expect(tokensOf("~a")).toEqual(["keyword:not", "ident:a"]);
    expect(tokensOf("a # b")).toEqual(["ident:a", "punct:!=", "ident:b"]);
    expect(tokensOf("a /= b")).toEqual(["ident:a", "punct:!=", "ident:b"]);
  });

  it("normalises the C-style and set operators too", () => {
    expect(tokensOf("!a && b || c")).toEqual(["keyword:not", "ident:a", "punct:and", "ident:b", "punct:or", "ident:c"]);
    expect(tokensOf("S \\cup T \\union U \\cap V \\intersect W \\div 2")).toEqual([
      "ident:S", "punct:+", "ident:T", "punct:+", "ident:U", "punct:&", "ident:V", "punct:&", "ident:W", "punct:/", "int:2",
    ]);
  });

  it("gives a synonym the span of its original spelling", () => {
    const { tokens } = lexText("a /\\ b \\notin c");
    expect(tokens.map((t) => [t.span.start, t.span.end])).toEqual([[0, 1], [2, 4], [5, 6], [7, 13], [14, 15], [15, 15]]);
  });

  it("reports an unknown backslash operator", () => {
    lexMarked("a [[\\subseteq]] b", [LangCodes.UnexpectedCharacter]);
    lexMarked("a [[\\]] b", [LangCodes.UnexpectedCharacter]);
  });
});

describe("comments", () => {
  it("skips line comments in both spellings and block comments", () => {
    expect(tokensOf("a // x y\nb \\* z\nc /* d\n e */ f")).toEqual(["ident:a", "ident:b", "ident:c", "ident:f"]);
  });

  it("does not take a TLA+ comment for an operator", () => {
    expect(tokensOf("a \\* \\in\n")).toEqual(["ident:a"]);
  });

  it("counts a line break inside a block comment as a line break between tokens", () => {
    const { tokens } = lexText("a /* one\ntwo */ b /* same line */ c");
    expect(tokens.slice(0, 3).map((t) => t.newlineBefore)).toEqual([true, true, false]);
  });

  it("reports an unterminated block comment at its opening", () => {
    const tokens = lexMarked("a [[/*]] b\nc", [LangCodes.UnterminatedComment]);
    expect(tokens.map((t) => t.kind)).toEqual(["ident", "eof"]);
  });
});

describe("strings", () => {
  it("decodes escapes (a line break stays a visible escape: strings are printed on one line)", () => {
    const { tokens, diagnostics } = lexText(String.raw`"a\"b\\c\nd\te\q"`);
    expect(diagnostics).toEqual([]);
    expect(tokens[0]).toMatchObject({ kind: "string", value: 'a"b\\c\\nd\te' + "q" });
  });

  it("reports a string left open at the end of the line, and goes on with the next line", () => {
    const tokens = lexMarked('assert x : [["oops]]\nskip', [LangCodes.UnterminatedString]);
    expect(tokens.map((t) => `${t.kind}:${t.value}`)).toEqual(["keyword:assert", "ident:x", "punct::", "string:oops", "keyword:skip", "eof:end of file"]);
    expect(tokens[4]!.newlineBefore).toBe(true);
  });

  it("reports a string left open at the end of the file", () => {
    lexMarked('x [["abc]]', [LangCodes.UnterminatedString]);
  });

  it("does not let a backslash carry a string over a line break", () => {
    const tokens = lexMarked('[["a\\]]\nb[["]]', [LangCodes.UnterminatedString, LangCodes.UnterminatedString]);
    // the second line is lexed on its own: an identifier, then another open string
    expect(tokens.map((t) => t.kind)).toEqual(["string", "ident", "string", "eof"]);
    expect(tokens[1]!.newlineBefore).toBe(true);
  });

  it("does not include a CR of a CRLF line break in an unterminated string", () => {
    const { tokens, diagnostics } = lexText('"ab\r\nc');
    expect(tokens[0]!.value).toBe("ab");
    expect([diagnostics[0]!.span!.start, diagnostics[0]!.span!.end]).toEqual([0, 3]);
  });
});

describe("numbers", () => {
  it("reads decimal and hexadecimal integers", () => {
    expect(tokensOf("0 7 007 0x1f 0XFF 2147483647")).toEqual(["int:0", "int:7", "int:7", "int:31", "int:255", "int:2147483647"]);
  });

  it("reports integers above 2^31-1 and reads them as 0", () => {
    const tokens = lexMarked("[[2147483648]] [[0x80000000]] [[99999999999999999999]]", [LangCodes.BadNumber, LangCodes.BadNumber, LangCodes.BadNumber]);
    expect(tokens.slice(0, 3).map((t) => t.value)).toEqual(["0", "0", "0"]);
  });

  it("reports a number running into letters as one malformed token", () => {
    const tokens = lexMarked("x := [[12ab]] + 1", [LangCodes.BadNumber]);
    expect(tokens.map((t) => t.kind)).toEqual(["ident", "punct", "int", "punct", "int", "eof"]);
  });

  it("reports 0x without digits as malformed, not as too large", () => {
    const { diagnostics } = lexText("0x");
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.code).toBe(LangCodes.BadNumber);
    expect(diagnostics[0]!.message).toContain("malformed number '0x'");
    lexMarked("[[0xg]] [[0x]]", [LangCodes.BadNumber, LangCodes.BadNumber]);
  });

  it("reads a range without a space as number, '..', number", () => {
    expect(tokensOf("0..N-1")).toEqual(["int:0", "punct:..", "ident:N", "punct:-", "int:1"]);
  });
});

describe("unexpected characters", () => {
  it("reports each one at its own position and skips it", () => {
    const tokens = lexMarked("a [[@]] b [[$]]c [[`]]", [LangCodes.UnexpectedCharacter, LangCodes.UnexpectedCharacter, LangCodes.UnexpectedCharacter]);
    expect(tokens.map((t) => t.value)).toEqual(["a", "b", "c", "end of file"]);
  });

  it("reports a non-ASCII character whole, also outside the basic plane", () => {
    lexMarked("[[é]]x [[😀]]y", [LangCodes.UnexpectedCharacter, LangCodes.UnexpectedCharacter]);
    expect(lexText("😀").diagnostics[0]!.message).toBe("unexpected character '😀'");
  });

  it("reports a run of them once, quoting its start escaped", () => {
    const tokens = lexMarked("a [[@$`\u0001\u001b]]b [[é😀]]", [LangCodes.UnexpectedCharacter, LangCodes.UnexpectedCharacter]);
    expect(tokens.map((t) => t.value)).toEqual(["a", "b", "end of file"]);
    expect(lexText("@$`\u0001\u001b").diagnostics.map((d) => d.message)).toEqual(["5 unexpected characters '@$`\\x01\\x1b'"]);
    expect(lexText("\u0007".repeat(40)).diagnostics.map((d) => d.message)).toEqual([`40 unexpected characters '${"\\x07".repeat(16)}...'`]);
  });

  it("keeps strings printable: hidden characters become escapes", () => {
    expect(lexText('"a\u001b[31m\u202eb"').tokens[0]!.value).toBe("a\\x1b[31m\\u{202e}b");
  });
});

describe("positions", () => {
  it("gives 1-based line and column of every token", () => {
    const { tokens } = lexText("proc f() {\n\tlock m\n  x := 1 }\n");
    expect(tokens.map((t) => `${t.value}@${position(t)}`)).toEqual([
      "proc@1:1", "f@1:6", "(@1:7", ")@1:8", "{@1:10", "lock@2:2", "m@2:7", "x@3:3", ":=@3:5", "1@3:8", "}@3:10", "end of file@4:1",
    ]);
  });

  it("counts lines the same with CRLF line breaks", () => {
    const { tokens } = lexText("a\r\n  b\r\nc");
    expect(tokens.map(position)).toEqual(["1:1", "2:3", "3:1", "3:2"]);
  });

  it("marks the tokens that start a line", () => {
    const { tokens } = lexText("a b\nc // x\nd; e");
    expect(tokens.map((t) => `${t.value}:${t.newlineBefore}`)).toEqual([
      "a:true", "b:false", "c:true", "d:true", ";:false", "e:false", "end of file:true",
    ]);
  });

  it("spans each token exactly", () => {
    const text = 'lock m_1 := "s" 0x10 /\\';
    const { tokens } = lexText(text);
    expect(tokens.slice(0, -1).map((t) => text.slice(t.span.start, t.span.end))).toEqual(["lock", "m_1", ":=", '"s"', "0x10", "/\\"]);
  });
});
