import { describe, expect, it } from 'vitest';
import { nginxLogKindOfPath, nginxParserFor } from '../../../shipper/parse/nginx-dispatch.ts';
import { PARSE_FAILURE_TAG, parseFailureRecord } from '../../../shipper/parse/failure.ts';

describe('choosing an nginx parser', () => {
  it('gives the combined access parser by default, with its dataset', () => {
    const { parse, dataset } = nginxParserFor('access');
    expect(dataset).toBe('nginx.access');
    const result = parse('10.0.0.1 - - [23/Nov/2026:06:16:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"');
    expect(result.ok && result.record.user_agent).toEqual({ original: 'curl/8' });
  });

  it('passes the configured format and escape to the access parser', () => {
    const { parse } = nginxParserFor('access', { accessFormat: '$remote_addr "$http_user_agent"', escape: 'json' });
    const result = parse('10.0.0.1 "a \\"b\\""');
    expect(result.ok && result.record.user_agent).toEqual({ original: 'a "b"' });
  });

  it('passes the configured time zone to the error parser', () => {
    const { parse, dataset } = nginxParserFor('error', { timeZone: 'Asia/Tokyo' });
    expect(dataset).toBe('nginx.error');
    const result = parse('2026/11/23 09:00:00 [warn] 1#1: x');
    expect(result.ok && result.record['@timestamp']).toBe('2026-11-23T00:00:00.000Z');
  });

  it.each([
    ['/var/log/nginx/error.log', 'error'],
    ['/var/log/nginx/error.log.1', 'error'],
    ['/var/log/nginx/shop_error.log', 'error'],
    ['/var/log/nginx/access.log', 'access'],
    ['/var/log/nginx/shop-access.log', 'access'],
    ['/var/log/nginx/errors-are-not-here/access.log', 'access'],
    ['/var/log/nginx/terror.log', 'access'],
  ])('reads %s as the %s log', (path, kind) => {
    expect(nginxLogKindOfPath(path)).toBe(kind);
  });
});

describe('the record of a line no parser accepted', () => {
  it('keeps the whole line in message, the reason in error.message, and the failure tag', () => {
    expect(parseFailureRecord('not nginx', 'expected " - " at byte 0', 'nginx.access', '2026-11-23T06:16:36.000Z')).toEqual({
      '@timestamp': '2026-11-23T06:16:36.000Z',
      message: 'not nginx',
      error: { message: 'expected " - " at byte 0' },
      tags: [PARSE_FAILURE_TAG],
      event: { dataset: 'nginx.access' },
    });
    expect(PARSE_FAILURE_TAG).toBe('logship_parse_failure');
  });

  it('is stamped with the time it was read when no time is given', () => {
    const before = Date.now();
    const stamped = Date.parse(String(parseFailureRecord('x', 'why', 'nginx.error')['@timestamp']));
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });
});
