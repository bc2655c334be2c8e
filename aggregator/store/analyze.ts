/**
 * Text analysis shared by indexing (FTS5 `unicode61` tokenizer) and querying (building FTS5 MATCH
 * expressions, highlighting). A token is a run of letters, digits and marks, lowercased — what FTS5's
 * `unicode61 remove_diacritics 0` produces and close to ES's `standard` analyzer, except that ES keeps
 * `style.css` or `3.14` as one token where we make two.
 */
const TOKEN = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(TOKEN) ?? []).slice(0, 10_000);
}

/** Tokens with their offsets in the original text, for highlighting. */
export function tokenSpans(text: string): Array<{ token: string; start: number; end: number }> {
  const out: Array<{ token: string; start: number; end: number }> = [];
  for (const m of text.matchAll(TOKEN)) out.push({ token: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  return out;
}

/** An FTS5 string literal: tokens only contain letters/digits/marks, so quoting is always safe. */
export function ftsQuote(token: string): string {
  return `"${token.replaceAll('"', '""')}"`;
}
