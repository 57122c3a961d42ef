// Source files and spans: a span is a half-open range of UTF-16 offsets into one
// source file; line and column (both 1-based) are computed on demand. A file's
// `path` is for messages (hidden characters escaped, see printable.ts);
// `fsPath` is the name it was read by.
import { printable } from "./printable.js";

export class SourceFile {
  readonly lineStarts: number[];
  /** The path as the user named it (relative paths stay relative), printable: for messages. */
  readonly path: string;
  constructor(
    /** The path as the user named it, to resolve paths relative to it. */
    readonly fsPath: string,
    readonly text: string,
  ) {
    this.path = printable(fsPath);
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo]! + 1 };
  }

  /** Text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    let end = next === undefined ? this.text.length : next - 1;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }
}

export interface Span {
  readonly file: SourceFile;
  readonly start: number;
  readonly end: number;
}

export function spanText(span: Span): string {
  // the source text is quoted in reports and messages: printable, like everything a model says
  return printable(span.file.text.slice(span.start, span.end));
}

/** `path:line:col` of the span's start. */
export function formatLocation(span: Span): string {
  const { line, col } = span.file.position(span.start);
  return `${span.file.path}:${line}:${col}`;
}

export function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/** A plain, serialisable location. */
export interface Location {
  file: string;
  line: number;
  col: number;
}

export function toLocation(span: Span): Location {
  const { line, col } = span.file.position(span.start);
  return { file: span.file.path, line, col };
}
