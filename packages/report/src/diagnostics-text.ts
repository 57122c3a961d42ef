// Diagnostics as text, compiler style:
//   models/x.knot:3:7: error[K3003]: unknown name 'fo' (did you mean 'foo'?)
//      3 | var y = fo
//        |         ^^
// Related spans follow as notes. Diagnostics without a span print without position.
// The quoted line is printable (hidden characters escaped, the caret moved to
// match) and cut to a window around the caret, so a long or binary line cannot
// flood the terminal; at most MAX_SHOWN_DIAGNOSTICS are printed, then a count.
import { type Diagnostic, formatLocation, printable } from "@knot/lang";

/** Diagnostics printed in one run; the rest are counted ("... and 80,902 more"). */
export const MAX_SHOWN_DIAGNOSTICS = 100;
/** Characters of a source line shown around the caret. */
const LINE_WINDOW = 160;

function caretLines(d: Diagnostic): string[] {
  const span = d.span;
  if (!span) return [];
  const { line, col } = span.file.position(span.start);
  const text = span.file.lineText(line).replace(/\t/g, " ");
  const end = span.file.position(Math.max(span.start, span.end - 1));
  const endCol = end.line === line ? Math.max(col, end.col) : text.length;
  // what the reader sees: the line before the caret, under the caret, after it, each escaped
  let before = printable(text.slice(0, col - 1));
  let under = printable(text.slice(col - 1, endCol)) || " ";
  let after = printable(text.slice(endCol));
  if (before.length + under.length + after.length > LINE_WINDOW) {
    if (under.length > LINE_WINDOW / 2) under = `${under.slice(0, LINE_WINDOW / 2)}...`;
    if (before.length > LINE_WINDOW / 4) before = `...${before.slice(before.length - LINE_WINDOW / 4)}`;
    const room = Math.max(0, LINE_WINDOW - before.length - under.length);
    if (after.length > room) after = `${after.slice(0, room)}...`;
  }
  const pad = " ".repeat(String(line).length);
  return [`  ${line} | ${before}${under}${after}`, `  ${pad} | ${" ".repeat(before.length)}${"^".repeat(Math.max(1, under.length))}`];
}

export function renderDiagnostic(d: Diagnostic): string {
  const where = d.span ? `${formatLocation(d.span)}: ` : "knot: ";
  const lines = [`${where}${d.severity}[${d.code}]: ${d.message}`, ...caretLines(d)];
  for (const r of d.related) {
    lines.push(`  note: ${formatLocation(r.span)}: ${r.message}`);
  }
  return lines.join("\n");
}

export function renderDiagnostics(diags: readonly Diagnostic[]): string {
  if (diags.length === 0) return "";
  let errors = 0;
  let warnings = 0;
  for (const d of diags) {
    if (d.severity === "error") errors++;
    else if (d.severity === "warning") warnings++;
  }
  const summary = [errors ? `${count(errors)} error${errors === 1 ? "" : "s"}` : "", warnings ? `${count(warnings)} warning${warnings === 1 ? "" : "s"}` : ""].filter((x) => x).join(", ");
  const shown = diags.slice(0, MAX_SHOWN_DIAGNOSTICS).map(renderDiagnostic);
  if (diags.length > MAX_SHOWN_DIAGNOSTICS) shown.push(`... and ${count(diags.length - MAX_SHOWN_DIAGNOSTICS)} more`);
  return `${shown.join("\n\n")}\n\n${summary}\n`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** Diagnostics as plain data, for JSON output. */
export function diagnosticsToJson(diags: readonly Diagnostic[]): unknown[] {
  return diags.slice(0, MAX_SHOWN_DIAGNOSTICS).map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    location: d.span ? { file: d.span.file.path, ...d.span.file.position(d.span.start) } : null,
    related: d.related.map((r) => ({ message: r.message, location: { file: r.span.file.path, ...r.span.file.position(r.span.start) } })),
  }));
}
