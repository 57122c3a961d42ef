// Reading a file the user's command or model names, safely. Only a regular file
// is read: a FIFO or a device would hang knot or feed it without end, so the
// file is opened without blocking and refused unless fstat says it is regular;
// kernel interfaces (/proc, /sys, /dev) are refused whatever they claim to be,
// since reading them can leak secrets (/proc/self/environ) into a CI log. At
// most `maxBytes` are read, whatever the file's size says (a growing file, a
// file system that reports 0). A file with a NUL byte is binary: refused before
// it is parsed, so its content is never quoted.
import * as nodeFs from "node:fs";

/** Models, imports and spec files: far above any protocol model (the largest library model is a few KiB). */
export const MAX_MODEL_BYTES = 8 * 1024 * 1024;

export type InputProblemKind = "missing" | "directory" | "unreadable" | "special" | "kernel" | "too-large" | "binary";

export interface InputProblem {
  kind: InputProblemKind;
  /** Why, as the end of "cannot read 'F': ..." (no file content in it). */
  reason: string;
}

export type InputRead = { text: string } | { problem: InputProblem };

const KERNEL_DIRS = ["/proc", "/sys", "/dev"];

/** The file system calls input reading uses (tests replace them to simulate odd file systems). */
export type InputFs = Pick<typeof nodeFs, "realpathSync" | "openSync" | "fstatSync" | "readSync" | "closeSync">;

/** What a file that is not regular is, in words ("a FIFO (named pipe)"). */
export function kindOfSpecial(st: nodeFs.Stats): string {
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, "")} KiB`;
  return `${n} bytes`;
}

function errnoReason(e: unknown): InputProblem {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT": return { kind: "missing", reason: "no such file" };
    case "ENOTDIR": return { kind: "missing", reason: "a component of the path is not a directory" };
    case "EACCES": case "EPERM": return { kind: "unreadable", reason: "permission denied" };
    case "EISDIR": return { kind: "directory", reason: "it is a directory" };
    case "ELOOP": return { kind: "unreadable", reason: "too many levels of symbolic links" };
    case "ENAMETOOLONG": return { kind: "unreadable", reason: "the file name is too long" };
    case "EAGAIN": case "EWOULDBLOCK": return { kind: "special", reason: "reading it would block: it is not a regular file" };
    default: return { kind: "unreadable", reason: code ? `the system refused (${code})` : "the system refused" };
  }
}

/** Read `path` as UTF-8 text under the rules above. */
export function readInputFile(path: string, maxBytes: number = MAX_MODEL_BYTES, fs: InputFs = nodeFs): InputRead {
  let real: string;
  try {
    real = fs.realpathSync(path);
  } catch (e) {
    return { problem: errnoReason(e) };
  }
  for (const dir of KERNEL_DIRS) {
    if (real === dir || real.startsWith(`${dir}/`)) {
      return { problem: { kind: "kernel", reason: `it is under ${dir}, a kernel interface, not a file knot reads` } };
    }
  }
  let fd: number;
  try {
    fd = fs.openSync(path, nodeFs.constants.O_RDONLY | (nodeFs.constants.O_NONBLOCK ?? 0) | (nodeFs.constants.O_NOCTTY ?? 0));
  } catch (e) {
    return { problem: errnoReason(e) };
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) return { problem: { kind: "directory", reason: "it is a directory" } };
    if (!st.isFile()) return { problem: { kind: "special", reason: `it is ${kindOfSpecial(st)}, not a regular file` } };
    if (st.size > maxBytes) return { problem: tooLarge(st.size, maxBytes) };
    // read to the end, but never past the bound: the size fstat reports is not a promise
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      if (total > maxBytes) return { problem: tooLarge(undefined, maxBytes) };
    }
    const bytes = Buffer.concat(chunks, total);
    const nul = bytes.indexOf(0);
    if (nul >= 0) return { problem: { kind: "binary", reason: `it is a binary file (a NUL byte at offset ${nul}), not text` } };
    return { text: bytes.toString("utf8") };
  } catch (e) {
    return { problem: errnoReason(e) };
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // closing a file we only read cannot lose anything
    }
  }
}

function tooLarge(size: number | undefined, maxBytes: number): InputProblem {
  return { kind: "too-large", reason: `it is ${size !== undefined ? formatBytes(size) : `larger than ${formatBytes(maxBytes)}`}; the limit is ${formatBytes(maxBytes)}` };
}
