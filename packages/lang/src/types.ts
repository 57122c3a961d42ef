// Semantic types of the language, and the facts about them every later stage
// needs: equality, printing, finiteness, and the enumeration of finite scalar
// types (the order in which `for` visits values and in which sets are encoded).

export interface OpsFieldType {
  name: string;
  params: Type[];
  ret?: Type;
}

export type Type =
  | { kind: "bool" }
  /** Integers in lo..hi. Expression results may be unbounded (±Infinity); stored values never are. */
  /**
   * `sym`: the name of the symmetric type (`type Vcpu = symmetric 0..3`, Murphi's scalarset)
   * whose values these are: distinct from every other integer type, compared only with == and !=.
   */
  | { kind: "int"; lo: number; hi: number; sym?: string }
  | { kind: "enum"; name: string; members: string[]; id: number }
  | { kind: "set"; elem: Type }
  | { kind: "map"; key: Type; value: Type }
  | { kind: "record"; fields: { name: string; type: Type }[] }
  | { kind: "ops"; name: string; fields: OpsFieldType[] }
  /** A reference to a procedure (the value of an ops table field); `none` is its null value. */
  | { kind: "proc"; params: Type[]; ret?: Type }
  /** The type of the literal `none`, before it meets a proc type. */
  | { kind: "none" }
  /**
   * A reference into an object pool (`null` or one of its objects). `bound`, the pool's
   * size, is set on the element type of a set of references (`set<kvm_device>`), whose
   * elements are the pool's objects in slot order.
   */
  | { kind: "ref"; pool: string; id: number; bound?: number }
  /** The type of the literal `null`, before it meets a reference type. */
  | { kind: "null" }
  /** Lock and refcount names denote objects, not values; these types mark them. */
  | { kind: "lock"; lockKind: "mutex" | "spinlock" | "rwsem" }
  | { kind: "refcount"; lo: number; hi: number }
  | { kind: "completion" }
  | { kind: "srcu" }
  | { kind: "work" }
  | { kind: "workqueue" }
  /** Absorbs follow-on errors after one has been reported. */
  | { kind: "error" };

export const BOOL: Type = { kind: "bool" };
export const ERROR: Type = { kind: "error" };
export const ANY_INT: Type = { kind: "int", lo: -Infinity, hi: Infinity };

/** Largest set element type: sets are bit masks in one 32-bit word. */
export const MAX_SET_ELEMENTS = 31;
/** Largest key type of a map or index type of a lock or refcount array. */
export const MAX_MAP_KEYS = 4096;

export function typeToString(t: Type): string {
  switch (t.kind) {
    case "bool": return "bool";
    case "int": return t.sym ?? (t.lo === -Infinity || t.hi === Infinity ? "int" : `${t.lo}..${t.hi}`);
    case "enum": return t.name;
    case "set": return `set<${typeToString(t.elem)}>`;
    case "map": return `[${typeToString(t.key)}] ${typeToString(t.value)}`;
    case "record": return `{${t.fields.map((f) => `${f.name}: ${typeToString(f.type)}`).join(", ")}}`;
    case "ops": return t.name;
    case "proc": return `proc(${t.params.map(typeToString).join(", ")})${t.ret ? ": " + typeToString(t.ret) : ""}`;
    case "none": return "none";
    case "ref": return t.pool;
    case "null": return "null";
    case "lock": return t.lockKind;
    case "refcount": return "refcount";
    case "completion": return "completion";
    case "srcu": return "srcu";
    case "work": return "work";
    case "workqueue": return "workqueue";
    case "error": return "<error>";
  }
}

export function sameType(a: Type, b: Type): boolean {
  if (a.kind === "error" || b.kind === "error") return true;
  switch (a.kind) {
    case "bool": return b.kind === "bool";
    case "int": return b.kind === "int" && a.lo === b.lo && a.hi === b.hi && a.sym === b.sym;
    case "enum": return b.kind === "enum" && a.id === b.id;
    case "set": return b.kind === "set" && sameType(a.elem, b.elem);
    case "map": return b.kind === "map" && sameType(a.key, b.key) && sameType(a.value, b.value);
    case "record":
      return b.kind === "record" && a.fields.length === b.fields.length &&
        a.fields.every((f, i) => f.name === b.fields[i]!.name && sameType(f.type, b.fields[i]!.type));
    case "ops": return b.kind === "ops" && a.name === b.name;
    case "proc":
      return b.kind === "proc" && a.params.length === b.params.length &&
        a.params.every((p, i) => sameType(p, b.params[i]!)) &&
        (a.ret === undefined) === (b.ret === undefined) && (a.ret === undefined || sameType(a.ret, b.ret!));
    case "none": return b.kind === "none";
    case "ref": return b.kind === "ref" && a.id === b.id;
    case "null": return b.kind === "null";
    case "lock": return b.kind === "lock" && a.lockKind === b.lockKind;
    case "refcount": return b.kind === "refcount";
    case "completion": return b.kind === "completion";
    case "srcu": return b.kind === "srcu";
    case "work": return b.kind === "work";
    case "workqueue": return b.kind === "workqueue";
  }
}

/** Types whose values can index maps, lock arrays and sets: bool, bounded ints, enums. */
export function isFiniteScalar(t: Type): boolean {
  return t.kind === "bool" || t.kind === "enum" || (t.kind === "int" && Number.isFinite(t.lo) && Number.isFinite(t.hi));
}

/**
 * Types whose values can be the elements of a set: the finite scalars, and references to
 * the objects of a pool of known size (a set of references is the kernel's list of objects;
 * its elements are never null).
 */
export function isSetElement(t: Type): boolean {
  return isFiniteScalar(t) || (t.kind === "ref" && t.bound !== undefined);
}

/** Number of values of a finite scalar type (of a set element type: a pool's objects). */
export function cardinality(t: Type): number {
  switch (t.kind) {
    case "bool": return 2;
    case "enum": return t.members.length;
    case "int": return t.hi - t.lo + 1;
    case "ref": return t.bound ?? Infinity;
    default: return Infinity;
  }
}

/** The encoded value of a set element type's first value: a range's lower bound, 1 for a reference (0 is null), else 0. */
export function firstValue(t: Type): number {
  return t.kind === "int" ? t.lo : t.kind === "ref" ? 1 : 0;
}

/** The i-th value (in encoding order) of a finite scalar type or set element type, as an encoded number. */
export function nthValue(t: Type, i: number): number {
  return firstValue(t) + i;
}

/** Position of an encoded value in the finite scalar type's order, or -1 when outside. */
export function indexOfValue(t: Type, v: number): number {
  const i = v - firstValue(t);
  return i >= 0 && i < cardinality(t) ? i : -1;
}

/** Can values of this type be stored in the state (every part finite)? */
export function isStorable(t: Type): boolean {
  switch (t.kind) {
    case "bool": case "enum": case "proc": case "ref": return true;
    case "int": return Number.isFinite(t.lo) && Number.isFinite(t.hi);
    case "set": return isSetElement(t.elem) && cardinality(t.elem) <= MAX_SET_ELEMENTS;
    case "map": return isFiniteScalar(t.key) && isStorable(t.value);
    case "record": return t.fields.every((f) => isStorable(f.type));
    case "ops": return true;
    default: return false;
  }
}

export function isScalar(t: Type): boolean {
  return t.kind === "bool" || t.kind === "int" || t.kind === "enum" || t.kind === "set" || t.kind === "proc" || t.kind === "none";
}
