/**
 * Which lines continue a stack trace, per language, as the line a runtime prints them in.
 *
 * Each language is a small state machine: `opens` tells the state a new record starts in, and
 * `continues` whether a following line belongs to the record so far (and the state after it).
 * The shapes follow what the runtimes print:
 * - Java: `\tat …` frames, `Caused by: …`, `Suppressed: …`, `... 12 more`, `... 3 common frames omitted`.
 * - Python: `Traceback (most recent call last):`, indented `File …` / source lines, then one
 *   unindented `XxxError: msg` line; chained tracebacks through "During handling of the above
 *   exception…" / "The above exception was the direct cause…".
 * - Go: `panic: …` or `fatal error: …`, then `goroutine N [running]:` blocks of `pkg.fn(…)` lines
 *   and `\t/path/file.go:12 +0x1d` lines, separated by blank lines.
 * - Node: `    at …` frames after an `Error: …` line, `[cause]: …` and `... N lines matching cause stack trace ...`.
 */

export type StackTraceLanguage = 'java' | 'python' | 'go' | 'node';

/** Where the record being joined stands. */
export type TraceState = 'plain' | 'frames' | 'python' | 'python-done' | 'python-gap' | 'python-chain' | 'go';

const INDENTED_AT = /^\s+at\s/;
const JAVA_MORE = /^\s*\.\.\. \d+ (?:more|common frames omitted)/;
const JAVA_CAUSE = /^(?:\s*Caused by: |\s+Suppressed: )/;
const NODE_CAUSE = /^\s*\[cause\]: |^\s+\.\.\. \d+ lines? matching cause stack trace \.\.\./;
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
    return 'plain';
  }

  function continues(state: TraceState, line: string): TraceState | undefined {
    switch (state) {
      case 'python':
        // Frames and source lines are indented; the first unindented line names the exception.
        return /^\s/.test(line) ? 'python' : 'python-done';
      case 'python-done':
        if (line.trim() === '') return 'python-gap';
        break;
      case 'python-gap':
        if (PYTHON_CHAIN.test(line)) return 'python-chain';
        if (line.trim() === '') return 'python-gap';
        return undefined;
      case 'python-chain':
        if (line.trim() === '') return 'python-chain';
        return PYTHON_HEAD.test(line) ? 'python' : undefined;
      case 'go':
        return GO_LINE.test(line) ? 'go' : undefined;
      default:
        break;
    }
    const first = line.charCodeAt(0);
    const indented = first === 0x20 || first === 0x09;
    if (!indented && first !== 0x43 /* C */ && first !== 0x2e /* . */ && first !== 0x5b /* [ */) return undefined;
    if ((java || node) && indented && INDENTED_AT.test(line)) return 'frames';
    if (java && (JAVA_MORE.test(line) || JAVA_CAUSE.test(line))) return 'frames';
    if (node && NODE_CAUSE.test(line)) return 'frames';
    return undefined;
  }

  return { opens, continues };
}
