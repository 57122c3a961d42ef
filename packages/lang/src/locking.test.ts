// The locking family in the front end: where a trylock may stand (K4020) and on
// which locks (K4021). Expected diagnostics are [[marks]] in the model source.
import { describe, expect, it } from "vitest";
import { LangCodes as C } from "./diagnostics.js";
import { trylockUse } from "./locking.js";
import { checkMarked } from "./test-markers.js";

const LOCKS = "mutex m\nspinlock s\nrwsem r\nvar b: bool\n";

describe("trylock", () => {
  it("is accepted as an if or while condition (or not of it), and as the whole right side of := or an initializer", () => {
    const r = checkMarked(LOCKS + [
      "process p {",
      "  if mutex_trylock(m) { unlock m }",
      "  if not spin_trylock(s) { skip } else { unlock s }",
      "  while not down_write_trylock(r) { skip }",
      "  up_write r",
      "  var ok: bool = down_read_trylock(r)",
      "  if ok { up_read r }",
      "  b := mutex_trylock(m)",
      "  if b { unlock m }",
      "}",
    ].join("\n"), []);
    expect(r.diagnostics).toEqual([]);
  });

  it("is K4020 anywhere else: inside an expression, in assert or await, in an invariant", () => {
    const r = checkMarked(LOCKS + [
      "invariant i: not [[mutex_trylock(m)]]",
      "process p {",
      "  assert [[mutex_trylock(m)]]",
      "  await [[spin_trylock(s)]]",
      "  b := [[mutex_trylock(m)]] and b",
      "  if b or [[down_read_trylock(r)]] { skip }",
      "}",
    ].join("\n"), [C.TrylockMisplaced, C.TrylockMisplaced, C.TrylockMisplaced, C.TrylockMisplaced, C.TrylockMisplaced]);
    expect(r.diagnostics[0]!.message).toBe("mutex_trylock() takes the lock when it is free, so it may only be the whole condition of an if or while (or 'not' of it), or the whole right side of ':=' or of a local's initializer (not in the invariant 'i')");
    expect(r.diagnostics[1]!.message).toBe("mutex_trylock() takes the lock when it is free, so it may only be the whole condition of an if or while (or 'not' of it), or the whole right side of ':=' or of a local's initializer");
  });

  it("is K4021 on a lock of another kind, naming the functions that fit", () => {
    const r = checkMarked(LOCKS + "process p {\n  if mutex_trylock([[r]]) { skip }\n  if spin_trylock([[m]]) { skip }\n  if down_read_trylock([[s]]) { skip }\n}", [C.TrylockWrongLock, C.TrylockWrongLock, C.TrylockWrongLock]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "mutex_trylock() takes a mutex, but 'r' is an rwsem: use down_read_trylock or down_write_trylock",
      "spin_trylock() takes a spinlock, but 'm' is a mutex: use mutex_trylock",
      "down_read_trylock() takes an rwsem, but 's' is a spinlock: use spin_trylock",
    ]);
  });

  it("takes exactly one argument, a lock", () => {
    checkMarked(LOCKS + "process p {\n  if [[mutex_trylock(m, m)]] { skip }\n  if mutex_trylock([[b]]) { skip }\n}", [C.ArgumentCount, C.WrongKindOfName]);
  });

  it("recognises a use through any number of nots, only where not is allowed", () => {
    const r = checkMarked(LOCKS + "process p { if not not mutex_trylock(m) { unlock m } }", []);
    const stmt = r.model!.processes[0]!.decl.body.stmts[0]!;
    const cond = stmt.kind === "If" && stmt.cond.kind === "Expr" ? stmt.cond.expr : undefined;
    expect(trylockUse(cond, true)).toMatchObject({ fn: "mutex_trylock", negated: false });
    expect(trylockUse(cond, false)).toBeUndefined();
  });
});

describe("dec_and_lock", () => {
  it("parses as the whole condition of an if, with a refcount and a mutex or spinlock", () => {
    const r = checkMarked("mutex m\nspinlock s\nrefcount r = 2\nprocess p {\n  if dec_and_lock(r, m) { unlock m }\n  if dec_and_lock(r, s) { unlock s } else { skip }\n}", []);
    const stmt = r.model!.processes[0]!.decl.body.stmts[0]!;
    expect(stmt.kind === "If" && stmt.cond.kind).toBe("DecAndLock");
  });

  it("is K4022 with an rwsem, and a lock or refcount of the wrong kind is named", () => {
    const r = checkMarked("rwsem w\nmutex m\nrefcount r = 2\nvar b: bool\nprocess p {\n  if dec_and_lock(r, [[w]]) { skip }\n  if dec_and_lock(r, [[b]]) { skip }\n  if dec_and_lock([[m]], m) { unlock m }\n}", [C.DecAndLockWrongLock, C.WrongKindOfName, C.WrongKindOfName]);
    expect(r.diagnostics[0]!.message).toBe("dec_and_lock(r, m) takes a mutex (refcount_dec_and_mutex_lock, kref_put_mutex) or a spinlock (refcount_dec_and_lock, kref_put_lock), but 'w' is an rwsem");
  });

  it("is a syntax error anywhere but an if condition", () => {
    checkMarked("mutex m\nrefcount r = 2\nvar b: bool\nprocess p { b := [[dec_and_lock]](r, m) }", [C.MisplacedConstruct]);
  });
});

describe("might_sleep", () => {
  it("is a statement with empty parentheses", () => {
    const r = checkMarked("spinlock s\nprocess p { might_sleep(); lock s; unlock s }", []);
    expect(r.model!.processes[0]!.decl.body.stmts[0]!.kind).toBe("MightSleep");
    checkMarked("process p { might_sleep [[}]]", [C.Expected]);
    checkMarked("var b: bool\nprocess p { b := [[might_sleep]]() }", [C.MisplacedConstruct]);
  });
});

describe("lock nesting subclasses (lock x nested N)", () => {
  const lockStmts = (r: ReturnType<typeof checkMarked>) =>
    r.model!.processes[0]!.decl.body.stmts.filter((s) => s.kind === "Lock").map((s) => (s.kind === "Lock" ? [s.op, s.subclass ?? 0] : []));

  it("takes a constant 0 to 7 on lock, down_read and down_write, and records it as the subclass", () => {
    const r = checkMarked(LOCKS + [
      "mutex fork[0..2]",
      "const SINGLE_DEPTH_NESTING: 0..7 = 1",
      "process p {",
      "  lock fork[0]",
      "  lock fork[1] nested SINGLE_DEPTH_NESTING",
      "  lock fork[2] nested SINGLE_DEPTH_NESTING + 1",
      "  down_read r nested 0",
      "  up_read r",
      "  unlock fork[2]",
      "  unlock fork[1]",
      "  unlock fork[0]",
      "}",
    ].join("\n"), []);
    expect(lockStmts(r).slice(0, 4)).toEqual([["lock", 0], ["lock", 1], ["lock", 2], ["down_read", 0]]);
  });

  it("is K4060 outside 0..7 and on a release, and a constant", () => {
    checkMarked(LOCKS + [
      "var k: 0..3",
      "process p {",
      "  lock m nested [[8]]",
      "  unlock m nested [[1]]",
      "  down_write r nested [[k]]",
      "}",
    ].join("\n"), [C.BadSubclass, C.BadSubclass, C.NotAllowedHere]);
  });

  it("nest_lock names a lock, on lock and down_write only", () => {
    checkMarked(LOCKS + [
      "mutex v[0..1]",
      "var k: 0..3",
      "process p {",
      "  lock m",
      "  lock v[0] nest_lock m",
      "  down_write r nest_lock m",
      "  lock v[1] nest_lock [[k]]",
      "  unlock v[0] nest_lock [[m]]",
      "  down_read r nest_lock [[m]]",
      "}",
    ].join("\n"), [C.WrongKindOfName, C.BadSubclass, C.BadSubclass]);
  });

  it("is a word only after a lock on the same line: a statement may start with a variable named nested", () => {
    const r = checkMarked(LOCKS + ["var nested: 0..3", "process p {", "  lock m", "  nested := 1", "  unlock m", "}"].join("\n"), []);
    expect(lockStmts(r)).toEqual([["lock", 0], ["unlock", 0]]);
  });
});
