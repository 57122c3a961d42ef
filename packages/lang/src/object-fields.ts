// Locks and refcounts inside objects, shared by every stage (language.md, "Locks and
// refcounts in objects"): an object pool's lock or refcount field is a lock or refcount
// array with one entry per object of the pool (objects are never reused, so an entry
// belongs to one object for the whole run), and reports name an entry as the kernel
// writes it, with its object: `kvm[1]->lock`.
import type { Expr } from "./ast.js";
import type { ObjectFieldEntity, ObjectFieldOf } from "./symbols.js";

/** The symbol name of a pool's lock or refcount field (not a name a model can write). */
export function objectFieldSymbolName(pool: string, field: string): string {
  return `${pool}->${field}`;
}

/** An entry of a lock or refcount, as reports name it: `kvm[1]->lock` for a field, `group_lock[g1]` for an array entry. */
export function entityEntryName(name: string, field: ObjectFieldOf | undefined, indexText: string): string {
  return field ? `${field.pool.name}[${indexText}]->${field.field}` : `${name}[${indexText}]`;
}

/** The lock, refcount, completion or SRCU field `e` names (`vm.lock`, `vm.srcu`), when the checker resolved it to one. */
export function objectFieldEntity(e: Expr): ObjectFieldEntity | undefined {
  return e.kind === "Field" ? e.entity : undefined;
}
