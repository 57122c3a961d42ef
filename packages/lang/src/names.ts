// Names in messages, shared by the checker and the spec parser: suggestions for misspelt names ("did you mean ...?") and nouns with their article.
// The work is bounded whatever the input: names longer than MAX_SUGGESTED_NAME_LENGTH get
// no suggestion, a candidate whose length differs by more than the allowed distance (or 3) is
// not compared, and the distance is a banded Levenshtein that stops as soon as it exceeds the
// allowance, so one suggestion costs at most candidates × length × (2 × allowance + 1) steps.
import { MAX_SUGGESTED_NAME_LENGTH } from "./limits.js";

/** A candidate longer or shorter than this is never suggested, however long the names. */
const MAX_LENGTH_DIFFERENCE = 3;

/** The candidate nearest to a misspelt `name`, if one is near enough to be a likely typo. */
export function closestName(name: string, candidates: Iterable<string>, minLimit = 1): string | undefined {
  if (name.length > MAX_SUGGESTED_NAME_LENGTH) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(minLimit, Math.floor(name.length / 3));
  for (const c of candidates) {
    if (c === name) continue;
    // a nearer candidate already found narrows the band for the rest
    const allowed = Math.min(limit, name.length - 1, bestDistance);
    if (Math.abs(c.length - name.length) > Math.min(allowed, MAX_LENGTH_DIFFERENCE)) continue;
    const d = boundedEditDistance(c, name, allowed);
    if (d > allowed) continue;
    if (d < bestDistance || (d === bestDistance && c < best!)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The Levenshtein distance of `a` and `b` when it is at most `max`, else some number above
 * `max`. Only the diagonal band |i - j| <= max can hold distances within `max`, so each row
 * computes that band, and the search stops once a whole row is past `max`.
 */
export function boundedEditDistance(a: string, b: string, max: number): number {
  if (max < 0) return 1;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const over = max + 1;
  const width = b.length + 1;
  let prev = new Array<number>(width).fill(over);
  let cur = new Array<number>(width).fill(over);
  for (let j = 0; j < width && j <= max; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - max);
    const to = Math.min(b.length, i + max);
    // the cells just outside the band read as "too far"; nothing else outside it is read
    cur[from - 1] = from === 1 ? (i <= max ? i : over) : over;
    if (to < b.length) cur[to + 1] = over;
    let rowMin = cur[from - 1]!;
    for (let j = from; j <= to; j++) {
      const d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1));
      cur[j] = d > over ? over : d;
      if (cur[j]! < rowMin) rowMin = cur[j]!;
    }
    if (rowMin > max) return over;
    [prev, cur] = [cur, prev];
  }
  return Math.min(prev[b.length]!, over);
}

/** "a mutex", "an rwsem": a noun with its indefinite article, for messages. */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
}
