// KQL → query DSL, checked against the examples in Kibana's KQL documentation and the expectations in
// Kibana's own compiler tests (kbn-es-query/src/kuery/functions/*.test.ts).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KqlSyntaxError, parseKql, tryParseKql } from '../../../aggregator/ui/src/kql/parse.ts';
import { kqlToDsl, type FieldSpec } from '../../../aggregator/ui/src/kql/to-dsl.ts';

const fields: FieldSpec[] = [
  { name: '@timestamp', type: 'date', esTypes: ['date'] },
  { name: 'message', type: 'string', esTypes: ['text'] },
  { name: 'response', type: 'number', esTypes: ['long'] },
  { name: 'extension', type: 'string', esTypes: ['text'] },
  { name: 'machine.os', type: 'string', esTypes: ['text'] },
  { name: 'machine.os.keyword', type: 'string', esTypes: ['keyword'] },
  { name: 'http.response.status_code', type: 'number', esTypes: ['long'] },
  { name: 'http.request.method', type: 'string', esTypes: ['keyword'] },
  { name: 'kubernetes.namespace', type: 'string', esTypes: ['keyword'] },
  { name: 'url.path', type: 'string', esTypes: ['keyword'] },
  { name: 'url.original', type: 'string', esTypes: ['wildcard'] },
];

const should = (...queries: unknown[]) => ({ bool: { should: queries, minimum_should_match: 1 } });

describe('KQL to query DSL, as Kibana compiles it', () => {
  it('compiles an empty query to match_all', () => {
    expect(kqlToDsl('')).toEqual({ match_all: {} });
    expect(kqlToDsl('   ')).toEqual({ match_all: {} });
    expect(kqlToDsl('*:*')).toEqual({ match_all: {} });
  });

  it('compiles response:200 to a match query on a field of unknown type', () => {
    expect(kqlToDsl('response:200')).toEqual(should({ match: { response: '200' } }));
  });

  it('compiles response:(200 or 404) to a should of two matches', () => {
    expect(kqlToDsl('response:(200 or 404)')).toEqual({
      bool: { should: [should({ match: { response: '200' } }), should({ match: { response: '404' } })], minimum_should_match: 1 },
    });
  });

  it('compiles tags:(success and info and security) to a filter of three matches', () => {
    expect(kqlToDsl('tags:(success and info and security)')).toEqual({
      bool: { filter: [should({ match: { tags: 'success' } }), should({ match: { tags: 'info' } }), should({ match: { tags: 'security' } })] },
    });
  });

  it('compiles response:200 or extension:php to a should', () => {
    expect(kqlToDsl('response:200 or extension:php')).toEqual({
      bool: { should: [should({ match: { response: '200' } }), should({ match: { extension: 'php' } })], minimum_should_match: 1 },
    });
  });

  it('compiles not response:200 to must_not', () => {
    expect(kqlToDsl('not response:200')).toEqual({ bool: { must_not: should({ match: { response: '200' } }) } });
  });

  it('compiles response:200 and not (extension:php or extension:css) with the grouping kept', () => {
    expect(kqlToDsl('response:200 and not (extension:php or extension:css)')).toEqual({
      bool: {
        filter: [
          should({ match: { response: '200' } }),
          { bool: { must_not: { bool: { should: [should({ match: { extension: 'php' } }), should({ match: { extension: 'css' } })], minimum_should_match: 1 } } } },
        ],
      },
    });
  });

  it('gives "and" precedence over "or"', () => {
    expect(kqlToDsl('a:1 or b:2 and c:3')).toEqual({
      bool: { should: [should({ match: { a: '1' } }), { bool: { filter: [should({ match: { b: '2' } }), should({ match: { c: '3' } })] } }], minimum_should_match: 1 },
    });
  });

  it('compiles machine.os:win* to query_string on a text field and wildcard on a keyword field', () => {
    expect(kqlToDsl('machine.os:win*', { fields })).toEqual(should({ query_string: { fields: ['machine.os'], query: 'win*' } }));
    expect(kqlToDsl('machine.os.keyword:win*', { fields })).toEqual(should({ wildcard: { 'machine.os.keyword': { value: 'win*' } } }));
  });

  it('expands a wildcard field name over the known fields', () => {
    expect(kqlToDsl('machine.os*:windows 10', { fields })).toEqual(
      should({ match: { 'machine.os': 'windows 10' } }, { term: { 'machine.os.keyword': { value: 'windows 10' } } }),
    );
  });

  it('keeps spaces inside an unquoted value, as Kibana does', () => {
    expect(kqlToDsl('message: hello world')).toEqual(should({ match: { message: 'hello world' } }));
  });

  it('compiles a quoted value to match_phrase', () => {
    expect(kqlToDsl('message:"quoted phrase"')).toEqual(should({ match_phrase: { message: 'quoted phrase' } }));
  });

  it('compiles free text to multi_match, quoted free text to a phrase multi_match', () => {
    expect(kqlToDsl('Hello')).toEqual({ multi_match: { type: 'best_fields', query: 'Hello', lenient: true } });
    expect(kqlToDsl('"null pointer"')).toEqual({ multi_match: { type: 'phrase', query: 'null pointer', lenient: true } });
  });

  it('compiles free text with a wildcard to query_string', () => {
    expect(kqlToDsl('jpg*')).toEqual({ query_string: { query: 'jpg*' } });
  });

  it('compiles field:* to exists', () => {
    expect(kqlToDsl('response:*')).toEqual(should({ exists: { field: 'response' } }));
  });

  it('compiles range operators, keeping the value as typed', () => {
    expect(kqlToDsl('http.response.status_code >= 500', { fields })).toEqual(should({ range: { 'http.response.status_code': { gte: '500' } } }));
    expect(kqlToDsl('bytes < 10000')).toEqual(should({ range: { bytes: { lt: '10000' } } }));
    expect(kqlToDsl('bytes > 10000 and bytes <= 20000')).toEqual({
      bool: { filter: [should({ range: { bytes: { gt: '10000' } } }), should({ range: { bytes: { lte: '20000' } } })] },
    });
  });

  it('compiles date math on a date field to a range with the time zone', () => {
    expect(kqlToDsl('@timestamp < now-1d', { fields })).toEqual(should({ range: { '@timestamp': { lt: 'now-1d' } } }));
    expect(kqlToDsl('@timestamp < now-2w', { fields, dateFormatTZ: 'Europe/Paris' })).toEqual(
      should({ range: { '@timestamp': { lt: 'now-2w', time_zone: 'Europe/Paris' } } }),
    );
    expect(kqlToDsl('@timestamp < "2021-01-02T21:55:59"', { fields })).toEqual(should({ range: { '@timestamp': { lt: '2021-01-02T21:55:59' } } }));
  });

  it('compiles an exact date to a gte/lte range, as match cannot take a time zone', () => {
    expect(kqlToDsl('@timestamp:"2018-04-03T19:04:17"', { fields })).toEqual(
      should({ range: { '@timestamp': { gte: '2018-04-03T19:04:17', lte: '2018-04-03T19:04:17' } } }),
    );
  });

  it('uses term for keyword-only fields', () => {
    expect(kqlToDsl('machine.os.keyword:"Win 7"', { fields })).toEqual(should({ term: { 'machine.os.keyword': { value: 'Win 7' } } }));
    expect(kqlToDsl('http.request.method: GET', { fields, caseInsensitive: true })).toEqual(
      should({ term: { 'http.request.method': { value: 'GET', case_insensitive: true } } }),
    );
  });

  it('compiles the issue example: namespace, status range and an excluded path prefix', () => {
    const dsl = kqlToDsl('http.response.status_code >= 500 and kubernetes.namespace : shop and not url.path : /health*', { fields });
    expect(dsl).toEqual({
      bool: {
        filter: [
          should({ range: { 'http.response.status_code': { gte: '500' } } }),
          should({ term: { 'kubernetes.namespace': { value: 'shop' } } }),
          { bool: { must_not: should({ wildcard: { 'url.path': { value: '\\/health*' } } }) } },
        ],
      },
    });
  });

  it('reads escaped special characters and keywords as text', () => {
    expect(kqlToDsl('http.request.referrer: https\\://example.com')).toEqual(should({ match: { 'http.request.referrer': 'https://example.com' } }));
    expect(kqlToDsl('message: \\(a\\) \\* \\"b\\"')).toEqual(should({ match: { message: '(a) * "b"' } }));
    expect(kqlToDsl('message: rock \\and roll')).toEqual(should({ match: { message: 'rock and roll' } }));
    expect(kqlToDsl('message:"say \\"hi\\""')).toEqual(should({ match_phrase: { message: 'say "hi"' } }));
    expect(kqlToDsl('message: caf\\u00e9')).toEqual(should({ match: { message: 'café' } }));
  });

  it('escapes Lucene characters around wildcards in query_string', () => {
    expect(kqlToDsl('url.original: /a+b/*')).toEqual(should({ query_string: { fields: ['url.original'], query: '\\/a\\+b\\/*' } }));
  });

  it('parses booleans and null as literals', () => {
    expect(kqlToDsl('enabled:true')).toEqual(should({ match: { enabled: true } }));
  });

  it('compiles nested queries to a nested query with full field names', () => {
    expect(kqlToDsl('user:{ first: "Alice" and last: "White" }')).toEqual({
      nested: {
        path: 'user',
        query: { bool: { filter: [should({ match_phrase: { 'user.first': 'Alice' } }), should({ match_phrase: { 'user.last': 'White' } })] } },
        score_mode: 'none',
      },
    });
  });

  it('is case-insensitive about the keywords', () => {
    expect(kqlToDsl('NOT a:1 AND b:2 OR c:3')).toEqual(kqlToDsl('not a:1 and b:2 or c:3'));
  });
});

describe('KQL syntax errors', () => {
  const errorOf = (query: string): KqlSyntaxError => {
    const result = tryParseKql(query);
    if (result.ok) throw new Error(`expected a syntax error for ${query}`);
    return result.error;
  };

  it('points at a missing value after a range operator', () => {
    const error = errorOf('status >= ');
    expect(error.position).toBe(10);
    expect(error.message).toMatch(/^Expected .*value.* but end of input found\.$/);
  });

  it('points at an unclosed parenthesis', () => {
    const error = errorOf('response:(200 or 404');
    expect(error.position).toBe(20);
    expect(error.expected).toContain('")"');
  });

  it('points at an unterminated quote', () => {
    const error = errorOf('message:"abc');
    expect(error.position).toBe(12);
  });

  it('points at a stray operator', () => {
    const error = errorOf('a:1 and < 3');
    expect(error.position).toBe(8);
    expect(error.found).toBe('<');
  });

  it('throws a KqlSyntaxError, never another exception, from parseKql', () => {
    expect(() => parseKql('a:(')).toThrow(KqlSyntaxError);
    expect(() => parseKql(')')).toThrow(KqlSyntaxError);
  });
});

describe('KQL on arbitrary input', () => {
  it('either compiles or reports a KqlSyntaxError with a position inside the input', () => {
    const kqlish = fc.stringMatching(/^[a-z0-9 .:*()"<>=\\{}-]{0,40}$/);
    fc.assert(
      fc.property(fc.oneof(kqlish, fc.string({ maxLength: 40 })), (input) => {
        try {
          kqlToDsl(input);
        } catch (error) {
          expect(error).toBeInstanceOf(KqlSyntaxError);
          const { position } = error as KqlSyntaxError;
          expect(position).toBeGreaterThanOrEqual(0);
          expect(position).toBeLessThanOrEqual(input.length);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
