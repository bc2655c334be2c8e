import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleRecord, NginxFields } from '../../../shipper/parse/nginx-fields.ts';
import { recordJsonMembers, valuesNeedNoEscaping } from '../../../shipper/parse/nginx-fields-json.ts';

/** Any string, lone surrogates and control characters included. */
const anyText = fc.string({ unit: 'binary', maxLength: 30 });
/** Strings `JSON.stringify` writes as they are (what a bare line's values are). */
const bareText = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((value) => JSON.stringify(value).length === value.length + 2);
/** Counts as parsers make them, and the odd values a number field could still hold. */
const anyNumber = fc.oneof(fc.nat({ max: 2 ** 40 }), fc.double(), fc.constantFrom(0, -0, 1e21, 1e-7, Infinity, -Infinity, NaN, Number.MAX_SAFE_INTEGER));

const STRING_FIELDS = ['timestamp', 'sourceAddress', 'sourceIp', 'userName', 'method', 'referrer', 'requestId', 'httpVersion', 'urlOriginal', 'urlPath', 'urlQuery', 'urlDomain', 'urlScheme', 'userAgent', 'logLevel'] as const;
const NUMBER_FIELDS = ['sourcePort', 'requestBytes', 'statusCode', 'bodyBytes', 'responseBytes', 'urlPort', 'duration', 'processPid', 'threadId'] as const;
type FieldValues = Partial<Record<(typeof STRING_FIELDS)[number], string> & Record<(typeof NUMBER_FIELDS)[number], number>> & { nginx?: Record<string, unknown> };

/** Fields of any shape: each present or not (present more often than not, so typical records come up). */
function fieldsArbitrary(text: fc.Arbitrary<string>): fc.Arbitrary<FieldValues> {
  const maybe = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(value, { freq: 3, nil: undefined });
  const entries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of STRING_FIELDS) entries[name] = maybe(text);
  for (const name of NUMBER_FIELDS) entries[name] = maybe(anyNumber);
  entries.nginx = maybe(fc.record({ access: fc.record({ upstream: fc.record({ address: fc.oneof(text, fc.array(text)), status_code: fc.oneof(anyNumber, fc.array(anyNumber)) }) }) }));
  return fc.record(entries) as fc.Arbitrary<FieldValues>;
}

function toFields(values: FieldValues): NginxFields {
  const fields = new NginxFields();
  Object.assign(fields, values);
  return fields;
}

/** What the record path writes for these fields. */
function recordJson(fields: NginxFields, message: string, dataset: string): string {
  return JSON.stringify(assembleRecord(fields, message, dataset));
}

/** A typical access record's fields: always present where the typical shape needs them. */
const typicalFields = fc.record({
  timestamp: bareText,
  sourceAddress: bareText,
  method: bareText,
  statusCode: fc.nat({ max: 999 }),
  httpVersion: bareText,
  urlOriginal: bareText,
  urlPath: bareText,
  userName: fc.option(bareText, { nil: undefined }),
  referrer: fc.option(bareText, { nil: undefined }),
  bodyBytes: fc.option(fc.nat({ max: 2 ** 40 }), { nil: undefined }),
  urlQuery: fc.option(bareText, { nil: undefined }),
  userAgent: fc.option(bareText, { nil: undefined }),
  duration: fc.option(anyNumber, { nil: undefined }),
});

describe('the JSON of an nginx record written straight from its fields', () => {
  it('is what JSON.stringify writes for the assembled record, for fields of any shape and any text', () => {
    fc.assert(
      fc.property(fieldsArbitrary(anyText), anyText, fc.constantFrom('nginx.access', 'nginx.error', 'a"b\\c'), (values, message, dataset) => {
        const fields = toFields(values);
        expect(`{${recordJsonMembers(fields, JSON.stringify(message), JSON.stringify(dataset), false)}}`).toBe(recordJson(fields, message, dataset));
      }),
      { numRuns: 3000 },
    );
  });

  it('is the same when the values need no escaping and are written as they are', () => {
    fc.assert(
      fc.property(fieldsArbitrary(bareText), anyText, (values, message) => {
        const fields = toFields(values);
        expect(`{${recordJsonMembers(fields, JSON.stringify(message), '"nginx.access"', true)}}`).toBe(recordJson(fields, message, 'nginx.access'));
      }),
      { numRuns: 3000 },
    );
  });

  it('is the same for typical access records (one template)', () => {
    fc.assert(
      fc.property(typicalFields, anyText, (values, message) => {
        const fields = toFields({ ...values, sourceIp: values.sourceAddress });
        expect(`{${recordJsonMembers(fields, JSON.stringify(message), '"nginx.access"', true)}}`).toBe(recordJson(fields, message, 'nginx.access'));
      }),
      { numRuns: 3000 },
    );
  });

  it('knows the values of a line need no escaping exactly when that is so', () => {
    expect(valuesNeedNoEscaping('1.2.3.4 "GET / HTTP/1.1" 200', '"1.2.3.4 \\"GET / HTTP/1.1\\" 200"', 2)).toBe(true);
    /** Format literals (no surrogates, as in a format read from UTF-8 text) with quotes, tabs, backslashes. */
    const literal = fc.string({ unit: fc.constantFrom(' ', '"', '\t', '\\', '[', ']', '-', 'é', '\u0001', ':'), maxLength: 4 });
    const value = fc.oneof(bareText, anyText);
    fc.assert(
      fc.property(fc.array(fc.tuple(value, literal.filter((l) => l.length > 0)), { minLength: 1, maxLength: 5 }), literal, literal, (pairs, first, last) => {
        const literals = [first, ...pairs.map(([, l]) => l).slice(0, -1), last];
        const values = pairs.map(([v]) => v);
        const line = literals.map((l, i) => l + (values[i] ?? '')).join('');
        const added = literals.reduce((sum, l) => sum + JSON.stringify(l).length - l.length - 2, 0);
        const bare = values.every((v) => JSON.stringify(v).length === v.length + 2);
        expect(valuesNeedNoEscaping(line, JSON.stringify(line), added)).toBe(bare);
      }),
      { numRuns: 5000 },
    );
    expect(valuesNeedNoEscaping('a', '"a"', undefined)).toBe(false);
  });
});
