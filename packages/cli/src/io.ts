// Output channels of the CLI. Commands write through these so tests can capture
// output; the progress line appears only on an interactive terminal outside CI.
// A write to stdout or stderr that fails (a full disk, a closed or broken
// channel) throws an OutputError, which `run` turns into a diagnostic and exit 2.
import { writeErrorReason } from "./output-files.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when a live progress line may be drawn. */
  interactive: boolean;
}

/** Standard output or standard error could not be written. */
export class OutputError extends Error {
  constructor(readonly stream: "stdout" | "stderr", readonly reason: string) {
    super(`cannot write to ${stream === "stdout" ? "standard output" : "standard error"}: ${reason}`);
  }
}

function writer(stream: NodeJS.WriteStream, name: "stdout" | "stderr"): (text: string) => void {
  return (text) => {
    try {
      stream.write(text);
    } catch (e) {
      throw new OutputError(name, writeErrorReason(e));
    }
  };
}

export const processIo: Io = {
  out: writer(process.stdout, "stdout"),
  err: writer(process.stderr, "stderr"),
  interactive: Boolean(process.stderr.isTTY) && !process.env.CI && process.env.TERM !== "dumb",
};

export function captureIo(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    interactive: false,
    out(t: string) { io.stdout += t; },
    err(t: string) { io.stderr += t; },
  };
  return io;
}
