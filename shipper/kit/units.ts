/** Pure parsers for human-written sizes and durations in configuration. */

const BYTE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3,
};

const DURATION_UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `10MiB` → 10485760; `-1` → -1 (so bounds checks can name it); undefined when unreadable. */
export function parseByteSize(text: string): number | undefined {
  return parseWithUnits(text, BYTE_UNITS);
}

/** `500ms`, `5s`, `2m`, `1h`, `7d` → milliseconds; a bare number is milliseconds. */
export function parseDuration(text: string): number | undefined {
  return parseWithUnits(text, DURATION_UNITS);
}

function parseWithUnits(text: string, units: Record<string, number>): number | undefined {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (match === null) return undefined;
  const factor = units[(match[2] ?? '').toLowerCase()];
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}
