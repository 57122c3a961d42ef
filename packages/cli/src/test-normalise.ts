// Test helper: makes run output comparable across runs (timings and memory figures).
/** Replace what differs between runs (time, memory) so the output can be compared. */
export function normalise(text: string): string {
  if (text.trimStart().startsWith("{")) {
    try {
      const data = JSON.parse(text);
      const walk = (x: unknown): void => {
        if (Array.isArray(x)) return x.forEach(walk);
        if (x && typeof x === "object") {
          const o = x as Record<string, unknown>;
          if (typeof o.seconds === "number") o.seconds = 0;
          if (typeof o.bytes === "number") o.bytes = 0;
          Object.values(o).forEach(walk);
        }
      };
      walk(data);
      return JSON.stringify(data, null, 2) + "\n";
    } catch {
      // not JSON after all
    }
  }
  return text.replace(/\d+\.\d\d s\b/g, "#.## s");
}

