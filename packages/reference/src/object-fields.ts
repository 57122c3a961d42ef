// Locks and refcounts in objects (language.md, "Locks and refcounts in objects").
// Contract: an object pool's lock or refcount field is the front end's implicit
// lock or refcount array (`kvm->lock`), indexed by the pool's slot, so the state
// holds it exactly as a global array (RState.locks / RState.refcounts, one entry
// per object, allocated or not) and every lock and refcount statement, trylock,
// held(), locked() and count read works on it unchanged once its entry is known.
// What is particular to fields:
// - the entry of `e.f` is the slot of the object `e` refers to, found by
//   evaluating `e` each time the statement is tried, with the faults of a value
//   field access through `e` (null-deref, use-after-free; with use-after-free off
//   the freed object's entry is used as it is); EvalEnv.objectSlot makes them;
// - entries are named as the kernel writes them, `kvm[1]->lock`, everywhere a
//   lock or refcount entry is named (states, waits, messages, lock order);
// - alloc and free leave the entries alone: objects are never reused, so an
//   entry belongs to one object for the whole run, and a freed object's locks
//   and counts keep their last state;
// - `free e` of an object one of whose locks is held, by any thread, is
//   held-lock-freed (lockdep's "held lock freed!"), raised before the free.
import { type Expr, type ObjectSymbol, type Symbol, type Type, entityEntryName, objectFieldEntity } from "@knot/lang";
import { type LockEntry, type RState, isRwsem } from "./state.js";
import { scalarAt } from "./values.js";

/** What names an entry: a lock, refcount, completion, SRCU domain or work, plain, an array, or a field of an object pool. */
interface EntrySymbol {
  name: string;
  index?: Type;
  field?: { pool: ObjectSymbol; field: string };
}

/** The symbol a lock, refcount, completion, SRCU or work target names: `x`, `x[i]`, or a field `e.f`. */
export function targetSymbol(target: Expr): Symbol | undefined {
  const field = objectFieldEntity(target);
  if (field) return field;
  const nameExpr = target.kind === "Index" ? target.target : target;
  return nameExpr.kind === "Name" ? nameExpr.sym : undefined;
}

/** An entry by its position, as reports name it: `m`, `group_lock[g1]`, `kvm[1]->lock`. */
export function entryName(sym: EntrySymbol, index: number): string {
  return sym.index ? entityEntryName(sym.name, sym.field, String(scalarAt(sym.index, index))) : sym.name;
}

/** How the entry of a held lock is held, as unlock-not-held says it. */
function holdersText(e: LockEntry): string {
  if (!isRwsem(e)) return `is held by ${e as string}`;
  return e.writer !== null ? `is held for writing by ${e.writer}` : `is held for reading by ${e.readers.join(", ")}`;
}

/**
 * The lock fields of object `slot` of `pool` that some thread holds (a mutex or spinlock with an
 * owner, an rwsem with a writer or a reader; a writer only waiting holds nothing), in field
 * order, each as `kvm[0]->lock is held by vcpu`.
 */
export function heldLockFields(pool: ObjectSymbol, s: RState, slot: number): string[] {
  const out: string[] = [];
  for (const f of pool.syncFields) {
    if (f.kind !== "lock") continue;
    const e = s.locks[f.name]![slot]!;
    const held = isRwsem(e) ? e.writer !== null || e.readers.length > 0 : e !== null;
    if (held) out.push(`${entryName(f, slot)} ${holdersText(e)}`);
  }
  return out;
}
