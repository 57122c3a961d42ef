// Text from a model (or a path, or any file knot reads) made safe to print: the
// characters that a terminal, a log viewer or an editor would act on or hide
// (control characters, escape sequences, bidirectional overrides as in "Trojan
// Source", zero-width and line-separator characters, lone surrogates) are
// written as visible escapes, `\x1b` or `\u{202e}`, so that what a reader sees
// is what the file says. Tabs stay (the caret lines expand them); everything
// else printable, including non-ASCII letters, is kept as it is.

// C0 except tab, DEL and C1, soft hyphen, Arabic letter mark, zero-width and
// direction marks, line and paragraph separators, embeddings and overrides,
// word joiner and invisible operators, isolates, BOM, interlinear annotations
const HIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu;

const HIDDEN_TEST = new RegExp(HIDDEN.source, "u");

function escapeOne(c: string): string {
  const n = c.charCodeAt(0);
  if (n === 10) return "\\n";
  if (n === 13) return "\\r";
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
}

/** `s` with every hidden or control character written as a visible escape. */
export function printable(s: string): string {
  return HIDDEN_TEST.test(s) ? s.replace(HIDDEN, escapeOne) : s;
}

/** Whether `s` prints as it is. */
export function isPrintable(s: string): boolean {
  return !HIDDEN_TEST.test(s);
}
