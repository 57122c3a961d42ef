// Compile-time values. A value is a number for every scalar (bool 0/1, the
// integer itself, an enum member's index, a set as a bit mask over its element
// type's order, a proc reference as 1 + the proc's index with 0 for none) and an
// array of values for compound types (map: one entry per key in key order;
// record and ops table: one per field in declaration order). This is exactly
// how values are laid out in the packed state, so lowering copies them as is.
import { type Type, cardinality, nthValue } from "./types.js";

export type Value = number | Value[];

export function defaultValue(t: Type): Value {
  switch (t.kind) {
    case "int": return Number.isFinite(t.lo) ? Math.max(t.lo, Math.min(0, t.hi)) : 0;
    case "map": return Array.from({ length: cardinality(t.key) }, () => defaultValue(t.value));
    case "record": return t.fields.map((f) => defaultValue(f.type));
    case "ops": return t.fields.map(() => 0);
    default: return 0;
  }
}

export function valuesEqual(a: Value, b: Value): boolean {
  if (typeof a === "number" || typeof b === "number") return a === b;
  return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]!));
}

/** Names of procedures, for printing proc references. */
export type ProcNames = (index: number) => string;

export function formatScalar(t: Type, v: number, procName: ProcNames): string {
  switch (t.kind) {
    case "bool": return v ? "true" : "false";
    case "enum": return t.members[v] ?? `?${v}`;
    case "proc": case "none": return v === 0 ? "none" : procName(v - 1);
    case "ref": case "null": return v === 0 ? "null" : `${t.kind === "ref" ? t.pool : "?"}[${v - 1}]`;
    case "set": {
      const parts: string[] = [];
      const n = cardinality(t.elem);
      for (let i = 0; i < n; i++) if ((v >>> i) & 1) parts.push(formatScalar(t.elem, nthValue(t.elem, i), procName));
      return `{${parts.join(", ")}}`;
    }
    default: return String(v);
  }
}

export function formatValue(t: Type, v: Value, procName: ProcNames): string {
  if (typeof v === "number") return formatScalar(t, v, procName);
  switch (t.kind) {
    case "map": {
      const n = cardinality(t.key);
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(`${formatScalar(t.key, nthValue(t.key, i), procName)}: ${formatValue(t.value, v[i]!, procName)}`);
      return `[${parts.join(", ")}]`;
    }
    case "record":
      return `{${t.fields.map((f, i) => `${f.name}: ${formatValue(f.type, v[i]!, procName)}`).join(", ")}}`;
    case "ops": {
      const parts = t.fields.map((f, i) => (v[i] ? `${f.name}: ${procName((v[i] as number) - 1)}` : "")).filter((s) => s);
      return `{${parts.join(", ")}}`;
    }
    default: return JSON.stringify(v);
  }
}
