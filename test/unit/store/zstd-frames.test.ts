/**
 * The reused zstd compressor must make exactly the frames `zstdCompressSync` makes, frame after frame
 * (nothing of one frame may leak into the next), for compressible, incompressible, empty and large inputs.
 */
import { randomBytes } from 'node:crypto';
import { constants, createZstdCompress, createZstdDecompress, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { frameContentSize, ZstdFrameReader, ZstdFrames } from '../../../aggregator/store/zstd-frames.ts';

const OPTIONS = { params: { [constants.ZSTD_c_compressionLevel]: 1 } };

function logLines(count: number, seed: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`${seed + i}\t"id-${seed + i}"\t{"@timestamp":"2026-11-24T10:00:${String(i % 60).padStart(2, '0')}.000Z","message":"GET /item/${(seed * 7 + i) % 97} 200"}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

describe('ZstdFrames', () => {
  it('makes the same frames as zstdCompressSync, one after another, each decompressing to its own input', () => {
    const frames = new ZstdFrames(OPTIONS);
    const inputs = [
      logLines(64, 1), logLines(64, 65), Buffer.alloc(0), randomBytes(50_000), logLines(3, 9),
      randomBytes(300_000), logLines(5_000, 200), randomBytes(1_200_000), Buffer.from('é😀'.repeat(1000)), logLines(64, 1),
    ];
    for (const input of inputs) {
      const frame = frames.compress(input);
      expect(frame.equals(zstdCompressSync(input, OPTIONS))).toBe(true);
      expect(zstdDecompressSync(frame).equals(input)).toBe(true);
    }
  });

  it('falls back to zstdCompressSync when a call on the kept handle does nothing (a failed call)', () => {
    const frames = new ZstdFrames(OPTIONS);
    frames.compress(logLines(64, 1));
    // The native handles' shared method, made to do nothing once: the kept handle's next call "fails".
    const handles = Object.getPrototypeOf((createZstdCompress() as unknown as { _handle: object })._handle) as { writeSync: (...args: unknown[]) => void };
    const original = handles.writeSync;
    handles.writeSync = function failOnce(): void {
      handles.writeSync = original;
    };
    try {
      for (const input of [logLines(64, 65), logLines(64, 129)]) {
        expect(frames.compress(input).equals(zstdCompressSync(input, OPTIONS))).toBe(true);
      }
    } finally {
      handles.writeSync = original;
    }
  });

  it('hands back frames that later frames do not overwrite', () => {
    const frames = new ZstdFrames(OPTIONS);
    const first = frames.compress(logLines(64, 1));
    const copy = Buffer.from(first);
    frames.compress(randomBytes(100_000));
    expect(first.equals(copy)).toBe(true);
  });
});

describe('ZstdFrameReader', () => {
  /** A frame written in two pieces: its header states no size (zstd learns the size only at the end). */
  function unsizedFrame(input: Buffer): Buffer {
    const stream = createZstdCompress(OPTIONS);
    const half = Math.floor(input.length / 2);
    const frame = compressInTwoCalls(stream, input.subarray(0, half), input.subarray(half));
    stream.close();
    return frame;
  }

  it('reads frames one after another as zstdDecompressSync does, with or without a stated size', () => {
    const reader = new ZstdFrameReader();
    const frames = new ZstdFrames(OPTIONS);
    const inputs = [logLines(64, 1), Buffer.alloc(0), Buffer.from('é😀'.repeat(1000)), randomBytes(300_000), logLines(20_000, 7), logLines(3, 9)];
    for (const input of inputs) {
      for (const frame of [zstdCompressSync(input, OPTIONS), frames.compress(input)]) {
        expect(frameContentSize(frame)).toBe(input.length);
        expect(reader.text(frame)).toBe(zstdDecompressSync(frame).toString('utf8'));
      }
    }
    const unsized = unsizedFrame(logLines(64, 500));
    expect(frameContentSize(unsized)).toBeUndefined();
    expect(reader.text(unsized)).toBe(logLines(64, 500).toString('utf8'));
    expect(reader.text(frames.compress(logLines(64, 1)))).toBe(logLines(64, 1).toString('utf8'));
  });

  it('states no size for what is not a zstd frame header', () => {
    expect(frameContentSize(Buffer.from('not zstd at all'))).toBeUndefined();
    expect(frameContentSize(Buffer.alloc(3))).toBeUndefined();
  });

  it('falls back to zstdDecompressSync when a call on the kept handle does nothing (a failed call)', () => {
    const reader = new ZstdFrameReader();
    reader.text(zstdCompressSync(logLines(64, 1), OPTIONS));
    const handles = Object.getPrototypeOf((createZstdDecompress() as unknown as { _handle: object })._handle) as { writeSync: (...args: unknown[]) => void };
    const original = handles.writeSync;
    handles.writeSync = function failOnce(): void {
      handles.writeSync = original;
    };
    try {
      for (const input of [logLines(64, 65), logLines(64, 129)]) expect(reader.text(zstdCompressSync(input, OPTIONS))).toBe(input.toString('utf8'));
    } finally {
      handles.writeSync = original;
    }
  });
});

/** One frame from two calls on a stream's native handle: the first continues, the second ends the frame. */
function compressInTwoCalls(stream: ReturnType<typeof createZstdCompress>, first: Buffer, second: Buffer): Buffer {
  const handle = (stream as unknown as { _handle: { writeSync: (...args: unknown[]) => void }; _writeState: Uint32Array });
  const out = Buffer.alloc(first.length + second.length + 65_536);
  let used = 0;
  for (const [part, flush] of [[first, constants.ZSTD_e_continue], [second, constants.ZSTD_e_end]] as const) {
    handle._handle.writeSync(flush, part, 0, part.length, out, used, out.length - used);
    used = out.length - handle._writeState[0]!;
  }
  return out.subarray(0, used);
}
