// The call_rcu / call_srcu family's vocabulary shared by every stage (include/linux/rcupdate.h,
// include/linux/srcu.h, kernel/rcu/srcutree.c; language.md "call_rcu and call_srcu"): the
// statement words, which callbacks a (procedure, domain) pair has, their order and thread
// names. A callback is identified by its domain entry, its procedure and its argument's
// value (the kernel's rcu_head sits in the object the callback frees), so a pair has one
// callback per domain entry and parameter value, each run by a thread of its own.
import { entityEntryName } from "./object-fields.js";
import { RCU_DOMAIN } from "./srcu.js";
import type { RcuCallbackGroup } from "./symbols.js";
import { cardinality, type Type } from "./types.js";

/** Statement words (an identifier at the start of a statement): `call_rcu f(x)`, `call_srcu d f(x)`. */
export const CALL_RCU = "call_rcu";
export const CALL_SRCU = "call_srcu";

/** The most callbacks one (procedure, domain) pair may have (each is a thread of the model). */
export const MAX_CALLBACKS = 16;

/** Can a callback's parameter have this type (a scalar whose values knot enumerates)? */
export function isCallbackParamType(t: Type): boolean {
  return t.kind === "bool" || t.kind === "int" || t.kind === "enum" || t.kind === "ref";
}

/** The encoded values of a callback parameter's type, in the type's order (a reference: null, then the pool's objects). */
export function callbackValues(g: RcuCallbackGroup): number[] {
  const t = g.param;
  if (!t) return [0];
  if (t.kind === "ref") return Array.from({ length: g.poolBound + 1 }, (_, i) => i);
  const n = cardinality(t);
  return Array.from({ length: n }, (_, i) => (t.kind === "int" ? t.lo + i : i));
}

/** The entries of the group's domain (an SRCU array has one per index value). */
export function callbackEntries(g: RcuCallbackGroup): number {
  return g.domain?.index ? cardinality(g.domain.index) : 1;
}

/** The number of callbacks (and threads) of a group: entries times values. */
export function callbackCount(g: RcuCallbackGroup): number {
  return callbackEntries(g) * callbackValues(g).length;
}

/** An argument value as reports write it: `dev[0]`, `null`, `3`, `true`, an enum member. */
export function callbackArgText(g: RcuCallbackGroup, v: number): string {
  const t = g.param;
  if (!t) return "";
  switch (t.kind) {
    case "bool": return v ? "true" : "false";
    case "enum": return t.members[v] ?? String(v);
    case "ref": return v === 0 ? "null" : `${t.pool}[${v - 1}]`;
    default: return String(v);
  }
}

/** The callback as reports write it: `free_dev(dev[0])`. */
export function callbackCallText(g: RcuCallbackGroup, v: number): string {
  return `${g.proc.name}(${callbackArgText(g, v)})`;
}

/**
 * The thread of one callback: `rcu_callback/free_dev(dev[0])`, `srcu_callback/kvm_srcu/free_dev(dev[0])`,
 * with a domain array's entry `srcu_callback/ss[1]/free_dev(0)` (`entryText` formats the index).
 */
export function callbackThreadName(g: RcuCallbackGroup, entryText: string | undefined, v: number): string {
  const call = callbackCallText(g, v);
  if (!g.domain) return `rcu_callback/${call}`;
  return `srcu_callback/${callbackDomainText(g, entryText)}/${call}`;
}

/** The domain entry of a group's callback as reports name it: `kvm_srcu`, `ss[1]`, or a field's `kvm[0]->srcu`. */
export function callbackDomainText(g: RcuCallbackGroup, entryText: string | undefined): string {
  if (!g.domain) return RCU_DOMAIN;
  if (entryText === undefined) return g.domain.name;
  return entityEntryName(g.domain.name, g.domain.field, entryText);
}
