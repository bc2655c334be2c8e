import { describe, expect, it } from 'vitest';
import { FINGERPRINT_BYTES, fingerprintOf, parseSourceId, sourceIdOf } from '../../../shipper/tail/identity.ts';

describe('file fingerprint', () => {
  it('is undefined while a small file has no complete first line', () => {
    expect(fingerprintOf(Buffer.from(''))).toBeUndefined();
    expect(fingerprintOf(Buffer.from('10.0.0.1 - - [24/Nov/2026'))).toBeUndefined();
  });

  it('stays the same as the file grows once its first line is complete', () => {
    const first = '10.0.0.1 - - [24/Nov/2026:04:00:00 +0000] "GET / HTTP/1.1" 200 12\n';
    const small = fingerprintOf(Buffer.from(first));
    expect(small).toBeDefined();
    const grown = Buffer.from(first + 'second line\nthird line\n'.repeat(40)).subarray(0, FINGERPRINT_BYTES);
    expect(fingerprintOf(grown)).toBe(small);
  });

  it('hashes the first bytes when the first line is longer than the prefix, and waits for them', () => {
    const long = 'x'.repeat(FINGERPRINT_BYTES + 100);
    expect(fingerprintOf(Buffer.from(long.slice(0, FINGERPRINT_BYTES - 1)))).toBeUndefined();
    const atPrefix = fingerprintOf(Buffer.from(long.slice(0, FINGERPRINT_BYTES)));
    expect(atPrefix).toBeDefined();
    expect(fingerprintOf(Buffer.from(long).subarray(0, FINGERPRINT_BYTES))).toBe(atPrefix);
  });

  it('differs for different first lines', () => {
    expect(fingerprintOf(Buffer.from('a\n'))).not.toBe(fingerprintOf(Buffer.from('b\n')));
  });

  it('round-trips through the source id', () => {
    const source = sourceIdOf(2049, 131073, 'deadbeef01234567');
    expect(source).toBe('2049:131073:deadbeef01234567');
    expect(parseSourceId(source)).toEqual({ dev: 2049, ino: 131073, fingerprint: 'deadbeef01234567' });
    expect(parseSourceId('/var/log/a.log')).toBeUndefined();
  });
});
