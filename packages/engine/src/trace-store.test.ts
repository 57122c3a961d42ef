// The trace stores: links read back as recorded, and the disk store's file never
// appears in the temporary directory (it is unlinked as soon as it is open).
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { testDir } from "../../../tests/support/temp-dir.js";
import { check, lower } from "./test-pipeline.js";
import { DiskTraceStore, MemoryTraceStore } from "./trace-store.js";
import { Explorer } from "./explore.js";

describe("trace stores", () => {
  it("the disk store reads back what it recorded, past its buffer, and leaves no file behind", () => {
    const tmp = testDir("knot-trace-store-");
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const disk = new DiskTraceStore(3);
      const memory = new MemoryTraceStore();
      expect(readdirSync(tmp)).toEqual([]);
      const n = 200_000; // more than one buffer of records
      for (let i = 0; i < n; i++) {
        const parent = i === 0 ? -1 : (i * 7919) % i;
        disk.record(i, parent, i % 3, i === 0 ? -1 : i % 11);
      }
      for (const i of [0, 1, 5, 65_535, 65_536, 131_073, n - 1]) {
        expect(disk.link(i)).toEqual({ parent: i === 0 ? -1 : (i * 7919) % i, thread: i === 0 ? -1 : i % 3, step: i === 0 ? -1 : i % 11 });
      }
      expect(readdirSync(tmp)).toEqual([]);
      disk.close();
      memory.close();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it("a fingerprint search finds its traces with nothing in the temporary directory", () => {
    const tmp = testDir("knot-trace-search-");
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const r = check("var x: 0..3\nprocess p { x := 1; x := 2 }\nprocess q { assert x != 2 }\n", { store: "fingerprint" });
      expect(r.violations.map((v) => v.kind)).toEqual(["assertion"]);
      expect(r.violations[0]!.trace.steps.length).toBeGreaterThan(0);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});

describe("stopping a search by its signal", () => {
  const model = "var a: 0..99\nvar b: 0..99\nprocess p { while true { a := (a + 1) % 100 } }\nprocess q { while true { b := (b + 1) % 100 } }\n";

  it("an aborted signal stops the search as incomplete, stoppedBy interrupted", async () => {
    const signal = { aborted: false };
    let calls = 0;
    const explorer = new Explorer(lower(model), { signal, progressEvery: 0, onProgress: () => { if (++calls === 3) signal.aborted = true; } });
    const r = await explorer.runAsync(1);
    expect(r.stats).toMatchObject({ complete: false, stoppedBy: "interrupted" });
    expect(r.stats.states).toBeGreaterThan(256);
    expect(r.stats.states).toBeLessThan(100 * 100 * 4);
  });

  it("the sliced search explores what the one-piece search does", async () => {
    const whole = new Explorer(lower(model), {}).run();
    const sliced = await new Explorer(lower(model), {}).runAsync(0);
    expect(whole.stats.complete).toBe(true);
    expect({ ...sliced.stats, seconds: 0 }).toEqual({ ...whole.stats, seconds: 0 });
  });

  it("a signal aborted before the start stores only the initial state", () => {
    const r = new Explorer(lower(model), { signal: { aborted: true } }).run();
    expect(r.stats).toMatchObject({ states: 1, transitions: 0, complete: false, stoppedBy: "interrupted" });
  });
});
