// The compiled engine's size estimate (code-size.ts) against the code codegen.ts
// really generates: within a factor of two (plus a few kilobytes of constant
// overhead for tiny models) for every model of the library, under either
// lock-order setting, for per-thread and per-process code, and for generated
// models large enough to be near or past the bound; the bound itself is the
// documented one or smaller.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Model } from "@knot/ir";
import { lower, lowerFile } from "../../ir/src/test-lower.js";
import { MAX_CODE_BYTES, codeSizeBound, estimateCodeSize } from "./code-size.js";
import { chooseShape, generateSource } from "./codegen.js";
import { computePackedLayout } from "./packing.js";

function modelFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...modelFiles(p));
    else if (name.endsWith(".knot") && /^process\b/m.test(readFileSync(p, "utf8"))) out.push(p);
  }
  return out;
}

function expectClose(m: Model, what: string): void {
  const layout = computePackedLayout(m);
  for (const lockOrder of [true, false]) {
    const real = generateSource(m, layout, { disabled: new Set(), lockOrder }).text.length;
    const estimate = estimateCodeSize(m, { lockOrder, words: layout.words });
    expect(estimate, `${what}, lock order ${lockOrder}: real ${real}`).toBeLessThanOrEqual(2 * real + 8192);
    expect(estimate, `${what}, lock order ${lockOrder}: real ${real}`).toBeGreaterThanOrEqual(real / 2);
  }
}

describe("the compiled engine's size estimate", () => {
  it("is within a factor of two of the real code for every model of the library", () => {
    const shapes = new Set<string>();
    for (const file of [...modelFiles("models"), ...modelFiles("docs/examples")]) {
      const m = lowerFile(file);
      shapes.add(chooseShape(m));
      expectClose(m, file);
    }
    expect([...shapes].sort()).toEqual(["process", "thread"]);
  });

  it("is within a factor of two for large generated models", () => {
    const lines = ["var x: 0..3", "mutex m", "process p {"];
    for (let i = 0; i < 3000; i++) lines.push(i % 3 === 0 ? "  lock m" : i % 3 === 1 ? "  x := (x + 1) % 4" : "  unlock m");
    lines.push("}", "process q[i in 0..3] { lock m; x := 0; unlock m }");
    expectClose(lower(lines.join("\n")), "3,000 lock/update/unlock lines");
    const maps = ["var a: [0..1023] bool", "var b: [0..1023] bool", "process p {", ...Array.from({ length: 20 }, (_, i) => (i % 2 ? "  a := b" : "  b := a")), "}"];
    expectClose(lower(maps.join("\n")), "whole-map assignments");
  });

  it(`is bounded by ${MAX_CODE_BYTES / 2 ** 20} MB or 1/512 of the heap`, () => {
    expect(codeSizeBound()).toBeLessThanOrEqual(MAX_CODE_BYTES);
    expect(codeSizeBound()).toBeGreaterThan(0);
  });
});
