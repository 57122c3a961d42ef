// The compile cache is no way in: an entry edited by hand never runs (whatever it
// was edited to do), a planted symlink never makes knot write through it, a
// corrupt entry costs only a rebuild, an unsafe or unusable directory is refused
// with a warning and the search still runs. Every case checks the verdict on a
// model with a violation (the kvm-vfio teardown through .destroy). The tests run
// as root here, so what root cannot be denied (EROFS, a foreign owner) is
// simulated through the cache's injectable file system and user id.
import { execFileSync } from "node:child_process";
import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync,
} from "node:fs";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Model, ViolationKind } from "@knot/ir";
import { lowerFile } from "../../ir/src/test-lower.js";
import { type CacheHost, type CodeCache, cacheSwitch, defaultCacheDir, openCodeCache, openDefaultCodeCache, unsafeReason } from "./code-cache.js";
import { cacheKey, compileModule, compiledSearchOption } from "./compiled.js";
import { explore } from "./explore.js";
import { computePackedLayout, constantSlots } from "./packing.js";

/** The packed layout a search uses (slots that never change take no bits). */
function searchLayout(m: Model) {
  return computePackedLayout(m, constantSlots(m, m.initial));
}

const root = mkdtempSync(join(tmpdir(), "knot-code-cache-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A new, private (0700) cache directory under the test's root. */
function freshDir(): string {
  const dir = join(root, `c${counter++}`);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

const buggy = lowerFile("models/kvm/vfio.knot", { TEARDOWN: "destroy" });
const fixed = lowerFile("models/kvm/vfio.knot", { TEARDOWN: "release" });
const noChecksOff = new Set<ViolationKind>();
const VERSION = "code-cache-test";
const codegen = { disabled: noChecksOff, lockOrder: true, version: VERSION };

/** The verdict of a search with the compiled engine and this cache: the violation kinds found. */
function verdict(model: Model, cacheDir: string | CodeCache | false, engine: "compiled" | "auto" = "compiled"): string[] {
  return search(model, cacheDir, engine).violations.map((v) => v.kind);
}

function search(model: Model, cacheDir: string | CodeCache | false, engine: "compiled" | "auto") {
  return explore(model, { compiled: compiledSearchOption(model, engine, { disabled: noChecksOff, cacheDir, version: VERSION }) });
}

function open(dir: string, host?: CacheHost): CodeCache {
  const { cache, warnings } = openCodeCache(dir, host);
  expect(warnings).toEqual([]);
  return cache!;
}

/** Build the buggy model's entry in `dir`; its key and path. */
function populate(dir: string): { key: string; path: string } {
  expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
  const key = cacheKey(buggy, codegen);
  const path = join(dir, `${key}.json`);
  expect(lstatSync(path).isFile()).toBe(true);
  return { key, path };
}

function entryOf(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

/** The entry in `dir` is now one knot wrote and accepts (the search rebuilt it). */
function expectRebuilt(dir: string, key: string): void {
  expect(open(dir).load(key)).toBeDefined();
  expect(compileModule(buggy, searchLayout(buggy), { ...codegen, cacheDir: dir }).source).toBe("cache");
}

describe("an edited entry never runs", () => {
  it("ignores an entry whose js was edited to write a file, and rebuilds it", () => {
    const dir = freshDir();
    const { key, path } = populate(dir);
    const marker = join(root, `marker-${counter}`);
    const e = entryOf(path);
    e.js = `process.getBuiltinModule("fs").writeFileSync(${JSON.stringify(marker)}, "pwned");\n${e.js as string}`;
    writeFileSync(path, JSON.stringify(e)); // the old MAC kept
    expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(path, "utf8")).not.toContain("getBuiltinModule");
    expectRebuilt(dir, key);
    // the control: the same edit authenticated under the cache's own key does run
    const layout = entryOf(path).layout as string;
    expect(open(dir).store(key, layout, { js: e.js as string, tables: e.tables as number[][], messages: e.messages as string[] })).toBe(true);
    expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
    expect(readFileSync(marker, "utf8")).toBe("pwned");
  });

  it("auto does not run an edited entry either", () => {
    // large enough that auto, given a cached module, switches to it during the search
    const philosophers = lowerFile("models/examples/philosophers.knot", { N: "8", ORDERED: "false" });
    const dir = freshDir();
    expect(verdict(philosophers, dir)).toEqual(["lock-cycle"]);
    const path = join(dir, `${cacheKey(philosophers, codegen)}.json`);
    expect(search(philosophers, dir, "auto").stats.engine).toBe("compiled"); // the control: an intact entry is used
    const marker = join(root, `marker-${counter}`);
    const e = entryOf(path);
    e.js = `process.getBuiltinModule("fs").writeFileSync(${JSON.stringify(marker)}, "pwned");\n${e.js as string}`;
    writeFileSync(path, JSON.stringify(e));
    expect(verdict(philosophers, dir, "auto")).toEqual(["lock-cycle"]);
    expect(existsSync(marker)).toBe(false);
  });

  it("auto does not take a tampered entry for a cached module", () => {
    const dir = freshDir();
    const { path } = populate(dir);
    expect(compiledSearchOption(buggy, "auto", { disabled: noChecksOff, cacheDir: dir, version: VERSION }).switchAfterMs).toBe(0);
    const e = entryOf(path);
    e.js = `${e.js as string}\n// edited`;
    writeFileSync(path, JSON.stringify(e));
    expect(compiledSearchOption(buggy, "auto", { disabled: noChecksOff, cacheDir: dir, version: VERSION }).switchAfterMs).toBe(300);
  });

  it("keeps the violation when the entry is swapped for the fixed model's code", () => {
    // the code of the fixed model (.release), stored under the buggy model's key:
    // with the cache's own key this would pass a violating model; with any other MAC it is refused
    const dir = freshDir();
    const { key, path } = populate(dir);
    const layout = entryOf(path).layout as string;
    const release = compileModule(fixed, searchLayout(fixed), { ...codegen, cacheDir: false });
    const swapped = { js: release.js, tables: release.tables, messages: release.messages };

    const old = entryOf(path);
    writeFileSync(path, JSON.stringify({ ...old, js: swapped.js, tables: swapped.tables, messages: swapped.messages })); // MAC left alone
    expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
    expectRebuilt(dir, key);

    const other = open(freshDir()); // the same entry, authenticated under another cache's key
    expect(other.store(key, layout, swapped)).toBe(true);
    writeFileSync(path, readFileSync(other.entryPath(key)));
    expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
    expectRebuilt(dir, key);

    // the control: under the cache's own key the swap would be loaded (and its code run);
    // that is the trust model: whoever holds the key can run code as you
    expect(open(dir).store(key, layout, swapped)).toBe(true);
    expect(compileModule(buggy, searchLayout(buggy), { ...codegen, cacheDir: dir })).toMatchObject({ source: "cache", js: release.js });
  });

  it("refuses an entry moved from another key's name", () => {
    const dir = freshDir();
    const { key, path } = populate(dir);
    const cache = open(dir);
    const otherKey = "0".repeat(40);
    writeFileSync(cache.entryPath(otherKey), readFileSync(path));
    expect(cache.load(otherKey)).toBeUndefined();
    expect(cache.load(key)).toBeDefined();
  });
});

describe("planted symlinks are never written through", () => {
  it("replaces a symlink at the entry name and at old predictable temporary names, not their target", () => {
    const dir = freshDir();
    const victim = join(root, `victim-${counter}`);
    writeFileSync(victim, "victim\n");
    const key = cacheKey(buggy, codegen);
    symlinkSync(victim, join(dir, `${key}.json`));
    symlinkSync(victim, join(dir, `${key}.${process.pid}.tmp`));
    symlinkSync(victim, join(dir, `key.${process.pid}.tmp`));
    expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
    expect(readFileSync(victim, "utf8")).toBe("victim\n");
    expect(lstatSync(join(dir, `${key}.json`)).isFile()).toBe(true); // the symlink itself was replaced
    expect(lstatSync(join(dir, `${key}.${process.pid}.tmp`)).isSymbolicLink()).toBe(true);
    expectRebuilt(dir, key);
  });

  it("does not follow a symlink planted at the temporary name as it is created", () => {
    // the name is random; simulate an attacker who guessed it anyway, just before the open
    const dir = freshDir();
    const victim = join(root, `victim-${counter}`);
    writeFileSync(victim, "victim\n");
    const raced: string[] = [];
    const openSync = ((path: string, flags: number, mode?: number) => {
      if (flags & nodeFs.constants.O_CREAT) {
        symlinkSync(victim, path);
        raced.push(path);
      }
      return nodeFs.openSync(path, flags, mode);
    }) as typeof nodeFs.openSync;
    const { cache, warnings } = openCodeCache(dir, { fs: { openSync } });
    expect(cache).toBeUndefined(); // not even the key could be written
    expect(warnings.map((w) => w.code)).toEqual(["K9032"]);
    const ready = open(dir); // a key made normally, then a raced entry write
    const raceOnWrite = openCodeCache(dir, { fs: { openSync } }).cache!;
    expect(raceOnWrite.store("1".repeat(40), "layout", { js: "", tables: [], messages: [] })).toBe(false);
    expect(ready.load("1".repeat(40))).toBeUndefined();
    expect(raced.length).toBe(2);
    expect(readFileSync(victim, "utf8")).toBe("victim\n");
    expect(verdict(buggy, raceOnWrite)).toEqual(["recursive-locking"]);
    expect(readFileSync(victim, "utf8")).toBe("victim\n");
  });

  it("refuses a symlink in place of the key file, and writes nothing", () => {
    const dir = freshDir();
    const victim = join(root, `victim-${counter}`);
    writeFileSync(victim, "x".repeat(32));
    symlinkSync(victim, join(dir, "key"));
    const { cache, warnings } = openCodeCache(dir);
    expect(cache).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "K9031", severity: "warning" });
    expect(warnings[0]!.message).toContain("is a symbolic link");
    expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
    expect(readFileSync(victim, "utf8")).toBe("x".repeat(32));
    expect(readdirSync(dir)).toEqual(["key"]);
  });
});

describe("a corrupt entry costs only a rebuild", () => {
  const corruptions: [string, (path: string, e: Record<string, unknown>) => void][] = [
    ["truncated JSON", (p) => writeFileSync(p, readFileSync(p, "utf8").slice(0, 1000))],
    ["an empty file", (p) => writeFileSync(p, "")],
    ["not an object", (p) => writeFileSync(p, "[1, 2, 3]")],
    ["js not a string", (p, e) => writeFileSync(p, JSON.stringify({ ...e, js: 42 }))],
    ["tables not of integers", (p, e) => writeFileSync(p, JSON.stringify({ ...e, tables: [["0"]] }))],
    ["tables beyond int32", (p, e) => writeFileSync(p, JSON.stringify({ ...e, tables: [[2 ** 31]] }))],
    ["messages not strings", (p, e) => writeFileSync(p, JSON.stringify({ ...e, messages: [null] }))],
    ["another layout", (p, e) => writeFileSync(p, JSON.stringify({ ...e, layout: "0".repeat(24) }))],
    ["a missing field", (p, e) => writeFileSync(p, JSON.stringify({ ...e, mac: undefined }))],
    ["an extra field", (p, e) => writeFileSync(p, JSON.stringify({ ...e, extra: 1 }))],
    ["an old entry without a MAC", (p, e) => writeFileSync(p, JSON.stringify({ js: e.js, tables: e.tables, messages: e.messages, layout: e.layout }))],
    ["a group-writable file", (p) => chmodSync(p, 0o664)],
    ["a FIFO", (p) => {
      rmSync(p);
      execFileSync("mkfifo", [p]);
    }],
  ];
  for (const [what, corrupt] of corruptions) {
    it(`rebuilds ${what}`, () => {
      const dir = freshDir();
      const { key, path } = populate(dir);
      corrupt(path, entryOf(path));
      expect(open(dir).load(key)).toBeUndefined();
      expect(verdict(buggy, dir, "auto")).toEqual(["recursive-locking"]);
      expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expectRebuilt(dir, key);
    });
  }

  it("builds without the cache when a directory stands in the entry's place", () => {
    const dir = freshDir();
    const key = cacheKey(buggy, codegen);
    mkdirSync(join(dir, `${key}.json`));
    expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
    expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
    expect(open(dir).load(key)).toBeUndefined();
    expect(readdirSync(dir).sort()).toEqual([`${key}.json`, "key"]); // no temporary file left behind
  });
});

describe("an unsafe or unusable directory is not used", () => {
  for (const mode of [0o770, 0o707, 0o777, 0o1777]) {
    it(`refuses a directory of mode ${mode.toString(8)} with one warning`, () => {
      const dir = freshDir();
      chmodSync(dir, mode);
      const { cache, warnings } = openCodeCache(dir);
      expect(cache).toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.code).toBe("K9030");
      expect(warnings[0]!.message).toMatch(new RegExp(`^not using the compile cache at ${dir}: it is writable by .* \\(mode ${mode.toString(8).padStart(4, "0")}\\); make it private \\(chmod 700 `));
      expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
      expect(readdirSync(dir)).toEqual([]); // not even a key
    });
  }

  it("refuses a directory owned by someone else", () => {
    const dir = freshDir();
    const me = process.getuid!();
    const { cache, warnings } = openCodeCache(dir, { uid: me + 1 });
    expect(cache).toBeUndefined();
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining(`it is owned by uid ${me}, not by you (uid ${me + 1})`)]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("judges ownership, kind and mode of directories and files", () => {
    const st = (o: { uid?: number; mode?: number; link?: boolean; dir?: boolean }) => ({
      uid: o.uid ?? 1000, mode: o.mode ?? 0o700, isSymbolicLink: () => o.link ?? false, isDirectory: () => o.dir ?? true, isFile: () => !(o.dir ?? true) && !o.link,
    });
    expect(unsafeReason(st({}), 1000, "directory")).toBeUndefined();
    expect(unsafeReason(st({ mode: 0o755 }), 1000, "directory")).toBeUndefined();
    expect(unsafeReason(st({ uid: 0 }), 1000, "directory")).toBe("it is owned by uid 0, not by you (uid 1000)");
    expect(unsafeReason(st({ mode: 0o720 }), 1000, "directory")).toBe("it is writable by its group (mode 0720)");
    expect(unsafeReason(st({ mode: 0o702 }), 1000, "directory")).toBe("it is writable by others (mode 0702)");
    expect(unsafeReason(st({ link: true }), 1000, "directory")).toBe("it is a symbolic link");
    expect(unsafeReason(st({ dir: false }), 1000, "directory")).toBe("it is not a directory");
    expect(unsafeReason(st({ dir: false, mode: 0o600 }), 1000, "file")).toBeUndefined();
    expect(unsafeReason(st({ dir: false, mode: 0o600, uid: 1 }), 1000, "file")).toBe("it is owned by uid 1, not by you (uid 1000)");
    expect(unsafeReason(st({ dir: false, mode: 0o666 }), 1000, "file")).toBe("it is writable by its group and others (mode 0666)");
    expect(unsafeReason(st({}), 1000, "file")).toBe("it is not a regular file");
    expect(unsafeReason(st({ uid: 0, mode: 0o777 }), undefined, "directory")).toBeUndefined(); // no POSIX ids: kind only
  });

  it("refuses a symlinked directory, and a file in the directory's place", () => {
    const real = freshDir();
    const link = join(root, `link-${counter++}`);
    symlinkSync(real, link);
    expect(openCodeCache(link).warnings.map((w) => [w.code, w.message.includes("it is a symbolic link")])).toEqual([["K9030", true]]);
    const file = join(root, `file-${counter++}`);
    writeFileSync(file, "");
    expect(openCodeCache(file).warnings.map((w) => [w.code, w.message.includes("it is not a directory")])).toEqual([["K9030", true]]);
    expect(verdict(buggy, link)).toEqual(["recursive-locking"]);
    expect(readdirSync(real)).toEqual([]);
  });

  const badKeys: [string, (path: string) => void, string][] = [
    ["too short", (p) => writeFileSync(p, "short", { mode: 0o600 }), "is 5 bytes long, not 32"],
    ["writable by others", (p) => {
      writeFileSync(p, "k".repeat(32));
      chmodSync(p, 0o666);
    }, "is writable by its group and others (mode 0666)"],
    ["a directory", (p) => mkdirSync(p), "is not a regular file"],
    ["a FIFO", (p) => execFileSync("mkfifo", [p]), "is not a regular file"],
  ];
  for (const [what, make, says] of badKeys) {
    it(`refuses a key file that is ${what}`, () => {
      const dir = freshDir();
      make(join(dir, "key"));
      chmodSync(dir, 0o700);
      const { cache, warnings } = openCodeCache(dir);
      expect(cache).toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.code).toBe("K9031");
      expect(warnings[0]!.message).toContain(`its key file ${join(dir, "key")} ${says}; remove that file`);
      expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
      expect(readdirSync(dir)).toEqual(["key"]);
    });
  }

  it("creates a missing directory and its parents with mode 0700, and a key of 32 bytes with mode 0600", () => {
    const dir = join(root, `new-${counter++}`, "a", "b");
    const cache = open(dir);
    expect(cache.dir).toBe(dir);
    for (const d of [dir, join(dir, ".."), join(dir, "..", "..")]) expect(statSync(d).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "key")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "key")).size).toBe(32);
    const again = open(dir); // the same key: entries written by one open are read by the next
    expect(cache.store("2".repeat(40), "l", { js: "x", tables: [[1, -2]], messages: ["m"] })).toBe(true);
    expect(again.load("2".repeat(40), "l")).toEqual({ layout: "l", js: "x", tables: [[1, -2]], messages: ["m"] });
    expect(again.load("2".repeat(40), "other")).toBeUndefined();
  });
});

describe("the cache never hangs or fails the search", () => {
  it("a path under /proc (where Node's recursive mkdir loops forever)", () => {
    const { cache, warnings } = openCodeCache("/proc/nonexist/knot");
    expect(cache).toBeUndefined();
    expect(warnings.map((w) => w.code)).toEqual(["K9032"]);
    expect(warnings[0]!.message).toContain("not using the compile cache at /proc/nonexist/knot: cannot create it (ENOENT");
    expect(verdict(buggy, "/proc/nonexist")).toEqual(["recursive-locking"]);
    expect(verdict(buggy, "/proc/nonexist", "auto")).toEqual(["recursive-locking"]);
  });

  it("a path under a regular file", () => {
    const file = join(root, `file-${counter++}`);
    writeFileSync(file, "");
    const { cache, warnings } = openCodeCache(join(file, "cache"));
    expect(cache).toBeUndefined();
    expect(warnings.map((w) => [w.code, w.message.includes("ENOTDIR")])).toEqual([["K9032", true]]);
    expect(verdict(buggy, join(file, "cache"))).toEqual(["recursive-locking"]);
    expect(readFileSync(file, "utf8")).toBe("");
  });

  it("a read-only file system (simulated: root writes anywhere)", () => {
    const erofs = () => {
      throw Object.assign(new Error("EROFS: read-only file system"), { code: "EROFS" });
    };
    const readOnly: CacheHost = {
      fs: {
        mkdirSync: erofs as typeof nodeFs.mkdirSync,
        openSync: ((p: string, flags: number, mode?: number) => (flags & nodeFs.constants.O_CREAT ? erofs() : nodeFs.openSync(p, flags, mode))) as typeof nodeFs.openSync,
      },
    };
    // no directory yet: it cannot be made
    const missing = openCodeCache(join(root, `ro-${counter++}`), readOnly);
    expect(missing.cache).toBeUndefined();
    expect(missing.warnings.map((w) => [w.code, w.message.includes("cannot create it (EROFS")])).toEqual([["K9032", true]]);
    // a directory without a key: the key cannot be made
    const empty = openCodeCache(freshDir(), readOnly);
    expect(empty.warnings.map((w) => [w.code, w.message.includes("cannot create its key file (EROFS")])).toEqual([["K9032", true]]);
    // a populated cache on a read-only mount: entries load, new ones are silently not written
    const dir = freshDir();
    const { key } = populate(dir);
    const ro = openCodeCache(dir, readOnly);
    expect(ro.warnings).toEqual([]);
    expect(ro.cache!.load(key)).toBeDefined();
    expect(ro.cache!.store("3".repeat(40), "l", { js: "", tables: [], messages: [] })).toBe(false);
    expect(verdict(fixed, ro.cache!)).toEqual([]);
    expect(verdict(buggy, ro.cache!)).toEqual(["recursive-locking"]);
    expect(readdirSync(dir).sort()).toEqual([`${key}.json`, "key"]);
  });

  it("a full disk (simulated): the entry is not written and no temporary file is left", () => {
    const dir = freshDir();
    open(dir);
    const full = openCodeCache(dir, {
      fs: { writeFileSync: (() => {
        throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
      }) as typeof nodeFs.writeFileSync },
    });
    expect(full.warnings).toEqual([]);
    expect(verdict(buggy, full.cache!)).toEqual(["recursive-locking"]);
    expect(readdirSync(dir)).toEqual(["key"]);
  });

  it.skipIf(process.getuid?.() === 0)("a read-only directory (as a user other than root)", () => {
    const dir = freshDir();
    chmodSync(dir, 0o500);
    const { cache, warnings } = openCodeCache(dir);
    expect(cache).toBeUndefined();
    expect(warnings.map((w) => w.code)).toEqual(["K9032"]);
    expect(verdict(buggy, dir)).toEqual(["recursive-locking"]);
    chmodSync(dir, 0o700);
  });
});

describe("switching the cache off", () => {
  it("KNOT_CACHE=off (or 0, false, no) opens nothing and creates nothing", () => {
    for (const value of ["off", "0", "false", "no", "OFF", " No "]) {
      const dir = join(root, `off-${counter++}`);
      expect(cacheSwitch({ KNOT_CACHE: value })).toEqual({ on: false });
      expect(openDefaultCodeCache({ KNOT_CACHE: value, KNOT_CACHE_DIR: dir })).toEqual({ warnings: [] });
      expect(existsSync(dir)).toBe(false);
    }
    for (const value of [undefined, "", "on", "1", "true", "yes"]) expect(cacheSwitch({ KNOT_CACHE: value })).toEqual({ on: true });
  });

  it("another value of KNOT_CACHE is a warning, and no cache", () => {
    const dir = join(root, `bad-${counter++}`);
    const r = openDefaultCodeCache({ KNOT_CACHE: "maybe\u001b[2J", KNOT_CACHE_DIR: dir });
    expect(r.cache).toBeUndefined();
    expect(r.warnings.map((w) => [w.code, w.message])).toEqual([["K9033", "KNOT_CACHE=maybe\\x1b[2J is neither on (on, 1, true, yes) nor off (off, 0, false, no); not using the compile cache"]]);
    expect(existsSync(dir)).toBe(false);
  });

  it("cacheDir: false builds without reading or writing anything", () => {
    const dir = freshDir();
    const { key, path } = populate(dir);
    writeFileSync(path, "not json");
    const mod = compileModule(buggy, searchLayout(buggy), { ...codegen, cacheDir: false });
    expect(mod.source).toBe("generated");
    expect(readFileSync(path, "utf8")).toBe("not json");
    expect(verdict(buggy, false)).toEqual(["recursive-locking"]);
    expect(open(dir).load(key)).toBeUndefined();
  });

  it("the default directory: KNOT_CACHE_DIR, else an absolute XDG_CACHE_HOME, else ~/.cache", () => {
    expect(defaultCacheDir({ KNOT_CACHE_DIR: "/x/y", XDG_CACHE_HOME: "/z" })).toBe("/x/y");
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/z" })).toBe("/z/knot");
    expect(defaultCacheDir({ XDG_CACHE_HOME: "relative" })).toMatch(/\.cache[/\\]knot$/);
    expect(defaultCacheDir({})).toMatch(/\.cache[/\\]knot$/);
  });
});
