// Options given twice. yargs turns `--search bfs --search dfs` into an array,
// which no command expects (one value silently won, or a command crashed), so
// before parsing, a single-valued option named twice is a usage error that
// names it. Repeatable options (--set, --base, --head) and the switches of
// checks (--no-CHECK, --CHECK) may repeat; so may anything after `--`.

/** Options whose repetition accumulates values. */
const REPEATABLE = new Set(["set", "base", "head"]);

/** The first single-valued option named more than once, as the user spelt it the second time, or undefined. */
export function repeatedOption(argv: readonly string[], switches: ReadonlySet<string>): string | undefined {
  const seen = new Set<string>();
  for (const arg of argv) {
    if (arg === "--") break;
    if (!arg.startsWith("--") || arg.length === 2) continue;
    const name = arg.slice(2).split("=", 1)[0]!;
    const base = name.startsWith("no-") ? name.slice(3) : name;
    // camelCase and kebab-case spellings are the same option to yargs
    const key = base.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (REPEATABLE.has(key) || switches.has(key)) continue;
    if (seen.has(key)) return `--${name}`;
    seen.add(key);
  }
  return undefined;
}
