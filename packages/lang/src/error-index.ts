// "Was an error reported inside this span?" over a growing list of diagnostics,
// without scanning the whole list each time (the checker asks before evaluating
// every constant expression, so a scan would make a file with many errors and
// many constants quadratic). Diagnostics are indexed as they appear: each file
// keeps its errors sorted by start, and errors mostly arrive in source order, so
// an insertion is nearly always an append.
import type { Diagnostic } from "./diagnostics.js";
import type { SourceFile, Span } from "./source.js";

export class ErrorSpans {
  private indexed = 0;
  private readonly byFile = new Map<SourceFile, { starts: number[]; ends: number[] }>();

  /** `diagnostics` is read, never changed; entries appended to it later are picked up on the next query. */
  constructor(private readonly diagnostics: readonly Diagnostic[]) {}

  /** Is there an error whose span lies within `span` (same file, start and end inside)? */
  within(span: Span): boolean {
    this.catchUp();
    const f = this.byFile.get(span.file);
    if (!f) return false;
    for (let i = lowerBound(f.starts, span.start); i < f.starts.length && f.starts[i]! <= span.end; i++) {
      if (f.ends[i]! <= span.end) return true;
    }
    return false;
  }

  private catchUp(): void {
    const diags = this.diagnostics;
    for (; this.indexed < diags.length; this.indexed++) {
      const d = diags[this.indexed]!;
      if (d.severity !== "error" || !d.span) continue;
      let f = this.byFile.get(d.span.file);
      if (!f) this.byFile.set(d.span.file, (f = { starts: [], ends: [] }));
      const at = upperBound(f.starts, d.span.start);
      if (at === f.starts.length) {
        f.starts.push(d.span.start);
        f.ends.push(d.span.end);
      } else {
        f.starts.splice(at, 0, d.span.start);
        f.ends.splice(at, 0, d.span.end);
      }
    }
  }
}

/** First index whose value is >= x. */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > x. */
function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
