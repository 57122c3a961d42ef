// The output docs/*.md shows is what knot prints: every `$ knot ARGS` line of a ```console
// block is run from the repository root and what follows it (up to the next `$` line or
// the block's end) compared, stdout and stderr together (timings normalised). Left out:
// commands on a model the text only writes out (no such file in the repository) and output
// cut short on purpose with a `…` line. `node tools/docs-output.mjs --update` rewrites
// stale output after a deliberate change.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./io.js";
import { normalise } from "./test-normalise.js";

const root = join(import.meta.dirname, "../../..");

interface Shown {
  file: string;
  line: number;
  args: string[];
  output: string;
}

/** Shell-like words (double and single quotes, no expansion), as tools/docs-output.mjs splits them. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

function shownCommands(): Shown[] {
  const out: Shown[] = [];
  for (const name of readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort()) {
    const lines = readFileSync(join(root, "docs", name), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] !== "```console") continue;
      let j = i + 1;
      while (j < lines.length && lines[j] !== "```") {
        const cmd = lines[j]!;
        const at = j + 1;
        j++;
        const output: string[] = [];
        while (j < lines.length && lines[j] !== "```" && !lines[j]!.startsWith("$ ")) output.push(lines[j++]!);
        if (!cmd.startsWith("$ knot ")) continue;
        const args = words(cmd.slice("$ knot ".length));
        if (args.some((a) => a.endsWith(".knot") && !existsSync(join(root, a))) || output.some((l) => l.trim() === "…")) continue;
        out.push({ file: `docs/${name}`, line: at, args, output: output.join("\n") });
      }
      i = j;
    }
  }
  return out;
}

const shown = shownCommands();

describe("the output docs/ shows", () => {
  it("has commands to run", () => expect(shown.length).toBeGreaterThan(20));
  for (const c of shown) {
    it(`${c.file}:${c.line}: knot ${c.args.join(" ")}`, async () => {
      const io = captureIo();
      const cwd = process.cwd();
      process.chdir(root);
      try {
        await main(c.args, io);
      } finally {
        process.chdir(cwd);
      }
      expect(normalise((io.stdout + io.stderr).replace(/\n+$/, ""))).toBe(normalise(c.output));
    });
  }
});
