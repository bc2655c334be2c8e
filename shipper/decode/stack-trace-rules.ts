/**
 * Which lines continue a stack trace, per language, as the runtimes print them.
 *
 * Each language is a small state machine: `opens` tells the state a new record starts in, and
 * `continues` whether a following line belongs to the record so far (and the state after it).
 * - Java: `\tat …` frames, `Caused by: …`, `Suppressed: …`, `... 12 more`, `... 3 common frames omitted`.
 * - Python: `Traceback (most recent call last):`, indented `File …` / source lines, then one
 *   unindented `XxxError: msg` line; chained tracebacks through "During handling of the above
 *   exception…" / "The above exception was the direct cause…".
 * - Go: `panic: …` or `fatal error: …`, then `goroutine N [running]:` blocks of `pkg.fn(…)` lines
 *   and `\t/path/file.go:12 +0x1d` lines, separated by blank lines.
 * - Node: `    at …` frames after an `Error: …` line, an error's `{ code: … }` properties, `[cause]: …`,
 *   `... N lines matching cause stack trace ...`; and an uncaught error's whole report: the
 *   `/app/file.js:3` location, the source line and its `^` marker, the error, its frames and the
 *   final `Node.js v20.11.0`.
 *
 * Blank lines are only known to belong after the fact (a blank line after a Python traceback may
 * lead to a chained one, or to nothing): the states reached through them are *tentative*, and the
 * joiner keeps such lines aside until a later line confirms them.
 */

export type StackTraceLanguage = 'java' | 'python' | 'go' | 'node';

/** Where the record being joined stands. */
export type TraceState =
  | 'plain' | 'frames'
  | 'python' | 'python-done' | 'python-gap' | 'python-chain'
  | 'go'
  | 'node-location' | 'node-source' | 'node-marker' | 'node-gap' | 'node-done';

const INDENTED_AT = /^\s+at\s/;
const JAVA_MORE = /^\s*\.\.\. \d+ (?:more|common frames omitted)/;
const JAVA_CAUSE = /^(?:\s*Caused by: |\s+Suppressed: )/;
const NODE_CAUSE = /^\s*\[cause\]: |^\s+\.\.\. \d+ lines? matching cause stack trace \.\.\./;
const NODE_PROPERTY = /^(?:\s+[\w$]+: .*|\}\s*)$/;
const NODE_LOCATION = /^(?:file:\/\/)?(?:\/|[A-Za-z]:\\)\S*:\d+$/;
const NODE_VERSION = /^Node\.js v\d+/;
const PYTHON_HEAD = /^Traceback \(most recent call last\):\s*$/;
const PYTHON_CHAIN = /^(?:During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)\s*$/;
const GO_HEAD = /^(?:panic: |fatal error: )/;
const GO_LINE = /^(?:$|\s|goroutine \d+ \[|\[signal |created by |panic: |exit status \d+$|[\w./*()$\-[\]]+\(.*\)(?: \+0x[0-9a-f]+)?$)/;

export interface StackTraceRules {
  /** The state a record starts in when `line` is its first line. */
  opens(line: string): TraceState;
  /** The state after `line` if it continues a record in `state`; `undefined` if it starts a new one. */
  continues(state: TraceState, line: string): TraceState | undefined;
}

/** A line that leads to one of these states belongs to the record only if a later line confirms it. */
export function isTentative(state: TraceState): boolean {
  return state === 'python-gap' || state === 'node-gap';
}

export function stackTraceRules(languages: readonly StackTraceLanguage[]): StackTraceRules {
  const java = languages.includes('java');
  const python = languages.includes('python');
  const go = languages.includes('go');
  const node = languages.includes('node');

  // Every line goes through these, so the first character decides which patterns are worth running.
  function opens(line: string): TraceState {
    const first = line.charCodeAt(0);
    if (python && first === 0x54 /* T */ && PYTHON_HEAD.test(line)) return 'python';
    if (go && (first === 0x70 /* p */ || first === 0x66 /* f */) && GO_HEAD.test(line)) return 'go';
    if (node && (first === 0x2f /* / */ || first === 0x66 /* f */ || line.charCodeAt(1) === 0x3a /* : */) && NODE_LOCATION.test(line)) return 'node-location';
    return 'plain';
  }

  function continues(state: TraceState, line: string): TraceState | undefined {
    const blank = line.trim() === '';
    switch (state) {
      case 'python':
        // Frames and source lines are indented; the first unindented line names the exception.
        return /^\s/.test(line) ? 'python' : 'python-done';
      case 'python-done':
        if (blank) return 'python-gap';
        break;
      case 'python-gap':
        if (PYTHON_CHAIN.test(line)) return 'python-chain';
        return blank ? 'python-gap' : undefined;
      case 'python-chain':
        if (blank) return 'python-chain';
        return PYTHON_HEAD.test(line) ? 'python' : undefined;
      case 'go':
        return GO_LINE.test(line) ? 'go' : undefined;
      // An uncaught error's report: location, source line, `^` marker, blank line, then the error.
      case 'node-location':
        return 'node-source';
      case 'node-source':
        return /^\s*\^+\s*$/.test(line) ? 'node-marker' : undefined;
      case 'node-marker':
        return blank ? 'node-marker' : 'frames';
      case 'node-gap':
        if (NODE_VERSION.test(line)) return 'node-done';
        return blank ? 'node-gap' : undefined;
      case 'node-done':
        return undefined;
      default:
        break;
    }
    if (node && blank && state === 'frames') return 'node-gap';
    const first = line.charCodeAt(0);
    const indented = first === 0x20 || first === 0x09;
    if (!indented && first !== 0x43 /* C */ && first !== 0x2e /* . */ && first !== 0x5b /* [ */ && first !== 0x7d /* } */) return undefined;
    if ((java || node) && indented && INDENTED_AT.test(line)) return 'frames';
    if (java && (JAVA_MORE.test(line) || JAVA_CAUSE.test(line))) return 'frames';
    if (node && (NODE_CAUSE.test(line) || (state === 'frames' && NODE_PROPERTY.test(line)))) return 'frames';
    return undefined;
  }

  return { opens, continues };
}
