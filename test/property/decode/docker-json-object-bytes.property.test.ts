/**
 * `readFlatObjectBytes` (shipper/decode/docker-json-object-bytes.ts) takes a flat object's bytes only when
 * they are ASCII or valid UTF-8; whether to run the UTF-8 check is decided from what its string reading
 * saw. Held here to that rule directly: flat objects whose keys and string values mix plain ASCII with
 * bytes from every part of the range above it (continuation bytes, lead bytes, bytes never valid) are
 * read exactly when the whole message is valid UTF-8, and then with their members where they are.
 */
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { EMPTY_STRING, emptyFlatObject, NUMBER, readFlatObjectBytes, STRING } from '../../../shipper/decode/docker-json-object-bytes.ts';

const high = fc.constantFrom(0x80, 0x8f, 0xa9, 0xbf, 0xc0, 0xc3, 0xdf, 0xe2, 0xef, 0xf0, 0xf4, 0xf8, 0xff);
const text = fc.array(fc.oneof(fc.constantFrom(0x61, 0x20, 0x7e), high, fc.constantFrom(...Buffer.from('é日🚀'))), { maxLength: 12 }).map((bytes) => Buffer.from(bytes));

describe('readFlatObjectBytes and bytes above ASCII', () => {
  it('reads an object exactly when its strings are valid UTF-8', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(text, fc.oneof(text, fc.integer({ min: -999, max: 999 }))), { minLength: 1, maxLength: 4 }), (members) => {
        const parts: Buffer[] = [];
        members.forEach(([key, value], i) => {
          const uniqueKey = Buffer.concat([key, Buffer.from(`k${i}`)]);
          const written = typeof value === 'number' ? Buffer.from(String(value)) : Buffer.concat([Buffer.from('\\"'), value, Buffer.from('\\"')]);
          parts.push(Buffer.from(i === 0 ? '\\"' : ',\\"'), uniqueKey, Buffer.from('\\":'), written);
        });
        const message = Buffer.concat([Buffer.from('{'), ...parts, Buffer.from('}')]);
        const into = emptyFlatObject();
        const read = readFlatObjectBytes(message, 0, message.length, into);
        expect(read).toBe(isUtf8(message));
        if (!read) return;
        expect(into.count).toBe(members.length);
        members.forEach(([, value], i) => {
          expect(into.kind[i]).toBe(typeof value === 'number' ? NUMBER : value.length === 0 ? EMPTY_STRING : STRING);
          if (typeof value !== 'number') expect(message.subarray(into.valueStart[i], into.valueEnd[i])).toEqual(value);
        });
      }),
      { numRuns: 5_000 },
    );
  });
});
