// The compile cache as a user meets it, through `knot`: an entry edited by hand
// does not run and does not change the verdict, planted symlinks write nothing
// through, a corrupt entry is rebuilt silently (never exit 70), an unsafe or
// unusable directory gives one warning and the check still runs (never a hang),
// and --no-cache / KNOT_CACHE=off write nothing. Each test points
// KNOT_CACHE_DIR at its own temporary directory and restores the environment.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { run } from "./cli.js";
import { ExitCode } from "./exit-codes.js";
import { captureIo } from "./io.js";

const root = mkdtempSync(join(tmpdir(), "knot-cli-cache-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const saved = { KNOT_CACHE_DIR: process.env.KNOT_CACHE_DIR, KNOT_CACHE: process.env.KNOT_CACHE };
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

let counter = 0;
/** A cache directory path for one test (not created: knot makes it). */
function useCache(): string {
  const dir = join(root, `cache-${counter++}`);
  process.env.KNOT_CACHE_DIR = dir;
  delete process.env.KNOT_CACHE;
  return dir;
}

async function knot(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await run(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const VFIO = ["models/kvm/vfio.knot", "--set", "TEARDOWN=destroy"];
const HEADLINE = "models/kvm/vfio.knot (TEARDOWN = destroy): 1 violation\n\nviolation[recursive-locking]: close_vfio_device_fd waits for group_lock, which it already holds";

/** `knot check` of the seed model finds its violation, quietly. */
async function expectViolation(...extra: string[]): Promise<void> {
  const r = await knot("check", ...VFIO, ...extra);
  expect(r.code).toBe(ExitCode.Violation);
  expect(r.stdout.startsWith(HEADLINE)).toBe(true);
  expect(r.stderr).toBe("");
}

/** The one entry in `dir`. */
function entryIn(dir: string): string {
  const entries = readdirSync(dir).filter((n) => n.endsWith(".json"));
  expect(entries).toHaveLength(1);
  return join(dir, entries[0]!);
}

describe("knot and an edited cache entry", () => {
  it("never runs an entry edited to write a file, with --engine compiled or auto", async () => {
    const dir = useCache();
    await expectViolation("--engine", "compiled");
    const path = entryIn(dir);
    const marker = join(root, `marker-${counter}`);
    const e = JSON.parse(readFileSync(path, "utf8"));
    e.js = `process.getBuiltinModule("fs").writeFileSync(${JSON.stringify(marker)}, "pwned");\n${e.js}`;
    writeFileSync(path, JSON.stringify(e));
    await expectViolation();
    await expectViolation("--engine", "compiled");
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(path, "utf8")).not.toContain("getBuiltinModule"); // rebuilt
  });

  it("never runs it under auto on a model large enough to switch to a cached module", async () => {
    const dir = useCache();
    const args = ["check", "models/examples/philosophers.knot", "--set", "N=8", "--set", "ORDERED=false"];
    expect((await knot(...args, "--engine", "compiled")).code).toBe(ExitCode.Violation);
    const path = entryIn(dir);
    const marker = join(root, `marker-${counter}`);
    const e = JSON.parse(readFileSync(path, "utf8"));
    e.js = `process.getBuiltinModule("fs").writeFileSync(${JSON.stringify(marker)}, "pwned");\n${e.js}`;
    writeFileSync(path, JSON.stringify(e));
    const r = await knot(...args);
    expect(r.code).toBe(ExitCode.Violation);
    expect(r.stdout).toContain("violation[lock-cycle]");
    expect(existsSync(marker)).toBe(false);
  });

  it("keeps the verdict when the entry's code is replaced by the fixed model's", async () => {
    const dir = useCache();
    await expectViolation("--engine", "compiled");
    const path = entryIn(dir);
    const bugEntry = JSON.parse(readFileSync(path, "utf8"));
    rmSync(path);
    expect((await knot("check", "models/kvm/vfio.knot", "--set", "TEARDOWN=release", "--engine", "compiled")).code).toBe(ExitCode.Pass);
    const fixEntry = JSON.parse(readFileSync(entryIn(dir), "utf8"));
    rmSync(entryIn(dir));
    writeFileSync(path, JSON.stringify({ ...bugEntry, js: fixEntry.js, tables: fixEntry.tables, messages: fixEntry.messages }));
    await expectViolation("--engine", "compiled");
  });
});

describe("knot and planted symlinks", () => {
  it("leaves the target of a symlink at the entry name and at the old temporary name alone", async () => {
    const dir = useCache();
    await expectViolation("--engine", "compiled");
    const path = entryIn(dir);
    const key = path.slice(dir.length + 1, -".json".length);
    rmSync(path);
    const victim = join(root, `victim-${counter}`);
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, path);
    symlinkSync(victim, join(dir, `${key}.${process.pid}.tmp`));
    await expectViolation("--engine", "compiled");
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(lstatSync(path).isFile()).toBe(true);
  });
});

describe("knot and a corrupt cache entry", () => {
  const corruptions: [string, (path: string) => void][] = [
    ["truncated", (p) => writeFileSync(p, readFileSync(p, "utf8").slice(0, 200))],
    ["empty", (p) => writeFileSync(p, "")],
    ["ill-typed", (p) => writeFileSync(p, JSON.stringify({ ...JSON.parse(readFileSync(p, "utf8")), js: 1, tables: "x" }))],
    ["a directory", (p) => {
      rmSync(p);
      mkdirSync(p);
    }],
  ];
  for (const [what, corrupt] of corruptions) {
    it(`rebuilds silently when the entry is ${what}`, async () => {
      const dir = useCache();
      await expectViolation("--engine", "compiled");
      corrupt(entryIn(dir));
      await expectViolation("--engine", "compiled");
      await expectViolation();
    });
  }
});

describe("knot and an unsafe or unusable cache directory", () => {
  it("warns once and runs without the cache when the directory is writable by others", async () => {
    const dir = useCache();
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const r = await knot("check", ...VFIO, "--engine", "compiled");
    expect(r.code).toBe(ExitCode.Violation);
    expect(r.stdout.startsWith(HEADLINE)).toBe(true);
    expect(r.stderr).toBe(
      `knot: warning[K9030]: not using the compile cache at ${dir}: it is writable by its group and others (mode 0777); make it private (chmod 700 ${dir}), or switch the cache off (--no-cache, KNOT_CACHE=off)\n`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it("warns once per run of knot test, however many checks it runs", async () => {
    const dir = useCache();
    symlinkSync(mkdtempSync(join(root, "real-")), dir);
    const spec = join(root, `spec-${counter}.knot`);
    const model = resolve("models/kvm/vfio.knot");
    writeFileSync(spec, `check "destroy" {\n  model "${model}"\n  set TEARDOWN = destroy\n  expect recursive-locking\n}\n\ncheck "release" {\n  model "${model}"\n  set TEARDOWN = release\n  expect pass\n}\n`);
    const r = await knot("test", spec);
    expect(r.code).toBe(ExitCode.Pass);
    expect(r.stderr.match(/warning\[K9030\]/g)).toHaveLength(1);
    expect(r.stderr).toContain("it is a symbolic link");
  });

  it("warns and still checks when the directory cannot exist (under a regular file)", async () => {
    const file = join(root, `file-${counter++}`);
    writeFileSync(file, "");
    process.env.KNOT_CACHE_DIR = join(file, "knot");
    const r = await knot("check", ...VFIO, "--engine", "compiled");
    expect(r.code).toBe(ExitCode.Violation);
    expect(r.stderr).toMatch(/^knot: warning\[K9032\]: not using the compile cache at .*: cannot create it \(ENOTDIR/);
  });

  it("does not hang on KNOT_CACHE_DIR=/proc/nonexist (the built command)", () => {
    // Node's recursive mkdir used to loop there forever; the time-out only keeps a regression from hanging the suite
    const r = spawnSync(process.execPath, ["packages/cli/dist/cli.js", "check", ...VFIO, "--engine", "compiled"], {
      encoding: "utf8", timeout: 60000, env: { ...process.env, KNOT_CACHE_DIR: "/proc/nonexist", KNOT_CACHE: "" },
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(ExitCode.Violation);
    expect(r.stdout.startsWith(HEADLINE)).toBe(true);
    expect(r.stderr).toMatch(/^knot: warning\[K9032\]: not using the compile cache at \/proc\/nonexist: cannot create it \(ENOENT/);
  });

  it("--engine interp does not touch the cache at all", async () => {
    const dir = useCache();
    await expectViolation("--engine", "interp");
    expect(existsSync(dir)).toBe(false);
  });
});

describe("switching the cache off", () => {
  const runs: [string, string[], number][] = [
    ["check", ["check", ...VFIO, "--engine", "compiled"], ExitCode.Violation],
    ["compile --emit js", ["compile", "models/kvm/vfio.knot", "--emit", "js"], ExitCode.Pass],
    ["compare", ["compare", "models/examples/philosophers.knot", "--set", "N=3", "--base", "ORDERED=false", "--head", "ORDERED=true"], ExitCode.Pass],
  ];
  for (const [what, args, exit] of runs) {
    it(`${what} with --no-cache or KNOT_CACHE=off writes nothing`, async () => {
      const dir = useCache();
      expect((await knot(...args, "--no-cache")).code).toBe(exit);
      expect(existsSync(dir)).toBe(false);
      process.env.KNOT_CACHE = "off";
      const r = await knot(...args);
      expect(r.code).toBe(exit);
      expect(r.stderr).toBe("");
      expect(existsSync(dir)).toBe(false);
      delete process.env.KNOT_CACHE;
      expect((await knot(...args)).code).toBe(exit); // the control: with the cache on, it is used
      expect(existsSync(join(dir, "key"))).toBe(true);
    });
  }

  it("test with --no-cache or KNOT_CACHE=off writes nothing", async () => {
    const dir = useCache();
    expect((await knot("test", "specs/kvm_vfio.knot", "--no-cache")).code).toBe(ExitCode.Pass);
    process.env.KNOT_CACHE = "0";
    expect((await knot("test", "specs/kvm_vfio.knot")).code).toBe(ExitCode.Pass);
    expect(existsSync(dir)).toBe(false);
  });

  it("an unknown KNOT_CACHE value is a warning and no cache", async () => {
    const dir = useCache();
    process.env.KNOT_CACHE = "sometimes";
    const r = await knot("check", ...VFIO, "--engine", "compiled");
    expect(r.code).toBe(ExitCode.Violation);
    expect(r.stderr).toBe("knot: warning[K9033]: KNOT_CACHE=sometimes is neither on (on, 1, true, yes) nor off (off, 0, false, no); not using the compile cache\n");
    expect(existsSync(dir)).toBe(false);
  });
});
