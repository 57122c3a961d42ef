// The reference's SRCU/RCU semantics as pure functions (srcu.ts), against
// docs/language.md "SRCU and RCU": nesting, grace periods that wait for the readers
// inside when they start, and leaving the outermost section.
import { describe, expect, it } from "vitest";
import { formatSrcu, newSrcuEntry, readLock, readUnlock, synchronize } from "./srcu.js";

const NAMES = ["a", "b", "c"];

describe("srcu entries", () => {
  it("nest up to three levels; the outermost unlock ends the section", () => {
    const e = newSrcuEntry(3);
    expect([readLock(e, 0), readLock(e, 0), readLock(e, 0), readLock(e, 0)]).toEqual(["ok", "ok", "ok", "overflow"]);
    expect(formatSrcu(e, NAMES)).toBe("read: a ×3");
    readUnlock(e, 0, "a");
    readUnlock(e, 0, "a");
    readUnlock(e, 0, "a");
    expect(readUnlock(e, 0, "a")).toBe("not-inside");
    expect(formatSrcu(e, NAMES)).toBe("idle");
  });

  it("a grace period waits for the readers inside when it starts, and for no later one", () => {
    const e = newSrcuEntry(3);
    expect(synchronize(e, 2, NAMES)).toBe("done"); // nobody inside: no grace period to wait for
    readLock(e, 0);
    expect(synchronize(e, 2, NAMES)).toBe("started");
    readLock(e, 1); // enters later
    expect(synchronize(e, 2, NAMES)).toEqual({ heldUpBy: ["a"] });
    expect(formatSrcu(e, NAMES)).toBe("read: a, b; grace period of c waits for a");
    readUnlock(e, 0, "a");
    expect(formatSrcu(e, NAMES)).toBe("read: b; grace period of c ends");
    expect(synchronize(e, 2, NAMES)).toBe("done");
    expect(formatSrcu(e, NAMES)).toBe("read: b");
  });

  it("only the outermost unlock takes a reader out of a grace period", () => {
    const e = newSrcuEntry(3);
    readLock(e, 0);
    readLock(e, 0);
    synchronize(e, 1, NAMES);
    readUnlock(e, 0, "a");
    expect(synchronize(e, 1, NAMES)).toEqual({ heldUpBy: ["a"] });
    readUnlock(e, 0, "a");
    expect(synchronize(e, 1, NAMES)).toBe("done");
  });
});
