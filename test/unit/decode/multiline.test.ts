import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ContainerEntry, ContainerStream } from '../../../shipper/decode/container-entry.ts';
import { createDecoder } from '../../../shipper/decode/decoder.ts';
import { createMultilineJoiner, type MultilineOptions } from '../../../shipper/decode/multiline.ts';
import { JAVA_TRACE, WORKLOAD_SAMPLES, corpusPath, decodeAll, linesOf, readLines, workloadStderr, workloadStdout } from './corpus.ts';

const ALL: MultilineOptions = { detectors: ['java', 'python', 'go', 'node'], maxLines: 500, maxBytes: 1 << 20, timeoutMs: 1000 };

/** Entries as a decoder would give them: one per line, 100 bytes each, in file order. */
function entries(lines: readonly string[], stream: ContainerStream = 'stderr'): ContainerEntry[] {
  return lines.map((message, i) => ({ message, stream, timestamp: `2026-11-23T06:00:00.${String(i).padStart(9, '0')}Z`, offset: i * 100, endOffset: i * 100 + 100, format: 'cri' }));
}

function join(input: readonly ContainerEntry[], options: MultilineOptions = ALL): ContainerEntry[] {
  const joiner = createMultilineJoiner(options);
  return [...input.flatMap((entry) => joiner.push(entry)), ...joiner.flush()];
}

function messages(input: readonly string[], options: MultilineOptions = ALL): string[] {
  return join(entries(input), options).map((entry) => entry.message);
}

describe('multiline joining on the workload captures', () => {
  it.each(WORKLOAD_SAMPLES)('joins the 4-line Java trace of $runtime into one stderr record and leaves the rest alone', (sample) => {
    const decoded = decodeAll(createDecoder({ format: 'auto', maxBytes: 1 << 20 }), readLines(sample.path));
    const joined = join(decoded);
    expect(joined).toHaveLength(28 - 3);
    expect(joined.filter((e) => e.stream === 'stdout').map((e) => e.message)).toEqual(workloadStdout(sample.pid));
    const expectedStderr = workloadStderr();
    expectedStderr.splice(1, 4, JAVA_TRACE.join('\n'));
    expect(joined.filter((e) => e.stream === 'stderr').map((e) => e.message)).toEqual(expectedStderr);
    const trace = joined.find((e) => e.message.startsWith('Exception in thread'))!;
    const parts = decoded.filter((e) => JAVA_TRACE.includes(e.message));
    expect([trace.offset, trace.endOffset, trace.timestamp, trace.joinedLines]).toEqual([parts[0]!.offset, parts[3]!.endOffset, parts[0]!.timestamp, 4]);
  });

  it('joins the 17 frames of fluent-bit\'s real containerd Java trace to their exception line', () => {
    const [record] = JSON.parse(readFileSync(corpusPath('cri/public/fluent-bit_multiline.json'), 'utf8')) as Array<{ log: string }>;
    const decoded = decodeAll(createDecoder({ format: 'cri', maxBytes: 1 << 20 }), linesOf(Buffer.from(record!.log + '\n')));
    const joined = join(decoded);
    const frames = decoded.filter((e) => e.message.startsWith('\tat '));
    expect(frames).toHaveLength(17);
    expect(joined.map((e) => e.message)).toEqual([decoded[0]!.message, [decoded[1]!.message, ...frames.map((f) => f.message)].join('\n')]);
    expect(joined[1]!.endOffset).toBe(decoded[18]!.endOffset);
  });
});

describe('stack trace detectors', () => {
  it('joins a Java trace with its Caused by and "... N more" lines', () => {
    const trace = [
      'Exception in thread "main" java.lang.RuntimeException: outer',
      '\tat com.example.App.main(App.java:10)',
      'Caused by: java.io.IOException: inner',
      '\tat com.example.Io.read(Io.java:5)',
      '\t... 1 more',
    ];
    expect(messages([...trace, 'next line'])).toEqual([trace.join('\n'), 'next line']);
  });

  it('joins a Python traceback through its final exception line and no further', () => {
    const trace = [
      'Traceback (most recent call last):',
      '  File "/app/main.py", line 10, in <module>',
      '    main()',
      '  File "/app/main.py", line 6, in main',
      '    raise ValueError("bad value")',
      'ValueError: bad value',
    ];
    expect(messages(['INFO:root:starting', ...trace, 'INFO:root:next'])).toEqual(['INFO:root:starting', trace.join('\n'), 'INFO:root:next']);
  });

  it('joins chained Python tracebacks into one record', () => {
    const trace = [
      'Traceback (most recent call last):',
      '  File "x.py", line 2, in <module>',
      '    1/0',
      'ZeroDivisionError: division by zero',
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "x.py", line 4, in <module>',
      '    raise KeyError("k")',
      "KeyError: 'k'",
    ];
    expect(messages([...trace, 'after'])).toEqual([trace.join('\n'), 'after']);
  });

  it('joins a Go panic with its signal line, goroutine block and exit status', () => {
    const trace = [
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x48f4a5]',
      '',
      'goroutine 1 [running]:',
      'main.(*Server).handle(0x0, {0x4d2f60, 0xc000012345})',
      '\t/app/server.go:42 +0x25',
      'main.main()',
      '\t/app/main.go:17 +0x3b',
      'exit status 2',
    ];
    expect(messages([...trace, '2026/11/23 06:00:00 restarted'])).toEqual([trace.join('\n'), '2026/11/23 06:00:00 restarted']);
  });

  it('joins Node "    at" frames and a [cause] to their Error line', () => {
    const trace = [
      'Error: outer',
      '    at main (/app/index.js:5:9)',
      '    at Module._compile (node:internal/modules/cjs/loader:1256:14)',
      '  [cause]: Error: inner',
      '      at main (/app/index.js:4:17)',
    ];
    expect(messages(['server listening', ...trace, 'server listening'])).toEqual(['server listening', trace.join('\n'), 'server listening']);
  });

  it('leaves a blank line after a Python traceback out of it when no chained traceback follows', () => {
    const trace = ['Traceback (most recent call last):', '  File "a.py", line 1, in <module>', 'NameError: x'];
    const out = join(entries([...trace, '', '', 'INFO:root:next']));
    expect(out.map((e) => e.message)).toEqual([trace.join('\n'), '', '', 'INFO:root:next']);
    expect(out.map((e) => [e.offset, e.endOffset])).toEqual([[0, 300], [300, 400], [400, 500], [500, 600]]);
  });

  it('joins the whole report Node prints for an uncaught error, from its location line to its version line', () => {
    const report = [
      '/app/server.js:12',
      "    throw new Error('database unreachable');",
      '    ^',
      '',
      'Error: database unreachable',
      '    at Object.<anonymous> (/app/server.js:12:11)',
      '    at node:internal/main/run_main_module:28:49',
      '',
      'Node.js v20.11.0',
    ];
    expect(messages(['server starting', ...report, 'server starting'])).toEqual(['server starting', report.join('\n'), 'server starting']);
  });

  it('joins a Node error\'s printed properties to its frames', () => {
    const trace = [
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
      '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1595:16) {',
      '  errno: -111,',
      "  code: 'ECONNREFUSED',",
      '  port: 5432',
      '}',
    ];
    expect(messages([...trace, 'retrying'])).toEqual([trace.join('\n'), 'retrying']);
  });

  it('joins only the languages it is asked to detect', () => {
    const python = ['Traceback (most recent call last):', '  File "a.py", line 1, in <module>', 'NameError: x'];
    expect(messages(python, { ...ALL, detectors: ['java'] })).toEqual(python);
    const goTrace = ['panic: boom', '', 'goroutine 1 [running]:', 'main.main()', '\t/app/main.go:3 +0x1'];
    expect(messages(goTrace, { ...ALL, detectors: ['python'] })).toEqual(goTrace);
  });
});

describe('a per-pod start pattern', () => {
  it('joins every line that does not match it to the record before', () => {
    const options: MultilineOptions = { ...ALL, detectors: [], startPattern: /^\d{4}-\d{2}-\d{2} /g };
    const lines = ['2026-11-23 06:00:00 ERROR request failed', '  details: x', 'more: y', '2026-11-23 06:00:01 INFO ok', '2026-11-23 06:00:02 INFO ok'];
    expect(messages(lines, options)).toEqual([lines.slice(0, 3).join('\n'), lines[3], lines[4]]);
  });
});

describe('joining rules that keep the checkpoint and the streams honest', () => {
  it('keeps stdout and stderr apart when their lines interleave', () => {
    const input = [
      ...entries(['Exception in thread "main" java.lang.Error: x'], 'stderr'),
      { ...entries(['hello'], 'stdout')[0]!, offset: 100, endOffset: 200 },
      { ...entries(['\tat a.B.c(B.java:1)'], 'stderr')[0]!, offset: 200, endOffset: 300 },
    ];
    const out = join(input);
    expect(out.map((e) => [e.stream, e.message, e.offset, e.endOffset])).toEqual([
      ['stderr', 'Exception in thread "main" java.lang.Error: x\n\tat a.B.c(B.java:1)', 0, 300],
      ['stdout', 'hello', 100, 200],
    ]);
  });

  it('splits a record at maxLines instead of dropping lines', () => {
    const lines = ['java.lang.Error: x', '\tat a(A.java:1)', '\tat b(B.java:2)', '\tat c(C.java:3)', '\tat d(D.java:4)'];
    const out = join(entries(lines), { ...ALL, maxLines: 3 });
    expect(out.map((e) => e.message)).toEqual([lines.slice(0, 3).join('\n'), lines.slice(3).join('\n')]);
    expect(out.map((e) => [e.offset, e.endOffset])).toEqual([[0, 300], [300, 500]]);
  });

  it('splits a record before it would pass maxBytes', () => {
    const lines = ['java.lang.Error: x', '\tat a(A.java:1)', '\tat b(B.java:2)'];
    const limit = Buffer.byteLength(`${lines[0]}\n${lines[1]}`);
    expect(messages(lines, { ...ALL, maxBytes: limit })).toEqual([`${lines[0]}\n${lines[1]}`, lines[2]]);
  });

  it('passes a line that did not decode straight through without joining it', () => {
    const bad: ContainerEntry = { message: '\tat not-really', stream: 'stderr', timestamp: '', offset: 100, endOffset: 200, error: 'corrupt', format: 'docker' };
    const joiner = createMultilineJoiner(ALL);
    expect(joiner.push(entries(['java.lang.Error: x'])[0]!)).toEqual([]);
    expect(joiner.push(bad)).toEqual([bad]);
    expect(joiner.flush().map((e) => e.message)).toEqual(['java.lang.Error: x']);
  });

  it('holds nothing when neither a detector nor a start pattern is configured', () => {
    const joiner = createMultilineJoiner({ ...ALL, detectors: [] });
    const [first] = entries(['a']);
    expect(joiner.push(first!)).toEqual([first]);
    expect(joiner.pendingFrom()).toBeUndefined();
  });

  it('emits a waiting record once the timeout has passed since a flushStale first saw it', () => {
    const joiner = createMultilineJoiner({ ...ALL, timeoutMs: 500 });
    for (const entry of entries(['java.lang.Error: x', '\tat a(A.java:1)'])) joiner.push(entry);
    expect(joiner.pendingFrom()).toBe(0);
    expect(joiner.flushStale(1000)).toEqual([]);
    expect(joiner.flushStale(1499)).toEqual([]);
    expect(joiner.flushStale(1500).map((e) => [e.message, e.endOffset])).toEqual([['java.lang.Error: x\n\tat a(A.java:1)', 200]]);
    expect(joiner.pendingFrom()).toBeUndefined();
    expect(joiner.flush()).toEqual([]);
  });
});
