// Run-time values of the reference semantics as plain JSON-able data, and the
// operations on them: conversion from the front end's encoded constants
// (lang/values.ts), the scalar order of a type (the order of sets, `for`,
// `pick` and map keys), set algebra, deep equality, printing in knot's trace
// notation, and a canonical serialisation for visited-state keys.
import type { Type, Value } from "@knot/lang";

/**
 * bool: boolean; integer: number; enumeration member: its name; set: array of
 * elements in the element type's order; map: object keyed by the key's printed
 * name; record: object by field; ops table: object of procedure name or null;
 * procedure reference: name or null; object reference: "pool[i]" or null.
 * Integers are computed exactly (evaluate.ts): an intermediate result beyond
 * ±(2^53 - 1) is a bigint; it never fits a type, so it is never stored.
 */
export type RValue = boolean | number | bigint | string | null | RValue[] | { [key: string]: RValue };

export type RRecord = { [key: string]: RValue };

/**
 * A container keyed by names from the model (fields, map keys, variables,
 * threads): without a prototype, so that `__proto__`, `constructor` and the
 * other Object.prototype names are keys like any other.
 */
export function newRecord<T = RValue>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Number of values of a bool, range or enumeration type. */
export function scalarCount(t: Type): number {
  switch (t.kind) {
    case "bool": return 2;
    case "enum": return t.members.length;
    case "int": return t.hi - t.lo + 1;
    // a set of references: the pool's objects, in slot order
    case "ref": if (t.bound !== undefined) return t.bound; break;
  }
  throw new Error(`not a finite scalar type: ${t.kind}`);
}

/** The i-th value of a finite scalar type, in its order. */
export function scalarAt(t: Type, i: number): RValue {
  switch (t.kind) {
    case "bool": return i === 1;
    case "enum": return t.members[i]!;
    case "int": return t.lo + i;
    case "ref": if (t.bound !== undefined) return `${t.pool}[${i}]`; break;
  }
  throw new Error(`not a finite scalar type: ${t.kind}`);
}

/** Position of a value in a finite scalar type's order, or -1 when it is outside the type. */
export function scalarIndex(t: Type, v: RValue): number {
  switch (t.kind) {
    case "bool": return v === true ? 1 : v === false ? 0 : -1;
    case "enum": return typeof v === "string" ? t.members.indexOf(v) : -1;
    case "int": return typeof v === "number" && v >= t.lo && v <= t.hi && Number.isInteger(v) ? v - t.lo : -1;
    case "ref": {
      const m = typeof v === "string" && t.bound !== undefined ? /^(.*)\[(\d+)\]$/.exec(v) : null;
      return m && m[1] === t.pool && Number(m[2]) < t.bound! ? Number(m[2]) : -1;
    }
    default: return -1;
  }
}

/** Every value of a finite scalar type, in order. */
export function scalarValues(t: Type): RValue[] {
  return Array.from({ length: scalarCount(t) }, (_, i) => scalarAt(t, i));
}

/** A scalar printed as in traces: `true`, `3`, `vgic`. */
export function scalarName(v: RValue): string {
  return String(v);
}

/** The key under which a map stores the entry for `k`. */
export function keyName(k: RValue): string {
  return String(k);
}

/** Sort a set's elements into the element type's order and drop duplicates. */
export function normalizeSet(elem: Type, xs: readonly RValue[]): RValue[] {
  const seen = new Set<number>();
  for (const x of xs) seen.add(scalarIndex(elem, x));
  return [...seen].sort((a, b) => a - b).map((i) => scalarAt(elem, i));
}

export function setUnion(elem: Type, a: readonly RValue[], b: readonly RValue[]): RValue[] {
  return normalizeSet(elem, [...a, ...b]);
}

export function setDifference(elem: Type, a: readonly RValue[], b: readonly RValue[]): RValue[] {
  const drop = new Set(b.map((x) => scalarIndex(elem, x)));
  return a.filter((x) => !drop.has(scalarIndex(elem, x)));
}

export function setIntersection(elem: Type, a: readonly RValue[], b: readonly RValue[]): RValue[] {
  const keep = new Set(b.map((x) => scalarIndex(elem, x)));
  return a.filter((x) => keep.has(scalarIndex(elem, x)));
}

export function setHas(elem: Type, s: readonly RValue[], x: RValue): boolean {
  const i = scalarIndex(elem, x);
  return i >= 0 && s.some((y) => scalarIndex(elem, y) === i);
}

export function valueEquals(a: RValue, b: RValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => valueEquals(x, b[i]!));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => k in b && valueEquals(a[k]!, b[k]!));
}

/** The default value of a storable type (language.md, "var"): false, 0 or the bound nearest 0, the first member, {}, none, null. */
export function defaultOf(t: Type): RValue {
  switch (t.kind) {
    case "bool": return false;
    case "int": return Number.isFinite(t.lo) ? Math.max(t.lo, Math.min(0, t.hi)) : 0;
    case "enum": return t.members[0]!;
    case "set": return [];
    case "map": {
      const out: RRecord = newRecord();
      for (const k of scalarValues(t.key)) out[keyName(k)] = defaultOf(t.value);
      return out;
    }
    case "record": {
      const out: RRecord = newRecord();
      for (const f of t.fields) out[f.name] = defaultOf(f.type);
      return out;
    }
    case "ops": {
      const out: RRecord = newRecord();
      for (const f of t.fields) out[f.name] = null;
      return out;
    }
    case "proc": case "none": case "ref": case "null": return null;
    default: throw new Error(`type ${t.kind} has no stored values`);
  }
}

/** Convert a front-end encoded value (numbers and arrays, see lang/values.ts) of type `t`. */
export function fromEncoded(t: Type, v: Value, procNames: readonly string[]): RValue {
  switch (t.kind) {
    case "bool": return v !== 0;
    case "int": return v as number;
    case "enum": return t.members[v as number]!;
    case "set": {
      const mask = v as number;
      const out: RValue[] = [];
      const n = scalarCount(t.elem);
      for (let i = 0; i < n; i++) if ((mask >>> i) & 1) out.push(scalarAt(t.elem, i));
      return out;
    }
    case "map": {
      const out: RRecord = newRecord();
      scalarValues(t.key).forEach((k, i) => { out[keyName(k)] = fromEncoded(t.value, (v as Value[])[i]!, procNames); });
      return out;
    }
    case "record": {
      const out: RRecord = newRecord();
      t.fields.forEach((f, i) => { out[f.name] = fromEncoded(f.type, (v as Value[])[i]!, procNames); });
      return out;
    }
    case "ops": {
      const out: RRecord = newRecord();
      t.fields.forEach((f, i) => {
        const p = (v as Value[])[i] as number;
        out[f.name] = p === 0 ? null : procNames[p - 1]!;
      });
      return out;
    }
    case "proc": case "none": {
      const p = v as number;
      return p === 0 ? null : procNames[p - 1]!;
    }
    // an initial object's field may refer to another initial object (the checker encodes it as index + 1)
    case "ref": return (v as number) === 0 ? null : `${t.pool}[${(v as number) - 1}]`;
    case "null": return null;
    default: throw new Error(`cannot convert a constant of type ${t.kind}`);
  }
}

/** A value printed in knot's trace notation (as decodeShared prints it). */
export function formatValue(t: Type, v: RValue): string {
  switch (t.kind) {
    case "bool": case "int": case "enum": return String(v);
    case "proc": case "none": return v === null ? "none" : String(v);
    case "ref": case "null": return v === null ? "null" : String(v);
    case "set": return `{${(v as RValue[]).map(String).join(", ")}}`;
    case "map": {
      const m = v as RRecord;
      return `[${scalarValues(t.key).map((k) => `${String(k)}: ${formatValue(t.value, m[keyName(k)]!)}`).join(", ")}]`;
    }
    case "record": {
      const r = v as RRecord;
      return `{${t.fields.map((f) => `${f.name}: ${formatValue(f.type, r[f.name]!)}`).join(", ")}}`;
    }
    case "ops": {
      const r = v as RRecord;
      return `{${t.fields.filter((f) => r[f.name] !== null).map((f) => `${f.name}: ${String(r[f.name])}`).join(", ")}}`;
    }
    default: return JSON.stringify(v);
  }
}

/** Serialisations of frozen parts of states: states share structure, and frozen parts never change. */
const canonicalCache = new WeakMap<object, string>();

/** A serialisation that does not depend on the order in which object keys were added. */
export function canonical(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  const cached = canonicalCache.get(v);
  if (cached !== undefined) return cached;
  let out: string;
  if (Array.isArray(v)) {
    out = `[${v.map(canonical).join(",")}]`;
  } else {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    out = "{";
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (o[k] === undefined) continue;
      if (out.length > 1) out += ",";
      out += JSON.stringify(k) + ":" + canonical(o[k]);
    }
    out += "}";
  }
  if (Object.isFrozen(v)) canonicalCache.set(v, out);
  return out;
}

/** `pool[i]` -> [pool, i]. */
export function parseRef(ref: string): { pool: string; index: number } {
  const open = ref.lastIndexOf("[");
  return { pool: ref.slice(0, open), index: Number(ref.slice(open + 1, -1)) };
}
