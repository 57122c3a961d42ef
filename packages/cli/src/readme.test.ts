// The README's worked examples are real: every ```console block that starts with
// `$ pnpm -s knot ...` is run and its output compared (timings normalised). When
// the prose around a block claims an exit code ("exit code 0", "The exit code is
// 1"; the nearest claim before the block, else the first one after it), the run
// must end with that code.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { normalise } from "./test-normalise.js";
import { captureIo } from "./io.js";

const root = join(import.meta.dirname, "../../..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const fences = [...readme.matchAll(/^```[^\n]*\n[\s\S]*?^```$/gm)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
const blocks = [...readme.matchAll(/```console\n\$ pnpm -s knot (.*)\n([\s\S]*?)```/g)].map((m) => {
  const i = fences.findIndex((f) => f.start === m.index);
  const before = readme.slice(i > 0 ? fences[i - 1]!.end : 0, m.index);
  const after = readme.slice(m.index + m[0].length, fences[i + 1]?.start ?? readme.length);
  const claim = (text: string, last: boolean) => {
    const all = [...text.matchAll(/exit code (?:is )?(\d+)/g)].map((c) => Number(c[1]));
    return last ? all[all.length - 1] : all[0];
  };
  return { args: m[1]!.split(/\s+/), output: m[2]!, exit: claim(before, true) ?? claim(after, false) };
});

describe("README examples", () => {
  it("has examples", () => expect(blocks.length).toBeGreaterThan(0));
  it("claims exit codes for the examples", () => expect(blocks.filter((b) => b.exit !== undefined).length).toBeGreaterThanOrEqual(3));
  for (const b of blocks) {
    it(`knot ${b.args.join(" ")}${b.exit !== undefined ? ` (exit ${b.exit})` : ""}`, async () => {
      const io = captureIo();
      const cwd = process.cwd();
      process.chdir(root);
      let code: number;
      try {
        code = await main(b.args, io);
      } finally {
        process.chdir(cwd);
      }
      expect(normalise(io.stdout)).toBe(normalise(b.output));
      if (b.exit !== undefined) expect(code, "the exit code the README claims").toBe(b.exit);
    });
  }
});
