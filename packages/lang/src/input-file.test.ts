// Reading files a user names: regular files are read, everything that could
// hang knot, flood its memory or leak a secret is refused with a reason that
// never quotes the file, and imports of files that are not models are refused
// before anything is read.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InputFs, readInputFile } from "./input-file.js";
import { LangCodes } from "./diagnostics.js";
import { type FileHost, loadModel, memoryHost } from "./loader.js";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(join(tmpdir(), "knot-input-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function problem(path: string, maxBytes?: number, fsImpl?: InputFs) {
  const r = readInputFile(path, maxBytes, fsImpl);
  if ("text" in r) throw new Error(`read ${path}`);
  return r.problem;
}

describe("readInputFile", () => {
  it("reads a regular file as UTF-8 text", () => {
    fs.writeFileSync(join(dir, "m.knot"), "process p { skip } // é\n");
    expect(readInputFile(join(dir, "m.knot"))).toEqual({ text: "process p { skip } // é\n" });
  });

  it("says why a file cannot be read", () => {
    expect(problem(join(dir, "nosuch.knot"))).toMatchObject({ kind: "missing", reason: "no such file" });
    expect(problem(dir)).toMatchObject({ kind: "directory", reason: "it is a directory" });
  });

  it("refuses kernel interfaces, also through a symbolic link, before opening them", () => {
    for (const p of ["/proc/self/environ", "/dev/zero", "/dev/null", "/sys/kernel/notes"]) {
      if (!fs.existsSync(p)) continue;
      expect(problem(p).kind, p).toBe("kernel");
    }
    fs.symlinkSync("/proc/self/environ", join(dir, "env.knot"));
    const p = problem(join(dir, "env.knot"));
    expect(p.kind).toBe("kernel");
    expect(p.reason).toBe("it is under /proc, a kernel interface, not a file knot reads");
  });

  it.skipIf(process.platform !== "linux")("refuses a FIFO at once instead of waiting for a writer", () => {
    const fifo = join(dir, "fifo.knot");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    expect(problem(fifo)).toMatchObject({ kind: "special", reason: "it is a FIFO (named pipe), not a regular file" });
  });

  it("refuses a file above the bound, by its size and when its size lies", () => {
    fs.writeFileSync(join(dir, "big.knot"), "x".repeat(3000));
    expect(problem(join(dir, "big.knot"), 2048)).toMatchObject({ kind: "too-large", reason: "it is 2.9 KiB; the limit is 2 KiB" });
    expect(readInputFile(join(dir, "big.knot"), 3000)).toEqual({ text: "x".repeat(3000) });
    // a file system that reports size 0 (as /proc does) and then reads without end
    const real = fs.fstatSync;
    const endless: InputFs = {
      ...fs,
      fstatSync: ((fd: number) => Object.assign(real(fd), { size: 0 })) as typeof fs.fstatSync,
      readSync: ((_fd: number, buf: Uint8Array) => buf.fill(120).length) as typeof fs.readSync,
    };
    expect(problem(join(dir, "big.knot"), 100_000, endless)).toMatchObject({ kind: "too-large", reason: "it is larger than 97.7 KiB; the limit is 97.7 KiB" });
  });

  it("refuses a binary file without quoting it", () => {
    fs.writeFileSync(join(dir, "bin.knot"), Buffer.from([0x70, 0x72, 0x6f, 0x00, 0x41, 0x42]));
    expect(problem(join(dir, "bin.knot"))).toEqual({ kind: "binary", reason: "it is a binary file (a NUL byte at offset 3), not text" });
  });
});

/** A host that records which files were read. */
function recordingHost(files: Record<string, string>): FileHost & { reads: string[] } {
  const inner = memoryHost(files);
  const reads: string[] = [];
  return { reads, readFile: (p) => (reads.push(p), inner.readFile(p)), identity: (p) => inner.identity(p) };
}

describe("files a model names", () => {
  it("refuses to import a file that is not a model, without reading it", () => {
    const host = recordingHost({ "m.knot": 'import "/proc/self/environ"\nimport "secret.txt"\nimport "lib.knot"\nprocess p { skip }\n', "secret.txt": "TOKEN=hunter2", "lib.knot": "const K = 1\n" });
    const r = loadModel("m.knot", host);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      [LangCodes.NotAModelFile, "refusing to import '/proc/self/environ': a model names only model files, whose names end in '.knot'"],
      [LangCodes.NotAModelFile, "refusing to import 'secret.txt': a model names only model files, whose names end in '.knot'"],
    ]);
    expect(host.reads).toEqual(["m.knot", "lib.knot"]);
  });

  it("reads a root of any name the user gives, but a spec's model only if it is a .knot file", () => {
    const host = recordingHost({ "m.model": "process p { skip }\n" });
    expect(loadModel("m.model", host).diagnostics).toEqual([]);
    const fromSpec = loadModel("m.model", host, undefined, { rootFromFile: true });
    expect(fromSpec.diagnostics.map((d) => d.code)).toEqual([LangCodes.NotAModelFile]);
    expect(host.reads).toEqual(["m.model"]);
  });

  it("gives each kind of unreadable import its own code", () => {
    const host: FileHost = {
      readFile: (p) => (p === "m.knot" ? { text: 'import "a.knot"\nimport "b.knot"\nimport "c.knot"\nprocess p { skip }\n' } : { error: "why", kind: p === "a.knot" ? "special" : p === "b.knot" ? "too-large" : "binary" }),
      identity: (p) => p,
    };
    expect(loadModel("m.knot", host).diagnostics.map((d) => d.code)).toEqual([LangCodes.NotRegularFile, LangCodes.FileTooLarge, LangCodes.BinaryFile]);
  });
});
