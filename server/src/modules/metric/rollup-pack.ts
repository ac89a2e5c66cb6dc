import { decodeChunk, encodeChunk } from './chunk-codec.ts';

/**
 * A chunk's buckets of 16 steps (rollup level 4), packed: what series at levels 4-7 read for keys whose rollup
 * rows compaction dropped (issue #23). Levels 4-7 were ~94% of the rollup rows, ~20 bytes a point; packed they
 * cost well under one, and reading them decodes 1/16 of the points a raw read would.
 *
 * Three codec blobs, each prefixed by its byte length (uint32 BE): (last steps, last wall times, counts, last
 * values), then the mins and the maxes as value columns (NaN stands for "no non-NaN value": min/max ignore NaN,
 * so a real min is never NaN).
 */

export const PACKED_LEVEL = 4;

export interface PackedBucket {
  bucket: number;
  lastStep: number;
  lastValue: number;
  lastWallTime: number;
  min: number | null;
  max: number | null;
}

/** Level-4 buckets of points sorted by step. */
export function bucketsOf(points: { steps: number[]; values: Float64Array; wallTimes: number[] }): PackedBucket[] {
  const out: PackedBucket[] = [];
  let cur: PackedBucket | null = null;
  for (let i = 0; i < points.steps.length; i++) {
    const step = points.steps[i]!;
    const v = points.values[i]!;
    const bucket = Math.floor(step / 2 ** PACKED_LEVEL);
    if (!cur || cur.bucket !== bucket) {
      cur = { bucket, lastStep: step, lastValue: v, lastWallTime: points.wallTimes[i]!, min: null, max: null };
      out.push(cur);
    }
    cur.lastStep = step;
    cur.lastValue = v;
    cur.lastWallTime = points.wallTimes[i]!;
    if (!Number.isNaN(v)) {
      if (cur.min === null || v < cur.min) cur.min = v;
      if (cur.max === null || v > cur.max) cur.max = v;
    }
  }
  return out;
}

const framed = (parts: Buffer[]) =>
  Buffer.concat(
    parts.flatMap((p) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(p.length);
      return [len, p];
    }),
  );

export function packBuckets(buckets: PackedBucket[]): Buffer {
  const steps = buckets.map((b) => b.lastStep);
  const zeros = buckets.map(() => 0);
  const col = (f: (b: PackedBucket) => number | null) => Float64Array.from(buckets, (b) => f(b) ?? Number.NaN);
  return framed([
    encodeChunk({ steps, wallTimes: buckets.map((b) => b.lastWallTime), seqs: zeros, values: col((b) => b.lastValue) }),
    encodeChunk({ steps, wallTimes: zeros, seqs: zeros, values: col((b) => b.min) }),
    encodeChunk({ steps, wallTimes: zeros, seqs: zeros, values: col((b) => b.max) }),
  ]);
}

export function unpackBuckets(buf: Buffer): PackedBucket[] {
  const parts: Buffer[] = [];
  for (let o = 0; o < buf.length; ) {
    const len = buf.readUInt32BE(o);
    parts.push(buf.subarray(o + 4, o + 4 + len));
    o += 4 + len;
  }
  const [last, mins, maxs] = parts.map((p) => decodeChunk(p));
  return last!.steps.map((step, i) => {
    const mn = mins!.values[i]!;
    const mx = maxs!.values[i]!;
    return {
      bucket: Math.floor(step / 2 ** PACKED_LEVEL),
      lastStep: step,
      lastValue: last!.values[i]!,
      lastWallTime: last!.wallTimes[i]!,
      min: Number.isNaN(mn) ? null : mn,
      max: Number.isNaN(mx) ? null : mx,
    };
  });
}

/**
 * Merges buckets of consecutive chunks (in step order) into buckets of `level` >= 4: a bucket split by a chunk
 * boundary, or several level-4 buckets, become one with the later last point and the extremes of both.
 */
export function mergeToLevel(buckets: PackedBucket[], level: number): PackedBucket[] {
  const out: PackedBucket[] = [];
  const shift = 2 ** (level - PACKED_LEVEL);
  for (const b of buckets) {
    const id = Math.floor(b.bucket / shift);
    const cur = out.at(-1);
    if (!cur || cur.bucket !== id) {
      out.push({ ...b, bucket: id });
      continue;
    }
    cur.lastStep = b.lastStep;
    cur.lastValue = b.lastValue;
    cur.lastWallTime = b.lastWallTime;
    if (b.min !== null && (cur.min === null || b.min < cur.min)) cur.min = b.min;
    if (b.max !== null && (cur.max === null || b.max > cur.max)) cur.max = b.max;
  }
  return out;
}
