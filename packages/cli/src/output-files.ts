// The files knot writes (--junit, --sarif): checked before a run, written after
// it, and every way that can fail is a sentence for a diagnostic, never an
// exception, an abort or a hang. A regular file is replaced atomically (a new
// file beside it, then rename), keeping its mode, and only when it is empty or a
// report knot wrote: nothing a user wrote is overwritten. A symbolic link is
// followed, so the link stays. A FIFO or a character device (/dev/stdout,
// /dev/null, a process substitution) is written in place, without blocking: a
// FIFO nobody has open is refused at once, and one whose reader stops reading is
// given up after `stallMs`. Nothing is ever read from anything but a regular file.
import * as fs from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { kindOfSpecial, printable, readInputFile } from "@knot/lang";

/** A report file is at most this large; a larger file at the path is not one knot wrote. */
export const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/** How long a FIFO or device may refuse more bytes before knot gives up on it. */
export const OUTPUT_STALL_MS = 5000;

/** Why a write failed, as the end of "cannot write 'F': ...". */
export function writeErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOSPC": return "no space left on the device (ENOSPC)";
    case "EDQUOT": return "the disk quota is exceeded (EDQUOT)";
    case "EROFS": return "the file system is read-only (EROFS)";
    case "EACCES": case "EPERM": return `permission denied (${code})`;
    case "ENOENT": return "no such directory (ENOENT)";
    case "ENOTDIR": return "a component of the path is not a directory (ENOTDIR)";
    case "EISDIR": return "it is a directory (EISDIR)";
    case "EFBIG": return "the file would be too large for the file system (EFBIG)";
    case "EIO": return "an input/output error on the device (EIO)";
    case "EPIPE": return "the reader closed it before everything was written (EPIPE)";
    case "ENXIO": return "nobody has it open for reading (ENXIO)";
    case "ELOOP": return "too many levels of symbolic links (ELOOP)";
    case "ENAMETOOLONG": return "the file name is too long (ENAMETOOLONG)";
    default: return code ? `the system refused (${code})` : "the system refused";
  }
}

/** /dev/stdout, /dev/fd/N, /proc/self/fd/N: one of knot's own descriptors, reopened (a redirection or a process substitution). */
function isDescriptorPath(path: string): boolean {
  return /^\/dev\/(stdout|stderr)$|^\/dev\/fd\/\d+$|^\/proc\/(self|\d+)\/fd\/\d+$/.test(resolve(path));
}

/** Where `path` leads: the file a symbolic link names, or the path itself when nothing is there yet. */
function target(path: string): { path: string; stat?: fs.Stats } | { problem: string } {
  let link: fs.Stats | undefined;
  try {
    link = fs.lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { path: resolve(path) };
    return { problem: writeErrorReason(e) };
  }
  if (!link.isSymbolicLink()) return { path: resolve(path), stat: link };
  try {
    const real = fs.realpathSync(path);
    return { path: real, stat: fs.statSync(real) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { problem: "it is a symbolic link to a file that does not exist" };
    return { problem: writeErrorReason(e) };
  }
}

/**
 * Why the `what` report cannot be written to `path`, or undefined: nothing there,
 * an empty file, a report knot wrote (`looksLikeKnot`), or a FIFO or device.
 */
export function outputTargetProblem(path: string, looksLikeKnot: (text: string) => boolean, what: string): string | undefined {
  if (isDescriptorPath(path)) return undefined; // appended to, like the output already there
  const t = target(path);
  if ("problem" in t) return `cannot write the ${what} report to '${printable(path)}': ${t.problem}`;
  const st = t.stat;
  if (!st) return undefined;
  if (st.isDirectory()) return `cannot write the ${what} report to '${printable(path)}': it is a directory`;
  if (st.isBlockDevice()) return `refusing to write the ${what} report to '${printable(path)}': it is a block device`;
  if (!st.isFile()) return undefined; // written in place; nothing stored there can be lost
  if (st.size === 0) return undefined;
  const read = readInputFile(t.path, MAX_OUTPUT_BYTES);
  if ("problem" in read) {
    if (read.problem.kind === "too-large" || read.problem.kind === "binary") {
      return `refusing to overwrite '${printable(path)}': it exists and is not a ${what} report written by knot (move it away or choose another path)`;
    }
    return `cannot write the ${what} report to '${printable(path)}': ${read.problem.reason}`;
  }
  if (read.text.trim() === "" || looksLikeKnot(read.text)) return undefined;
  return `refusing to overwrite '${printable(path)}': it exists and is not a ${what} report written by knot (move it away or choose another path)`;
}

/** The file system calls writing uses (tests replace them to simulate full disks and stalled readers). */
export interface OutputFs {
  openSync: typeof fs.openSync;
  writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
  closeSync: typeof fs.closeSync;
}

const nodeOutputFs: OutputFs = { openSync: fs.openSync, writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, l), closeSync: fs.closeSync };

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Write all of `bytes` to `fd`, waiting out EAGAIN for at most `stallMs` without progress. */
function writeAll(io: OutputFs, fd: number, bytes: Uint8Array, stallMs: number): void {
  let off = 0;
  let lastProgress = performance.now();
  while (off < bytes.length) {
    let n: number;
    try {
      n = io.writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EAGAIN" && code !== "EWOULDBLOCK") throw e;
      if (performance.now() - lastProgress > stallMs) throw new StalledError(off, bytes.length, stallMs);
      Atomics.wait(sleeper, 0, 0, 10);
      continue;
    }
    if (n > 0) lastProgress = performance.now();
    off += n;
  }
}

class StalledError extends Error {
  constructor(readonly written: number, readonly total: number, readonly stallMs: number) {
    super("stalled");
  }
}

function reasonOf(e: unknown): string {
  if (e instanceof StalledError) {
    return `nobody read from it for ${e.stallMs >= 1000 ? `${(e.stallMs / 1000).toFixed(0)} s` : `${e.stallMs} ms`} (${e.written} of ${e.total} bytes written)`;
  }
  return writeErrorReason(e);
}

/** Write to a FIFO, a device or a descriptor as it is: opened without blocking, never created or truncated. */
function writeInPlace(io: OutputFs, path: string, real: string, kind: string, flags: number, bytes: Uint8Array, stallMs: number): string | undefined {
  let fd: number;
  try {
    fd = io.openSync(real, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY | flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return `cannot write '${printable(path)}': ${kind} that ${code === "ENXIO" ? "nobody has open for reading" : `cannot be opened: ${writeErrorReason(e)}`}`;
  }
  try {
    writeAll(io, fd, bytes, stallMs);
    return undefined;
  } catch (e) {
    return `cannot write '${printable(path)}': ${reasonOf(e)}`;
  } finally {
    try {
      io.closeSync(fd);
    } catch {
      // the bytes were written or the failure reported; the close adds nothing
    }
  }
}

/**
 * Create `dir` and its missing parents, one level at a time (the recursive
 * mkdir of Node 20 spins for ever under /proc, where mkdir fails with ENOENT).
 */
function makeDirectory(dir: string): void {
  try {
    if (fs.statSync(dir).isDirectory()) return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    const parent = dirname(dir);
    if (parent !== dir) makeDirectory(parent);
    try {
      fs.mkdirSync(dir);
    } catch (m) {
      if ((m as NodeJS.ErrnoException).code !== "EEXIST") throw m;
    }
    return;
  }
  const e = new Error("not a directory") as NodeJS.ErrnoException;
  e.code = "ENOTDIR";
  throw e;
}

/**
 * Write `text` to `path` under the rules above; undefined when done, else why not
 * (as "cannot write 'F': ..."). A regular file is created with its directory.
 */
export function writeOutputFile(path: string, text: string, options: { stallMs?: number; fs?: OutputFs } = {}): string | undefined {
  const io = options.fs ?? nodeOutputFs;
  const stallMs = options.stallMs ?? OUTPUT_STALL_MS;
  const bytes = Buffer.from(text, "utf8");
  if (isDescriptorPath(path)) return writeInPlace(io, path, resolve(path), "a descriptor", fs.constants.O_APPEND, bytes, stallMs);
  const t = target(path);
  if ("problem" in t) return `cannot write '${printable(path)}': ${t.problem}`;
  const st = t.stat;
  if (st?.isDirectory()) return `cannot write '${printable(path)}': it is a directory`;
  if (st && !st.isFile()) {
    if (st.isBlockDevice()) return `cannot write '${printable(path)}': it is a block device`;
    return writeInPlace(io, path, t.path, kindOfSpecial(st), 0, bytes, stallMs);
  }
  const dir = dirname(t.path);
  const tmp = join(dir, `.${basename(t.path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  let fd: number | undefined;
  try {
    makeDirectory(dir);
    fd = io.openSync(tmp, "wx", st ? st.mode & 0o777 : 0o666);
    if (st) fs.fchmodSync(fd, st.mode & 0o777); // the umask applied at open
    writeAll(io, fd, bytes, stallMs);
    io.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, t.path);
    return undefined;
  } catch (e) {
    if (fd !== undefined) {
      try {
        io.closeSync(fd);
      } catch {
        // the write already failed; that is what is reported
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // nothing was created
    }
    return `cannot write '${printable(path)}': ${reasonOf(e)}`;
  }
}
