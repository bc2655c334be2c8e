/**
 * The phrase check for text indexed without positions (`match_only_text`): FTS5 finds the rows that hold
 * every token of the phrase, and this decides, on the document's `_source`, whether the tokens occur in
 * order. Elasticsearch runs phrase queries on `match_only_text` the same way, and they cost more than on
 * `text` here as there: one chunk decompressed per candidate row in another chunk (see README.md).
 *
 * A field's values are checked as the indexer saw them (writer.ts#rowOf: several values are joined with a
 * newline, one text), so the answer equals an FTS5 phrase over the same text.
 */
import { zstdDecompressSync } from 'node:zlib';
import { tokenize } from './analyze.ts';
import { sourceOfChunkLine } from './source-chunks.ts';
import { sourceStrings } from './source-strings.ts';

/** True when `tokens` occur consecutively in `textTokens`; the last may be a prefix. */
export function containsPhrase(textTokens: readonly string[], tokens: readonly string[], lastIsPrefix: boolean): boolean {
  const n = tokens.length;
  if (n === 0) return false;
  for (let start = 0; start + n <= textTokens.length; start++) {
    let i = 0;
    for (; i < n; i++) {
      const have = textTokens[start + i]!;
      const want = tokens[i]!;
      if (lastIsPrefix && i === n - 1 ? !have.startsWith(want) : have !== want) break;
    }
    if (i === n) return true;
  }
  return false;
}

/**
 * Checks rows of `_source` chunks, remembering the last chunk decompressed: a phrase's candidates come in
 * row order, so consecutive ones often share a chunk. The remembered chunk is recognised by its bytes (a
 * native comparison), not by a key that could outlive a dropped partition. Only the candidate's own line
 * of the chunk is decoded.
 */
export class PhraseChecker {
  #compressed: Buffer | undefined;
  #text = Buffer.alloc(0);
  readonly #specs = new Map<string, readonly string[]>();

  matches(chunk: Uint8Array, row: number, path: string, tokensJson: string, lastIsPrefix: boolean): boolean {
    const source = sourceOfChunkLine(this.#textOf(chunk), row);
    if (source === undefined) return false;
    return containsPhrase(tokenize(sourceStrings(source, path).join('\n')), this.#tokens(tokensJson), lastIsPrefix);
  }

  #textOf(chunk: Uint8Array): Buffer {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#compressed === undefined || !this.#compressed.equals(bytes)) {
      this.#text = zstdDecompressSync(bytes);
      this.#compressed = Buffer.from(bytes);
    }
    return this.#text;
  }

  #tokens(json: string): readonly string[] {
    let tokens = this.#specs.get(json);
    if (tokens === undefined) {
      const parsed: unknown = JSON.parse(json);
      tokens = Array.isArray(parsed) ? parsed.map(String) : [];
      if (this.#specs.size > 100) this.#specs.clear();
      this.#specs.set(json, tokens);
    }
    return tokens;
  }
}
