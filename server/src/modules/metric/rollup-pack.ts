import { decodeChunk, decodeValues, encodeChunk } from './chunk-codec.ts';

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

/** The three codec blobs of a packed chunk. */
function frames(buf: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let o = 0; o < buf.length; ) {
    const len = buf.readUInt32BE(o);
    parts.push(buf.subarray(o + 4, o + 4 + len));
    o += 4 + len;
  }
  return parts;
}

/**
 * Buckets of one series as columns: each bucket's last point, and its min/max ignoring NaN, with NaN for "no
 * non-NaN value" (a real min is never NaN). Columns rather than an object per bucket: a 100-run x 4-key series
 * read merges ~63,000 buckets, and objects for them were most of its CPU time with the garbage they left.
 */
export interface BucketColumns {
  steps: number[];
  values: number[];
  wallTimes: number[];
  mins: number[];
  maxs: number[];
}

export const emptyBuckets = (): BucketColumns => ({ steps: [], values: [], wallTimes: [], mins: [], maxs: [] });

/**
 * Appends the level-4 buckets of one packed chunk (chunks of a pair in step order) to `out`, merged into buckets
 * of `level` >= 4: a bucket split by a chunk boundary, or several level-4 buckets, become one with the later
 * last point and the extremes of both. Without `extremes` the min/max blobs are not decoded and stay empty.
 */
export function mergePacked(out: BucketColumns, buf: Buffer, level: number, extremes: boolean): void {
  const [lastPart, minPart, maxPart] = frames(buf);
  const last = decodeChunk(lastPart!);
  const mins = extremes ? decodeValues(minPart!) : null;
  const maxs = extremes ? decodeValues(maxPart!) : null;
  const shift = 2 ** (level - PACKED_LEVEL);
  const idOf = (step: number) => Math.floor(Math.floor(step / 2 ** PACKED_LEVEL) / shift);
  let n = out.steps.length;
  let cur = n > 0 ? idOf(out.steps[n - 1]!) : Number.NaN;
  for (let i = 0; i < last.steps.length; i++) {
    const step = last.steps[i]!;
    const id = idOf(step);
    if (id !== cur) {
      cur = id;
      n++;
      out.steps.push(step);
      out.values.push(last.values[i]!);
      out.wallTimes.push(last.wallTimes[i]!);
      if (mins && maxs) {
        out.mins.push(mins[i]!);
        out.maxs.push(maxs[i]!);
      }
      continue;
    }
    out.steps[n - 1] = step;
    out.values[n - 1] = last.values[i]!;
    out.wallTimes[n - 1] = last.wallTimes[i]!;
    if (mins && maxs) {
      // NaN (no value) never wins a comparison, and a NaN current extreme is replaced by any value.
      const mn = mins[i]!;
      const mx = maxs[i]!;
      if (mn < out.mins[n - 1]! || Number.isNaN(out.mins[n - 1]!)) out.mins[n - 1] = mn;
      if (mx > out.maxs[n - 1]! || Number.isNaN(out.maxs[n - 1]!)) out.maxs[n - 1] = mx;
    }
  }
}
