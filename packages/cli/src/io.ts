// Output channels of the CLI. Commands write through these so tests can capture
// output; the progress line appears only on an interactive terminal outside CI.
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when a live progress line may be drawn. */
  interactive: boolean;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
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
