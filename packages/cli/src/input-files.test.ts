// Files a command or model names, end to end: a secret named by an import or a
// spec never reaches stderr, stdout or a JUnit file; special files are refused
// at once (exit 2) instead of hanging or filling memory; a binary or garbage
// file gives a short answer; hidden characters of a model are escaped.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./cli.js";
import { ExitCode } from "./exit-codes.js";
import { captureIo } from "./io.js";

const SECRET = "knot-test-secret-5f1d2c";
let dir: string;
const file = (name: string, text: string | Buffer) => {
  fs.writeFileSync(join(dir, name), text);
  return join(dir, name);
};

beforeAll(() => {
  dir = fs.mkdtempSync(join(tmpdir(), "knot-files-"));
  process.env.KNOT_TEST_SECRET = SECRET; // in /proc/self/environ from now on
});
afterAll(() => {
  delete process.env.KNOT_TEST_SECRET;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function knot(...args: string[]) {
  const io = captureIo();
  const code = await run(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe("secrets a model points at", () => {
  it.skipIf(!fs.existsSync("/proc/self/environ"))("an import of /proc/self/environ or of a text file is refused without quoting it", async () => {
    file("secret.txt", `TOKEN=${SECRET}\n`);
    for (const target of ["/proc/self/environ", join(dir, "secret.txt")]) {
      const m = file("m.knot", `import "${target}"\nprocess p { skip }\n`);
      for (const format of ["text", "json"]) {
        const r = await knot("check", m, "--format", format);
        expect(r.code).toBe(ExitCode.UsageOrModelError);
        expect(r.out + r.err).toContain("K3010");
        expect(r.out + r.err).not.toContain(SECRET);
      }
    }
  });

  it.skipIf(!fs.existsSync("/proc/self/environ"))("a spec's model naming a secret is refused in the output and in the JUnit and SARIF files", async () => {
    fs.symlinkSync("/proc/self/environ", join(dir, "env.knot"));
    const spec = file("s.knot", 'check "environ" {\n  model "/proc/self/environ"\n  expect pass\n}\ncheck "linked" {\n  model "env.knot"\n  expect pass\n}\n');
    const junit = join(dir, "out.xml");
    const sarif = join(dir, "out.sarif");
    const r = await knot("test", spec, "--junit", junit, "--sarif", sarif);
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    const all = r.out + r.err + fs.readFileSync(junit, "utf8") + fs.readFileSync(sarif, "utf8");
    expect(all).toContain("K3010");
    expect(all).toContain("K3007");
    expect(all).not.toContain(SECRET);
  });
});

describe("special files", () => {
  it("a device, a kernel file or a FIFO is refused at once", async () => {
    const targets = ["/dev/zero", "/dev/null", "/proc/self/environ"].filter((p) => fs.existsSync(p));
    if (process.platform === "linux" && spawnSync("mkfifo", [join(dir, "fifo.knot")]).status === 0) targets.push(join(dir, "fifo.knot"));
    for (const t of targets) {
      const check = await knot("check", t);
      expect(check.code, t).toBe(ExitCode.UsageOrModelError);
      expect(check.err, t).toMatch(/error\[K3007\]: cannot read '.*': it is (under \/(dev|proc), a kernel interface|a FIFO \(named pipe\)), not/);
      const spec = await knot("test", t);
      expect(spec.code, t).toBe(ExitCode.UsageOrModelError);
      expect(spec.err, t).toContain("K8008");
      const trace = await knot("trace", t);
      expect(trace.code, t).toBe(ExitCode.UsageOrModelError);
      expect(trace.err, t).toContain("error[K9010]");
    }
  });

  it("a file above the size limit is refused by its size", async () => {
    const big = file("big.knot", Buffer.alloc(8 * 1024 * 1024 + 1, 32));
    const r = await knot("check", big);
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    expect(r.err).toContain("error[K3008]: cannot read");
    expect(r.err).toContain("it is 8 MiB; the limit is 8 MiB");
  });
});

describe("binary and garbage files", () => {
  it("a binary file is one diagnostic", async () => {
    const bin = file("bin.knot", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00]));
    const r = await knot("check", bin);
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    expect(r.err).toBe(`knot: error[K3009]: cannot read '${bin}': it is a binary file (a NUL byte at offset 7), not text\n\n1 error\n`);
  });

  it("a file of garbage text gives at most 100 diagnostics and a count", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `process ${i} { x := := ] \u001b[2J @`);
    const r = await knot("check", file("garbage.knot", lines.join("\n")));
    expect(r.code).toBe(ExitCode.UsageOrModelError);
    expect(r.err.match(/error\[K\d+\]/g)).toHaveLength(100);
    expect(r.err).toMatch(/\n\.\.\. and [\d,]+ more\n\n[\d,]+ errors\n$/);
    expect(r.err).not.toContain("\u001b");
    const json = JSON.parse((await knot("check", join(dir, "garbage.knot"), "--format", "json")).out) as { diagnostics: unknown[]; omittedDiagnostics: number };
    expect(json.diagnostics).toHaveLength(100);
    expect(json.omittedDiagnostics).toBeGreaterThan(1000);
  });
});

describe("hidden characters", () => {
  it("are escaped in a violation's message and in the trace's source text", async () => {
    const m = file("esc.knot", 'process p { assert false : "ok\u001b[2J\u202edone" }\n');
    for (const format of ["text", "json", "mermaid"]) {
      const r = await knot("check", m, "--format", format);
      expect(r.code).toBe(ExitCode.Violation);
      expect(r.out).not.toMatch(/[\u001b\u202e]/);
      // JSON doubles the backslash of the escape, Mermaid writes it as #92;
      expect(r.out).toContain({ json: "ok\\\\x1b[2J\\\\u{202e}done", text: "ok\\x1b[2J\\u{202e}done", mermaid: "ok#92;x1b[2J#92;u{202e}done" }[format]);
    }
  });
});
