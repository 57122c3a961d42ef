// Golden tests for whole runs of the command line. Each case is a directory under
// tests/golden/ holding `cmd` (the knot arguments, one line, run from the
// repository root; $CASE names the case directory), optionally the models it
// uses, and the expected `stdout`, `stderr` and `exit`. Timings and memory
// figures are normalised. To accept new output on purpose:
//   KNOT_UPDATE_GOLDEN=1 npx vitest run golden   (then review the diff)
import { existsSync, readFileSync, readdirSync, writeFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./io.js";
import { normalise } from "./test-normalise.js";

const root = join(import.meta.dirname, "../../..");
const goldenDir = join(root, "tests/golden");
const update = process.env.KNOT_UPDATE_GOLDEN === "1";

function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

const cases = existsSync(goldenDir) ? readdirSync(goldenDir).filter((d) => existsSync(join(goldenDir, d, "cmd"))).sort() : [];

describe("golden runs", () => {
  it("has cases", () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const name of cases) {
    it(name, async () => {
      const dir = join(goldenDir, name);
      const caseRel = `tests/golden/${name}`;
      const args = splitArgs(readFileSync(join(dir, "cmd"), "utf8").trim().replace(/\$CASE/g, caseRel));
      const io = captureIo();
      const cwd = process.cwd();
      process.chdir(root);
      let exit: number;
      try {
        exit = await main(args, io);
      } finally {
        process.chdir(cwd);
      }
      const got = { stdout: normalise(io.stdout), stderr: normalise(io.stderr), exit: `${exit}\n` };
      for (const file of ["stdout", "stderr", "exit"] as const) {
        const path = join(dir, file);
        if (update) {
          if (got[file] === "" && file !== "exit") {
            if (existsSync(path)) unlinkSync(path);
          } else writeFileSync(path, got[file]);
          continue;
        }
        const want = existsSync(path) ? readFileSync(path, "utf8") : "";
        expect(got[file], `${name}/${file}`).toBe(want);
      }
    });
  }
});
