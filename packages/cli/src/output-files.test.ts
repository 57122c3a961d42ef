// Files knot writes: every way a write can fail is a sentence, quickly, and
// nothing a user wrote is overwritten or lost.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testDir } from "../../../tests/support/temp-dir.js";
import { type OutputFs, outputTargetProblem, writeOutputFile } from "./output-files.js";

const dir = testDir("knot-output-");
const isReport = (text: string) => text.startsWith("<report");
const nodeIo: OutputFs = { openSync: fs.openSync, writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, l), closeSync: fs.closeSync };

describe("writing a report file", () => {
  it("creates the file and its directories, and replaces a report knot wrote, keeping its mode", () => {
    const path = join(dir, "a/b/r.xml");
    expect(outputTargetProblem(path, isReport, "JUnit")).toBeUndefined();
    expect(writeOutputFile(path, "<report 1>")).toBeUndefined();
    fs.chmodSync(path, 0o600);
    expect(outputTargetProblem(path, isReport, "JUnit")).toBeUndefined();
    expect(writeOutputFile(path, "<report 2>")).toBeUndefined();
    expect(fs.readFileSync(path, "utf8")).toBe("<report 2>");
    expect(fs.statSync(path).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(join(dir, "a/b"))).toEqual(["r.xml"]);
  });

  it("refuses a file the user wrote, a directory, and a path through a file, leaving them as they are", () => {
    const mine = join(dir, "notes.txt");
    fs.writeFileSync(mine, "my notes");
    expect(outputTargetProblem(mine, isReport, "JUnit")).toMatch(/^refusing to overwrite '.*notes\.txt': it exists and is not a JUnit report written by knot/);
    expect(fs.readFileSync(mine, "utf8")).toBe("my notes");
    expect(outputTargetProblem(dir, isReport, "JUnit")).toMatch(/it is a directory$/);
    expect(writeOutputFile(dir, "x")).toMatch(/it is a directory$/);
    expect(outputTargetProblem(join(mine, "r.xml"), isReport, "JUnit")).toMatch(/a component of the path is not a directory \(ENOTDIR\)$/);
  });

  it("follows a symbolic link, so that the link stays, and refuses a dangling one", () => {
    const real = join(dir, "real.xml");
    const link = join(dir, "link.xml");
    fs.writeFileSync(real, "<report 0>");
    fs.symlinkSync(real, link);
    expect(writeOutputFile(link, "<report 1>")).toBeUndefined();
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(real, "utf8")).toBe("<report 1>");
    const dangling = join(dir, "dangling.xml");
    fs.symlinkSync(join(dir, "nowhere/x.xml"), dangling);
    expect(writeOutputFile(dangling, "x")).toMatch(/symbolic link to a file that does not exist$/);
  });

  it("a full disk is a sentence, and the half-written temporary file is removed", () => {
    const full: OutputFs = { ...nodeIo, writeSync: () => { throw Object.assign(new Error("ENOSPC"), { code: "ENOSPC" }); } };
    const path = join(dir, "full/r.xml");
    expect(writeOutputFile(path, "<report>", { fs: full })).toBe(`cannot write '${path}': no space left on the device (ENOSPC)`);
    expect(fs.readdirSync(join(dir, "full"))).toEqual([]);
    if (fs.existsSync("/dev/full")) expect(writeOutputFile("/dev/full", "<report>")).toBe("cannot write '/dev/full': no space left on the device (ENOSPC)");
  });

  it("a FIFO: refused at once when nobody reads it, written when someone does, given up when the reader stalls", () => {
    const fifo = join(dir, "fifo");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return; // no mkfifo: nothing to try
    expect(outputTargetProblem(fifo, isReport, "JUnit")).toBeUndefined();
    expect(writeOutputFile(fifo, "<report>")).toBe(`cannot write '${fifo}': a FIFO (named pipe) that nobody has open for reading`);
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      expect(writeOutputFile(fifo, "<report>")).toBeUndefined();
      const buf = Buffer.alloc(64);
      expect(buf.subarray(0, fs.readSync(reader, buf)).toString()).toBe("<report>");
      // more than the pipe holds, and the reader never reads
      const start = performance.now();
      expect(writeOutputFile(fifo, "x".repeat(1 << 20), { stallMs: 100 })).toMatch(/^cannot write '.*fifo': nobody read from it for 100 ms \(\d+ of 1048576 bytes written\)$/);
      expect(performance.now() - start).toBeLessThan(5000);
    } finally {
      fs.closeSync(reader);
    }
  });

  it("does not spin on a directory that cannot be made (under /proc)", () => {
    expect(writeOutputFile("/proc/knot-nonexistent/r.xml", "x")).toMatch(/^cannot write '\/proc\/knot-nonexistent\/r\.xml': /);
  });
});

describe("standard output and error that cannot be written", () => {
  const knot = (args: string, redirect: string) => spawnSync("sh", ["-c", `node packages/cli/dist/cli.js ${args} ${redirect}`], { encoding: "utf8", timeout: 20000 });

  it("stdout on a full device: K9017 on stderr, exit 2", () => {
    if (!fs.existsSync("/dev/full")) return;
    const r = knot("compile models/kvm/devices.knot --emit ir", ">/dev/full");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("knot: error[K9017]: cannot write to standard output: no space left on the device (ENOSPC)\n");
  });

  it("stderr on a full device: exit 2, not a crash", () => {
    if (!fs.existsSync("/dev/full")) return;
    expect(knot("check nosuch.knot", "2>/dev/full").status).toBe(2);
  });

  it("knot test --junit /dev/full: K9103 and exit 2; /dev/stdout gets the report after the table", () => {
    if (fs.existsSync("/dev/full")) {
      const r = knot("test specs/examples.knot --junit /dev/full", "");
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("knot: error[K9103]: cannot write '/dev/full': no space left on the device (ENOSPC)");
    }
    const out = join(dir, "stdout.txt");
    const s = knot("test specs/examples.knot --junit /dev/stdout", `>${out}`);
    expect(s.status).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toMatch(/^ {2}check .*\nok: \d+ checks .*\n<\?xml /s);
  });
});
