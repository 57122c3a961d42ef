// The README's worked examples are real: every ```console block that starts with
// `$ pnpm -s knot ...` is run and its output compared (timings normalised).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { normalise } from "./test-normalise.js";
import { captureIo } from "./io.js";

const root = join(import.meta.dirname, "../../..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```console\n\$ pnpm -s knot (.*)\n([\s\S]*?)```/g)].map((m) => ({ args: m[1]!.split(/\s+/), output: m[2]! }));

describe("README examples", () => {
  it("has examples", () => expect(blocks.length).toBeGreaterThan(0));
  for (const b of blocks) {
    it(`knot ${b.args.join(" ")}`, async () => {
      const io = captureIo();
      const cwd = process.cwd();
      process.chdir(root);
      try {
        await main(b.args, io);
      } finally {
        process.chdir(cwd);
      }
      expect(normalise(io.stdout)).toBe(normalise(b.output));
    });
  }
});
