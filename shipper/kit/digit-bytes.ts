/**
 * Non-negative safe integers written as ASCII digits straight into a buffer (`value.toString(radix)` for
 * radix 10 or 36: offsets, sizes and the base-36 tail of document ids), for the record writers that build
 * bulk records as bytes (the sidecar's access records, the collector's whole container lines).
 */

/** How many digits `value.toString(radix)` has. */
export function digitCount(value: number, radix: number): number {
  let count = 1;
  for (let limit = radix; value >= limit; limit *= radix) count++;
  return count;
}

/** Writes `value.toString(radix)` at `pos`; returns the position after it. */
export function writeDigits(target: Buffer, pos: number, value: number, radix: number): number {
  const end = pos + digitCount(value, radix);
  let at = end;
  let rest = value;
  // Above 2^31 the quotient needs floating point; below, integer arithmetic is cheaper.
  while (rest > 0x7fffffff) {
    const next = Math.floor(rest / radix);
    target[--at] = digitCode(rest - next * radix);
    rest = next;
  }
  let small = rest | 0;
  do {
    const next = (small / radix) | 0;
    target[--at] = digitCode(small - next * radix);
    small = next;
  } while (small > 0);
  return end;
}

function digitCode(digit: number): number {
  return digit < 10 ? 48 + digit : 87 + digit;
}
