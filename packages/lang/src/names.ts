// Suggestions for misspelt names ("did you mean ...?"), shared by the checker and the spec parser.

/** The candidate nearest to a misspelt `name`, if one is near enough to be a likely typo. */
export function closestName(name: string, candidates: Iterable<string>, minLimit = 1): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(minLimit, Math.floor(name.length / 3));
  for (const c of candidates) {
    if (c === name) continue;
    const d = editDistance(c, name);
    if (d > limit || d >= name.length) continue;
    if (d < bestDistance || (d === bestDistance && c < best!)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
