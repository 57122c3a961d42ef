// The on-disk cache of compiled modules. Loading an entry runs its code, so the
// cache is trusted exactly as far as it is checked:
//  - the directory must be a real directory (not a symlink), owned by the current
//    user and not writable by group or others; knot creates it (and missing
//    parents) with mode 0700 and never asks the kernel to create it recursively;
//  - a random 32-byte key lives in the directory (`key`, mode 0600, the same checks);
//  - every entry carries an HMAC-SHA256, under that key, over its whole content
//    (format, cache key, layout, js, tables, messages); an entry is used only when
//    it is a regular file (opened without following a symlink, and without blocking
//    on a FIFO) passing the same checks, of the expected structure, key and layout,
//    and its MAC verifies. Anything else is a miss and is rebuilt;
//  - writes go to a temporary file with a random name created exclusively without
//    following symlinks, then renamed onto the entry (replacing a symlink there, not
//    its target); a failed write only costs time and removes its temporary file.
// What this cannot protect against: whoever can write the directory as you, or
// read its key, can make knot run code as you (see docs/cli.md, "Compile cache").
// A directory or key that fails its checks, or any file-system error while opening
// the cache, means no cache for the run and one warning, returned as data: this
// module never prints and never throws for anything it finds on disk.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as nodeFs from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";

export const CacheCodes = {
  /** The directory is a symlink, not a directory, someone else's, or writable by group or others. */
  UnsafeDirectory: "K9030",
  /** The key file is a symlink, not a regular file, someone else's, group/other-writable, or not 32 bytes. */
  BadKey: "K9031",
  /** The directory or its key cannot be created or read (ENOENT, ENOTDIR, EACCES, EROFS, ...). */
  Unavailable: "K9032",
  /** KNOT_CACHE has a value that is neither on nor off. */
  BadSetting: "K9033",
} as const;

/** Shaped as a diagnostic without a position, so that the CLI renders it like any other. */
export interface CacheWarning {
  code: (typeof CacheCodes)[keyof typeof CacheCodes];
  severity: "warning";
  message: string;
  related: [];
}

/** The file-system calls the cache makes; tests replace some to simulate what root cannot (EROFS, EACCES). */
export type CacheFs = Pick<
  typeof nodeFs,
  "lstatSync" | "statSync" | "mkdirSync" | "openSync" | "fstatSync" | "readFileSync" | "writeFileSync" | "closeSync" | "renameSync" | "linkSync" | "unlinkSync"
>;

export interface CacheHost {
  fs?: Partial<CacheFs>;
  /** The user the cache must belong to; default process.getuid(); undefined skips ownership and mode checks (no POSIX ids). */
  uid?: number | undefined;
}

/** What a stored entry holds besides its identity. */
export interface CacheEntry {
  js: string;
  tables: number[][];
  messages: string[];
}

const ENTRY_FORMAT = "knot-code-cache-1";
const KEY_FILE = "key";
const KEY_BYTES = 32;
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL } = nodeFs.constants;
// absent on Windows, where there are no symlinks to follow by accident and no FIFOs to block on
const O_NOFOLLOW = nodeFs.constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = nodeFs.constants.O_NONBLOCK ?? 0;
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

/** The cache directory: $KNOT_CACHE_DIR, else $XDG_CACHE_HOME/knot (when absolute, as the XDG spec asks), else ~/.cache/knot. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KNOT_CACHE_DIR) return env.KNOT_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".cache"), "knot");
}

/** KNOT_CACHE: unset, empty, on/1/true/yes use the cache; off/0/false/no switch it off; anything else switches it off with a warning. */
export function cacheSwitch(env: NodeJS.ProcessEnv = process.env): { on: boolean; warning?: CacheWarning } {
  const value = (env.KNOT_CACHE ?? "").trim().toLowerCase();
  if (["", "on", "1", "true", "yes"].includes(value)) return { on: true };
  if (["off", "0", "false", "no"].includes(value)) return { on: false };
  return { on: false, warning: warning("BadSetting", `KNOT_CACHE=${shown(env.KNOT_CACHE ?? "")} is neither on (on, 1, true, yes) nor off (off, 0, false, no); not using the compile cache`) };
}

/** The default cache as KNOT_CACHE and the directory variables select it. */
export function openDefaultCodeCache(env: NodeJS.ProcessEnv = process.env, host: CacheHost = {}): { cache?: CodeCache; warnings: CacheWarning[] } {
  const sw = cacheSwitch(env);
  if (!sw.on) return { warnings: sw.warning ? [sw.warning] : [] };
  return openCodeCache(defaultCacheDir(env), host);
}

/** Create (if needed) and check the directory and its key; no cache and a warning when anything is wrong. */
export function openCodeCache(dir: string, host: CacheHost = {}): { cache?: CodeCache; warnings: CacheWarning[] } {
  const fs: CacheFs = { ...nodeFs, ...host.fs };
  const uid = "uid" in host ? host.uid : process.getuid?.();
  const path = resolve(dir);
  const notUsing = `not using the compile cache at ${shown(path)}`;
  const off = "or switch the cache off (--no-cache, KNOT_CACHE=off)";
  try {
    makeDirectory(fs, path);
  } catch (e) {
    return { warnings: [warning("Unavailable", `${notUsing}: cannot create it (${errorText(e)}); set KNOT_CACHE_DIR to a directory of your own, ${off}`)] };
  }
  let st: nodeFs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch (e) {
    return { warnings: [warning("Unavailable", `${notUsing}: cannot examine it (${errorText(e)}); ${off}`)] };
  }
  const unsafe = unsafeReason(st, uid, "directory");
  if (unsafe) {
    const fix = unsafe.startsWith("it is writable")
      ? `make it private (chmod 700 ${shown(path)}), `
      : unsafe === "it is a symbolic link" ? "set KNOT_CACHE_DIR to the directory it points to, " : "set KNOT_CACHE_DIR to a directory of your own, ";
    return { warnings: [warning("UnsafeDirectory", `${notUsing}: ${unsafe}; ${fix}${off}`)] };
  }
  const key = readOrCreateKey(fs, path, uid);
  if ("problem" in key) {
    const keyPath = shown(join(path, KEY_FILE));
    return { warnings: [key.bad
      ? warning("BadKey", `${notUsing}: its key file ${keyPath} ${key.problem}; remove that file (knot makes a new key and rebuilds the entries), ${off}`)
      : warning("Unavailable", `${notUsing}: cannot ${key.problem}; ${off}`)] };
  }
  return { cache: new CodeCache(path, key.secret, fs, uid), warnings: [] };
}

/**
 * Why a directory or file must not be trusted, or undefined when it may be:
 * a symlink, the wrong kind of file, another user's, or writable by group or others.
 * `uid` undefined (no POSIX user ids) checks the kind only.
 */
export function unsafeReason(st: Pick<nodeFs.Stats, "uid" | "mode" | "isSymbolicLink" | "isDirectory" | "isFile">, uid: number | undefined, kind: "directory" | "file"): string | undefined {
  if (st.isSymbolicLink()) return "it is a symbolic link";
  if (kind === "directory" ? !st.isDirectory() : !st.isFile()) return kind === "directory" ? "it is not a directory" : "it is not a regular file";
  if (uid === undefined) return undefined;
  if (st.uid !== uid) return `it is owned by uid ${st.uid}, not by you (uid ${uid})`;
  if ((st.mode & 0o022) !== 0) {
    const who = (st.mode & 0o022) === 0o022 ? "its group and others" : st.mode & 0o020 ? "its group" : "others";
    return `it is writable by ${who} (mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")})`;
  }
  return undefined;
}

/**
 * mkdir -p with mode 0700, one component at a time from the deepest existing
 * ancestor. Node's recursive mkdir loops forever when mkdir reports ENOENT under
 * a parent that exists (any path under /proc); here every error ends the walk.
 */
function makeDirectory(fs: CacheFs, path: string): void {
  const missing: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    try {
      fs.statSync(p);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    missing.push(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      fs.mkdirSync(p, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e; // another knot made it meanwhile
    }
  }
}

type KeyResult = { secret: Buffer } | { problem: string; bad: boolean };

function readOrCreateKey(fs: CacheFs, dir: string, uid: number | undefined): KeyResult {
  const first = readKey(fs, dir, uid);
  if (!("missing" in first)) return first;
  // publish a complete key atomically: write it under a random name, then link it
  // into place, which fails if a key appeared meanwhile (that one is then used)
  const tmp = join(dir, `${KEY_FILE}.${randomBytes(8).toString("hex")}.tmp`);
  let created = false;
  try {
    writeExclusive(fs, tmp, randomBytes(KEY_BYTES));
    created = true;
    try {
      fs.linkSync(tmp, join(dir, KEY_FILE));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // file systems without hard links: rename, at worst over a key made at the same moment
      if (code !== "EEXIST") fs.renameSync(tmp, join(dir, KEY_FILE));
    }
  } catch (e) {
    return { problem: `create its key file (${errorText(e)})`, bad: false };
  } finally {
    if (created) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // renamed into place
      }
    }
  }
  const again = readKey(fs, dir, uid);
  return "missing" in again ? { problem: "create its key file (it vanished after it was made)", bad: false } : again;
}

function readKey(fs: CacheFs, dir: string, uid: number | undefined): KeyResult | { missing: true } {
  const path = join(dir, KEY_FILE);
  let fd: number;
  try {
    fd = fs.openSync(path, READ_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { missing: true };
    if (code === "ELOOP" || code === "EMLINK") return { problem: "is a symbolic link", bad: true };
    return { problem: `read its key file (${errorText(e)})`, bad: false };
  }
  try {
    const st = fs.fstatSync(fd);
    const unsafe = unsafeReason(st, uid, "file");
    if (unsafe) return { problem: unsafe.replace(/^it /, ""), bad: true };
    if (st.size !== KEY_BYTES) return { problem: `is ${st.size} bytes long, not ${KEY_BYTES}`, bad: true };
    const secret = fs.readFileSync(fd);
    if (secret.length !== KEY_BYTES) return { problem: `is ${secret.length} bytes long, not ${KEY_BYTES}`, bad: true };
    return { secret };
  } catch (e) {
    return { problem: `read its key file (${errorText(e)})`, bad: false };
  } finally {
    fs.closeSync(fd);
  }
}

/** Create `path` (never an existing file, never through a symlink) with mode 0600 and write `data`; removes it on failure. */
function writeExclusive(fs: CacheFs, path: string, data: string | Uint8Array): void {
  const fd = fs.openSync(path, CREATE_FLAGS, 0o600);
  try {
    try {
      fs.writeFileSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    try {
      fs.unlinkSync(path);
    } catch {
      // already gone
    }
    throw e;
  }
}

/** An opened, checked cache directory with its key. */
export class CodeCache {
  constructor(
    readonly dir: string,
    private readonly secret: Buffer,
    private readonly fs: CacheFs,
    private readonly uid: number | undefined,
  ) {}

  /** Where the entry for a cache key lives (for tests and for knowing what to delete). */
  entryPath(key: string): string {
    if (!/^[0-9a-f]{16,64}$/.test(key)) throw new Error(`internal: malformed cache key '${key}'`);
    return join(this.dir, `${key}.json`);
  }

  /** The entry stored under `key` (for `layout`, when given), or undefined when absent or when anything about it does not check out. */
  load(key: string, layout?: string): (CacheEntry & { layout: string }) | undefined {
    let fd: number;
    try {
      fd = this.fs.openSync(this.entryPath(key), READ_FLAGS);
    } catch {
      return undefined;
    }
    try {
      if (unsafeReason(this.fs.fstatSync(fd), this.uid, "file")) return undefined;
      const parsed: unknown = JSON.parse(this.fs.readFileSync(fd, "utf8"));
      const entry = validEntry(parsed, key, layout);
      if (!entry) return undefined;
      const expected = Buffer.from(this.mac(key, entry.layout, entry), "hex");
      const given = Buffer.from((parsed as { mac: string }).mac, "hex");
      return given.length === expected.length && timingSafeEqual(given, expected) ? entry : undefined;
    } catch {
      return undefined;
    } finally {
      this.fs.closeSync(fd);
    }
  }

  /** Store an entry atomically; false when it could not be written (which only costs a rebuild next time). */
  store(key: string, layout: string, entry: CacheEntry): boolean {
    const { js, tables, messages } = entry;
    const text = JSON.stringify({ format: ENTRY_FORMAT, key, layout, js, tables, messages, mac: this.mac(key, layout, entry) });
    const target = this.entryPath(key);
    const tmp = join(this.dir, `${key}.${randomBytes(8).toString("hex")}.tmp`);
    try {
      writeExclusive(this.fs, tmp, text);
    } catch {
      return false;
    }
    try {
      this.fs.renameSync(tmp, target);
      return true;
    } catch {
      try {
        this.fs.unlinkSync(tmp);
      } catch {
        // already gone
      }
      return false;
    }
  }

  private mac(key: string, layout: string, e: CacheEntry): string {
    return createHmac("sha256", this.secret).update(JSON.stringify([ENTRY_FORMAT, key, layout, e.js, e.tables, e.messages])).digest("hex");
  }
}

/** The entry's content when `parsed` has exactly the shape knot writes, for this key (and layout). */
function validEntry(parsed: unknown, key: string, layout: string | undefined): (CacheEntry & { layout: string }) | undefined {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const o = parsed as Record<string, unknown>;
  const fields = ["format", "key", "layout", "js", "tables", "messages", "mac"];
  if (Object.keys(o).length !== fields.length || !fields.every((f) => Object.hasOwn(o, f))) return undefined;
  if (o.format !== ENTRY_FORMAT || o.key !== key || typeof o.layout !== "string" || (layout !== undefined && o.layout !== layout)) return undefined;
  if (typeof o.js !== "string" || typeof o.mac !== "string" || !/^[0-9a-f]{64}$/.test(o.mac)) return undefined;
  const int32 = (v: unknown) => Number.isInteger(v) && (v as number) >= -0x80000000 && (v as number) <= 0x7fffffff;
  if (!Array.isArray(o.tables) || !o.tables.every((t) => Array.isArray(t) && t.every(int32))) return undefined;
  if (!Array.isArray(o.messages) || !o.messages.every((m) => typeof m === "string")) return undefined;
  return { layout: o.layout, js: o.js, tables: o.tables as number[][], messages: o.messages as string[] };
}

function warning(code: keyof typeof CacheCodes, message: string): CacheWarning {
  return { code: CacheCodes[code], severity: "warning", message, related: [] };
}

function errorText(e: unknown): string {
  return shown(e instanceof Error ? e.message : String(e));
}

/** A path or setting as printed: control characters escaped, so that a hostile name cannot drive the terminal. */
function shown(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
