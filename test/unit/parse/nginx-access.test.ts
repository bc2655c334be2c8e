import { describe, expect, it } from 'vitest';
import { compileAccessFormat } from '../../../shipper/parse/nginx-access.ts';
import type { LogRecord, ParseResult } from '../../../shipper/record.ts';

function parsed(result: ParseResult): LogRecord {
  if (!result.ok) throw new Error(`expected the line to parse, got: ${result.error}`);
  return result.record;
}

const combined = compileAccessFormat('combined');

/** A combined line with the parts a case cares about replaced. */
function combinedLine(parts: { addr?: string; user?: string; time?: string; request?: string; status?: string; bytes?: string; referrer?: string; agent?: string } = {}): string {
  const {
    addr = '203.0.113.7', user = '-', time = '23/Nov/2026:06:16:36 +0000', request = 'GET /index.html HTTP/1.1',
    status = '200', bytes = '512', referrer = '-', agent = 'curl/8.5.0',
  } = parts;
  return `${addr} - ${user} [${time}] "${request}" ${status} ${bytes} "${referrer}" "${agent}"`;
}

describe('nginx access lines in the combined format', () => {
  it('map every combined variable to its ECS field, with numbers as numbers', () => {
    const line = combinedLine({ user: 'alice', request: 'POST /api/v1/cart?item=42&qty=2 HTTP/1.1', status: '201', bytes: '1234', referrer: 'https://shop.example.test/', agent: 'Mozilla/5.0 (X11; Linux x86_64)' });
    expect(parsed(combined(line))).toEqual({
      '@timestamp': '2026-11-23T06:16:36.000Z',
      message: line,
      source: { address: '203.0.113.7', ip: '203.0.113.7' },
      user: { name: 'alice' },
      http: { request: { method: 'POST', referrer: 'https://shop.example.test/' }, response: { status_code: 201, body: { bytes: 1234 } }, version: '1.1' },
      url: { original: '/api/v1/cart?item=42&qty=2', path: '/api/v1/cart', query: 'item=42&qty=2' },
      user_agent: { original: 'Mozilla/5.0 (X11; Linux x86_64)' },
      event: { dataset: 'nginx.access' },
    });
  });

  it('leave out the fields nginx wrote as "-"', () => {
    const record = parsed(combined(combinedLine({ user: '-', referrer: '-', agent: '-', bytes: '-' })));
    expect(record.user).toBeUndefined();
    expect(record.user_agent).toBeUndefined();
    expect(record.http).toEqual({ request: { method: 'GET' }, response: { status_code: 200 }, version: '1.1' });
  });

  it.each([
    ['a quote in the user agent', 'Mozilla/5.0 \\x22quoted\\x22 scanner', 'Mozilla/5.0 "quoted" scanner'],
    ['a backslash', 'C:\\x5CWindows', 'C:\\Windows'],
    ['UTF-8 bytes of an accented letter', 'caf\\xC3\\xA9-bot', 'café-bot'],
    ['a four-byte emoji', 'bot \\xF0\\x9F\\x98\\x80', 'bot 😀'],
    ['a control character', 'tab\\x09here', 'tab\there'],
    ['a byte that is not UTF-8, kept as written', 'bad\\xFFbyte', 'bad\\xFFbyte'],
    ['a truncated UTF-8 sequence, kept as written', 'cut\\xC3', 'cut\\xC3'],
    ['a backslash nginx did not write as an escape', 'odd\\q', 'odd\\q'],
  ])('decode %s into the field while message keeps the raw line', (_case, raw, decoded) => {
    const line = combinedLine({ agent: raw });
    const record = parsed(combined(line));
    expect(record.user_agent).toEqual({ original: decoded });
    expect(record.message).toBe(line);
  });

  it('read a quote escaped inside the request without ending the field early', () => {
    const record = parsed(combined(combinedLine({ request: 'GET /search?q=\\x22hello\\x22 HTTP/1.1' })));
    expect(record.url).toEqual({ original: '/search?q="hello"', path: '/search', query: 'q="hello"' });
    expect(record.http).toMatchObject({ response: { status_code: 200 } });
  });

  it.each([
    ['IPv6', '2001:db8:7877:ed01::7d7f', '2001:db8:7877:ed01::7d7f'],
    ['IPv4-mapped IPv6', '::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['a unix socket, which is no IP', 'unix:', undefined],
    ['a dotted name that is no IP', '999.1.1.1', undefined],
  ])('set source.ip for a %s remote address only when it is an IP', (_case, address, ip) => {
    const record = parsed(combined(combinedLine({ addr: address })));
    expect(record.source).toEqual(ip === undefined ? { address } : { address, ip });
  });

  it.each([
    ['GARBAGE', 'GARBAGE'],
    ['a TLS handshake sent to the HTTP port', '\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03'],
    ['a lowercase word followed by junk', 'hello there'],
  ])('keep only url.original for a request line that is %s, and still parse the line', (_case, request) => {
    const record = parsed(combined(combinedLine({ request, status: '400', bytes: '157' })));
    expect(record.url).toEqual({ original: expect.any(String) });
    expect((record.url as { original: string }).original.length).toBeGreaterThan(0);
    expect(record.http).toEqual({ response: { status_code: 400, body: { bytes: 157 } } });
  });

  it('decode the TLS handshake bytes that are valid as text and keep the rest escaped', () => {
    const record = parsed(combined(combinedLine({ request: '\\x16\\x03\\xFC', status: '400' })));
    expect(record.url).toEqual({ original: '\u0016\u0003\\xFC' });
  });

  it('leave the url out entirely for an empty request ""', () => {
    const record = parsed(combined(combinedLine({ request: '', status: '400' })));
    expect(record.url).toBeUndefined();
    expect(record.http).toEqual({ response: { status_code: 400, body: { bytes: 512 } } });
  });

  it.each([
    ['HTTP/1.0', 'GET / HTTP/1.0', { method: 'GET', version: '1.0', url: { original: '/', path: '/' } }],
    ['HTTP/2.0', 'GET /a HTTP/2.0', { method: 'GET', version: '2.0', url: { original: '/a', path: '/a' } }],
    ['a proxy request in absolute form', 'GET http://example.test/p?x=1 HTTP/1.1', { method: 'GET', version: '1.1', url: { original: 'http://example.test/p?x=1', path: '/p', query: 'x=1' } }],
    ['a target with a space in it', 'GET /a b HTTP/1.1', { method: 'GET', version: '1.1', url: { original: '/a b', path: '/a b' } }],
    ['HTTP/0.9 without a version', 'GET /old', { method: 'GET', version: undefined, url: { original: '/old', path: '/old' } }],
    ['an empty query after "?"', 'GET /p? HTTP/1.1', { method: 'GET', version: '1.1', url: { original: '/p?', path: '/p' } }],
    ['a fragment', 'GET /p?q=1#top HTTP/1.1', { method: 'GET', version: '1.1', url: { original: '/p?q=1#top', path: '/p', query: 'q=1' } }],
    ['a WebDAV method', 'PROPFIND /dav/ HTTP/1.1', { method: 'PROPFIND', version: '1.1', url: { original: '/dav/', path: '/dav/' } }],
  ])('split a request line with %s', (_case, request, expected) => {
    const record = parsed(combined(combinedLine({ request })));
    const http = record.http as { request?: { method?: string }; version?: string };
    expect(http.request?.method).toBe(expected.method);
    expect(http.version).toBe(expected.version);
    expect(record.url).toEqual(expected.url);
  });

  it('parse a line longer than 16 KiB whole', () => {
    const query = 'q=' + 'a'.repeat(20_000);
    const line = combinedLine({ request: `GET /search?${query} HTTP/1.1`, status: '414' });
    expect(line.length).toBeGreaterThan(16 * 1024);
    const record = parsed(combined(line));
    expect((record.url as { query: string }).query).toBe(query);
    expect(record.message).toBe(line);
  });

  it.each([
    ['+0100', '23/Nov/2026:07:16:36 +0100', '2026-11-23T06:16:36.000Z'],
    ['-0530', '23/Nov/2026:00:46:36 -0530', '2026-11-23T06:16:36.000Z'],
    ['a day change', '01/Jan/2027:00:30:00 +0200', '2026-12-31T22:30:00.000Z'],
    ['29 February of a leap year', '29/Feb/2028:12:00:00 +0000', '2028-02-29T12:00:00.000Z'],
  ])('convert $time_local with offset %s to UTC', (_case, time, iso) => {
    expect(parsed(combined(combinedLine({ time })))['@timestamp']).toBe(iso);
  });

  it.each([
    ['a month name nginx never writes', '23/Foo/2026:06:16:36 +0000'],
    ['31 February', '31/Feb/2026:06:16:36 +0000'],
    ['no offset', '23/Nov/2026:06:16:36'],
    ['hour 25', '23/Nov/2026:25:16:36 +0000'],
  ])('refuse a $time_local with %s, naming the variable', (_case, time) => {
    const result = combined(combinedLine({ time }));
    expect(result).toEqual({ ok: false, error: expect.stringContaining('$time_local') });
  });

  it('refuse a status that is not a number, naming the variable and the value', () => {
    expect(combined(combinedLine({ status: 'OK' }))).toEqual({ ok: false, error: '$status is not a number: "OK"' });
  });

  it.each([
    ['a line of another format', 'Nov 23 06:16:36 host sshd[1]: Accepted publickey', 'expected " - " after $remote_addr'],
    ['a line cut before the user agent', '203.0.113.7 - - [23/Nov/2026:06:16:36 +0000] "GET / HTTP/1.1" 200 5 "-"', 'expected "\\" \\"" after $http_referer at byte 69'],
    ['a line missing its closing quote', '203.0.113.7 - - [23/Nov/2026:06:16:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl', 'at the end of the line after $http_user_agent'],
    ['an empty line', '', 'expected " - " after $remote_addr at byte 0'],
  ])('fail %s with the position where it stopped matching', (_case, line, reason) => {
    const result = combined(line);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toContain(reason);
  });

  it('count the position of a mismatch in bytes, not characters', () => {
    const result = combined('ünïcödé-host');
    expect(result).toEqual({ ok: false, error: expect.stringContaining('at byte 0') });
    const line = '2001:db8::1 - - [23/Nov/2026:06:16:36 +0000] "GET /é HTTP/1.1" 200 5 "-"';
    // The referrer's value starts right after its opening quote; the "é" before it is two bytes.
    const valueStart = line.lastIndexOf('"-"') + 1;
    const bytes = Buffer.byteLength(line.slice(0, valueStart));
    expect(bytes).toBe(valueStart + 1);
    expect(combined(line)).toEqual({ ok: false, error: expect.stringContaining(`after $http_referer at byte ${bytes}`) });
  });
});

describe('nginx access formats other than combined', () => {
  it('read the stock nginx.conf "main" format and list the X-Forwarded-For addresses', () => {
    const main = compileAccessFormat('main');
    const line = `${combinedLine()} "198.51.100.1, 10.0.0.2,10.0.0.3"`;
    expect(parsed(main(line)).nginx).toEqual({ access: { remote_ip_list: ['198.51.100.1', '10.0.0.2', '10.0.0.3'] } });
    expect(parsed(main(`${combinedLine()} "-"`)).nginx).toBeUndefined();
  });

  it('map $request_time to nanoseconds and the upstream variables to nginx.access.upstream', () => {
    const parse = compileAccessFormat('$remote_addr [$time_local] "$request" $status $request_time $upstream_addr $upstream_status $upstream_response_time $upstream_connect_time $upstream_header_time $upstream_cache_status');
    const line = '10.1.2.3 [23/Nov/2026:06:16:36 +0000] "GET /api HTTP/1.1" 200 0.123 10.0.0.1:8080 200 0.120 0.001 0.110 MISS';
    const record = parsed(parse(line));
    expect(record.event).toEqual({ dataset: 'nginx.access', duration: 123_000_000 });
    expect(record.nginx).toEqual({
      access: {
        upstream: { address: '10.0.0.1:8080', status_code: 200, response: { time: 0.12 }, connect: { time: 0.001 }, header: { time: 0.11 }, cache_status: 'MISS' },
      },
    });
  });

  it('keep one value per upstream tried as arrays, dropping the "-" of upstreams never reached', () => {
    const parse = compileAccessFormat('$status "$upstream_addr" "$upstream_status" "$upstream_response_time"');
    const record = parsed(parse('200 "10.0.0.1:80, 10.0.0.2:80 : unix:/run/app.sock" "502, 504 : 200" "0.001, - : 0.020"'));
    expect(record.nginx).toEqual({
      access: { upstream: { address: ['10.0.0.1:80', '10.0.0.2:80', 'unix:/run/app.sock'], status_code: [502, 504, 200], response: { time: [0.001, 0.02] } } },
    });
  });

  it('keep the spaces inside unquoted upstream lists, which nginx writes with ", " and " : "', () => {
    const parse = compileAccessFormat('$status $upstream_addr $upstream_status $upstream_response_time $request_time');
    const record = parsed(parse('200 10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80 502, 504 : 200 0.001, 0.002 : 0.003 0.010'));
    expect(record.nginx).toEqual({
      access: { upstream: { address: ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80'], status_code: [502, 504, 200], response: { time: [0.001, 0.002, 0.003] } } },
    });
    expect(record.event).toEqual({ dataset: 'nginx.access', duration: 10_000_000 });
  });

  it('leave the upstream out when nginx answered itself ("-")', () => {
    const parse = compileAccessFormat('$status $upstream_addr $upstream_status $request_time');
    const record = parsed(parse('404 - - 0.000'));
    expect(record.nginx).toBeUndefined();
    expect(record.event).toEqual({ dataset: 'nginx.access', duration: 0 });
  });

  it.each([
    ['$time_iso8601 with an offset', '$time_iso8601 $status', '2026-11-23T07:16:36+01:00 200', '2026-11-23T06:16:36.000Z'],
    ['$time_iso8601 in UTC', '$time_iso8601 $status', '2026-11-23T06:16:36+00:00 200', '2026-11-23T06:16:36.000Z'],
    ['$msec, keeping milliseconds', '$msec $status', '1795414596.789 200', '2026-11-23T06:16:36.789Z'],
    ['$msec over $time_local, as the more precise', '[$time_local] $msec $status', '[23/Nov/2026:06:16:36 +0000] 1795414596.789 200', '2026-11-23T06:16:36.789Z'],
  ])('take @timestamp from %s', (_case, format, line, iso) => {
    expect(parsed(compileAccessFormat(format)(line))['@timestamp']).toBe(iso);
  });

  it('map request parts given as separate variables, with $host winning over $server_name', () => {
    const parse = compileAccessFormat('$server_name $host $scheme $request_method "$request_uri" $server_protocol $remote_port $bytes_sent $request_length $request_id');
    const record = parsed(parse('default shop.example.test https PUT "/items/7?force=1" HTTP/2.0 51234 900 300 abc123'));
    expect(record.url).toEqual({ original: '/items/7?force=1', path: '/items/7', query: 'force=1', domain: 'shop.example.test', scheme: 'https' });
    expect(record.http).toEqual({ request: { method: 'PUT', bytes: 300, id: 'abc123' }, response: { bytes: 900 }, version: '2.0' });
    expect(record.source).toEqual({ port: 51234 });
  });

  it('prefer $request over $uri and $args for the url when a format has both', () => {
    const parse = compileAccessFormat('"$request" $uri $args');
    const record = parsed(parse('"GET /raw%20path?a=1 HTTP/1.1" /raw path a=1'));
    expect(record.url).toEqual({ original: '/raw%20path?a=1', path: '/raw%20path', query: 'a=1' });
  });

  it('put any other variable under nginx.access by its name', () => {
    const parse = compileAccessFormat('$status $connection $pipe "$http_x_custom_header" ${gzip_ratio}x');
    const record = parsed(parse('200 42 p "hello world" 2.5x'));
    expect(record.nginx).toEqual({ access: { connection: '42', pipe: 'p', http_x_custom_header: 'hello world', gzip_ratio: '2.5' } });
  });

  it('accept a log_format directive pasted from nginx.conf, joining its quoted parts', () => {
    const parse = compileAccessFormat(`log_format timed '$remote_addr [$time_local] '
                       '"$request" $status $request_time';`);
    const record = parsed(parse('10.0.0.9 [23/Nov/2026:06:16:36 +0000] "GET / HTTP/1.1" 200 1.5'));
    expect(record.event).toEqual({ dataset: 'nginx.access', duration: 1_500_000_000 });
    expect(record.source).toEqual({ address: '10.0.0.9', ip: '10.0.0.9' });
  });

  it.each([
    ['adjacent variables', '$remote_addr$remote_user', 'adjacent'],
    ['no variables at all', 'just text', 'no $variables'],
    ['an unclosed ${', '${remote_addr', 'without "}"'],
    ['an unknown escape', "log_format x escape=yaml '$status';", 'escape=yaml'],
  ])('refuse to compile a format with %s', (_case, format, reason) => {
    expect(() => compileAccessFormat(format)).toThrow(reason);
  });
});

describe('nginx access formats with escape=json', () => {
  const jsonFormat = `log_format json_combined escape=json '{"time":"$time_iso8601","remote_addr":"$remote_addr",'
    '"request":"$request","status":$status,"body_bytes_sent":$body_bytes_sent,"request_time":$request_time,'
    '"http_referrer":"$http_referer","http_user_agent":"$http_user_agent","upstream":{"addr":"$upstream_addr","status":"$upstream_status"}}';`;
  const parse = compileAccessFormat(jsonFormat);

  it('read a JSON line by the keys of the template, JSON escapes decoded', () => {
    const line = JSON.stringify({
      time: '2026-11-23T07:16:36+01:00', remote_addr: '2001:db8::5', request: 'GET /a?b=1 HTTP/1.1', status: 200, body_bytes_sent: 77,
      request_time: 0.004, http_referrer: '', http_user_agent: 'say "hi"\u0001\\', upstream: { addr: '10.0.0.1:80', status: '200' },
    });
    expect(parsed(parse(line))).toEqual({
      '@timestamp': '2026-11-23T06:16:36.000Z',
      message: line,
      source: { address: '2001:db8::5', ip: '2001:db8::5' },
      http: { request: { method: 'GET' }, response: { status_code: 200, body: { bytes: 77 } }, version: '1.1' },
      url: { original: '/a?b=1', path: '/a', query: 'b=1' },
      user_agent: { original: 'say "hi"\u0001\\' },
      event: { dataset: 'nginx.access', duration: 4_000_000 },
      nginx: { access: { upstream: { address: '10.0.0.1:80', status_code: 200 } } },
    });
  });

  it('fall back to reading the line as text when a bare variable made it invalid JSON ("-")', () => {
    const line = '{"time":"2026-11-23T06:16:36+00:00","remote_addr":"10.0.0.1","request":"GET / HTTP/1.1","status":200,"body_bytes_sent":0,"request_time":-,"http_referrer":"","http_user_agent":"a \\"b\\"","upstream":{"addr":"","status":""}}';
    const record = parsed(parse(line));
    expect(record.event).toEqual({ dataset: 'nginx.access' });
    expect(record.user_agent).toEqual({ original: 'a "b"' });
    expect(record.http).toMatchObject({ response: { status_code: 200, body: { bytes: 0 } } });
  });

  it.each([
    ['a bare JSON-object format string', '{"ua":"$http_user_agent","status":"$status"}'],
    ['a pasted directive without escape=, which means nginx\'s default', `log_format j '{"ua":"$http_user_agent","status":"$status"}';`],
  ])('decode \\xHH escapes of a JSON-looking format given as %s', (_case, format) => {
    const record = parsed(compileAccessFormat(format)('{"ua":"say \\x22hi\\x22 \\x5C","status":"200"}'));
    expect(record.user_agent).toEqual({ original: 'say "hi" \\' });
    expect(record.http).toEqual({ response: { status_code: 200 } });
  });

  it('fail a JSON-format line that is neither JSON nor the template as text', () => {
    expect(parse('plain text').ok).toBe(false);
  });

  it('fail a JSON line that has none of the format\'s keys', () => {
    expect(parse('{"level":"info","msg":"some other program"}')).toEqual({ ok: false, error: expect.stringContaining('line does not match the log format') });
  });

  it('leave values as written with escape=none', () => {
    const raw = compileAccessFormat("log_format raw escape=none '$remote_addr [$http_user_agent]';");
    expect(parsed(raw('10.0.0.1 [a \\x22 b]')).user_agent).toEqual({ original: 'a \\x22 b' });
  });

  it('skip quotes escaped as \\" when scanning a text format with escape=json', () => {
    const textJson = compileAccessFormat('$remote_addr "$http_user_agent" $status', { escape: 'json' });
    const record = parsed(textJson('10.0.0.1 "quote \\" inside \\\\" 200'));
    expect(record.user_agent).toEqual({ original: 'quote " inside \\' });
    expect(record.http).toEqual({ response: { status_code: 200 } });
  });
});
