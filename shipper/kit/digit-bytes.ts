/**
 * Non-negative safe integers written as ASCII digits straight into a buffer (`value.toString(radix)` for
 * radix 10 or 36: offsets, sizes and the base-36 tail of document ids), for the record writers that build
 * bulk records as bytes (the sidecar's access records, the collector's whole container lines).
 */

/**
 * radix¹, radix², … as doubles, up to the first above every safe integer. Counting digits against them
 * never overflows; the loop `limit *= radix` it replaces did: the optimizing compiler made it a 32-bit
 * multiplication and threw the compiled code away (and that of every writer it was inlined into) once
 * an offset passed 36⁵ — 60 MB into a file — or 10⁹, to compile it all again.
 */
const DECIMAL_POWERS = powersOf(10);
const BASE36_POWERS = powersOf(36);

function powersOf(radix: number): Float64Array {
  const powers: number[] = [];
  for (let power = radix; power / radix <= Number.MAX_SAFE_INTEGER; power *= radix) powers.push(power);
  return Float64Array.from(powers);
}

function countAgainst(value: number, powers: Float64Array): number {
  let count = 1;
  while (count <= powers.length && value >= powers[count - 1]!) count++;
  return count;
}

/** How many digits `value.toString(radix)` has. */
export function digitCount(value: number, radix: number): number {
  if (radix === 10) return countAgainst(value, DECIMAL_POWERS);
  if (radix === 36) return countAgainst(value, BASE36_POWERS);
  let count = 1;
  for (let limit = radix; value >= limit; limit *= radix) count++;
  return count;
}

/**
 * Writes `value.toString(radix)` at `pos`; returns the position after it. Radix 10 and 36 (what the record
 * writers use) each have their own copy of the loop with the radix written in, so that the optimizing
 * compiler divides by a constant (a multiplication) instead of by a variable (a division instruction).
 */
export function writeDigits(target: Buffer, pos: number, value: number, radix: number): number {
  if (radix === 10) return writeDecimal(target, pos, value);
  if (radix === 36) return writeBase36(target, pos, value);
  return writeAnyRadix(target, pos, value, radix);
}

function writeDecimal(target: Buffer, pos: number, value: number): number {
  const end = pos + countAgainst(value, DECIMAL_POWERS);
  let at = end;
  let rest = value;
  // Above 2^31 the quotient needs floating point; below, integer arithmetic is cheaper.
  while (rest > 0x7fffffff) {
    const next = Math.floor(rest / 10);
    target[--at] = 48 + (rest - next * 10);
    rest = next;
  }
  let small = rest | 0;
  do {
    const next = (small / 10) | 0;
    target[--at] = 48 + (small - next * 10);
    small = next;
  } while (small > 0);
  return end;
}

function writeBase36(target: Buffer, pos: number, value: number): number {
  const end = pos + countAgainst(value, BASE36_POWERS);
  let at = end;
  let rest = value;
  while (rest > 0x7fffffff) {
    const next = Math.floor(rest / 36);
    target[--at] = digitCode(rest - next * 36);
    rest = next;
  }
  let small = rest | 0;
  do {
    const next = (small / 36) | 0;
    target[--at] = digitCode(small - next * 36);
    small = next;
  } while (small > 0);
  return end;
}

function writeAnyRadix(target: Buffer, pos: number, value: number, radix: number): number {
  const end = pos + digitCount(value, radix);
  let at = end;
  let rest = value;
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
