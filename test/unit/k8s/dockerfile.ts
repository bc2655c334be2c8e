/**
 * Reading the Dockerfile and .dockerignore in tests: instructions grouped by stage (with line
 * continuations joined and comments dropped), and the build context's ignore rules.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  readonly keyword: string;
  /** The rest of the line, continuations joined. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

export function parseDockerfile(path: string): Stage[] {
  const stages: Stage[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  let pending = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (pending === '' && /^\s*(#.*)?$/.test(raw)) continue;
    if (pending !== '' && /^\s*#/.test(raw)) continue;
    if (pending === '') start = i + 1;
    const continued = /\\\s*$/.test(raw);
    pending += `${raw.replace(/\\\s*$/, '').trim()} `;
    if (continued) continue;
    const text = pending.trim().replace(/\s+/g, ' ');
    pending = '';
    const match = /^(\S+)\s*(.*)$/.exec(text)!;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!;
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (from === null) throw new Error(`${path}:${start}: cannot read FROM ${args}`);
      stages.push({ image: from[1]!, name: from[2], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`${path}:${start}: ${keyword} before FROM`);
    stage.instructions.push({ keyword, args, line: start });
  }
  return stages;
}

/** The shell command of a RUN, without BuildKit flags such as --mount. */
export function runCommand(instruction: Instruction): string {
  return instruction.args.replace(/^(--\S+\s+)+/, '');
}

/** COPY's options, sources and destination (shell form only, which is what the Dockerfile uses). */
export function copyParts(instruction: Instruction): { from: string | undefined; sources: string[]; destination: string } {
  const words = instruction.args.split(' ');
  const options = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = options.find((o) => o.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
}

/** The JSON array of an exec-form ENTRYPOINT or CMD. */
export function execForm(instruction: Instruction): string[] {
  return JSON.parse(instruction.args) as string[];
}

/** Docker's .dockerignore rules: the last pattern matching a path or one of its parents decides. */
export function dockerIgnore(path: string): (file: string) => boolean {
  const rules = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({ negate: l.startsWith('!'), regex: toRegex(l.replace(/^!/, '').replace(/^\/+|\/+$/g, '')) }));
  return (file) => {
    const parts = file.replace(/^\.\//, '').replace(/\/+$/, '').split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.negate;
    return ignored;
  };
}

function toRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      out += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
