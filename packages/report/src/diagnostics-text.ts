// Diagnostics as text, compiler style:
//   models/x.knot:3:7: error[K3003]: unknown name 'fo' (did you mean 'foo'?)
//      3 | var y = fo
//        |         ^^
// Related spans follow as notes. Diagnostics without a span print without position.
import { type Diagnostic, formatLocation } from "@knot/lang";

function caretLines(d: Diagnostic): string[] {
  const span = d.span;
  if (!span) return [];
  const { line, col } = span.file.position(span.start);
  const text = span.file.lineText(line);
  const end = span.file.position(Math.max(span.start, span.end - 1));
  const width = end.line === line ? Math.max(1, end.col - col + 1) : Math.max(1, text.length - col + 1);
  const gutter = String(line).length;
  const pad = " ".repeat(gutter);
  const shown = text.replace(/\t/g, " ");
  return [`  ${line} | ${shown}`, `  ${pad} | ${" ".repeat(Math.max(0, col - 1))}${"^".repeat(Math.min(width, Math.max(1, shown.length - col + 1)))}`];
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
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.filter((d) => d.severity === "warning").length;
  const summary = [errors ? `${errors} error${errors === 1 ? "" : "s"}` : "", warnings ? `${warnings} warning${warnings === 1 ? "" : "s"}` : ""].filter((x) => x).join(", ");
  return `${diags.map(renderDiagnostic).join("\n\n")}\n\n${summary}\n`;
}

/** Diagnostics as plain data, for JSON output. */
export function diagnosticsToJson(diags: readonly Diagnostic[]): unknown[] {
  return diags.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    location: d.span ? { file: d.span.file.path, ...d.span.file.position(d.span.start) } : null,
    related: d.related.map((r) => ({ message: r.message, location: { file: r.span.file.path, ...r.span.file.position(r.span.start) } })),
  }));
}
