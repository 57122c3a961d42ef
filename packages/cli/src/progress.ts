// The live progress line of a long search (states, states/s, frontier, depth,
// memory), drawn on stderr of an interactive terminal and erased at the end.
import type { Progress } from "@knot/engine";
import type { Io } from "./io.js";

export function progressReporter(io: Io): { onProgress?: (p: Progress) => void; done: () => void } {
  if (!io.interactive) return { done: () => undefined };
  let drawn = false;
  return {
    onProgress: (p) => {
      const rate = p.seconds > 0 ? Math.round(p.states / p.seconds) : 0;
      const mem = Math.round(process.memoryUsage().rss / (1 << 20));
      io.err(`\r\x1b[K${p.states.toLocaleString("en")} states  ${rate.toLocaleString("en")} states/s  queue ${p.pending.toLocaleString("en")}  depth ${p.depth}  ${mem} MB  ${p.seconds.toFixed(1)} s`);
      drawn = true;
    },
    done: () => {
      if (drawn) io.err("\r\x1b[K");
    },
  };
}
