import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeChunk, encodeChunk } from '../src/modules/metric/chunk-codec.ts';

/** The 64 bits of each value, so NaN payloads and -0 compare exactly. */
const bits = (values: Float64Array) => [...new BigUint64Array(values.buffer, values.byteOffset, values.length)];

function roundTrip(steps: number[], wallTimes: number[], seqs: number[], values: Float64Array) {
  const chunk = encodeChunk({ steps, wallTimes, seqs, values });
  const back = decodeChunk(chunk);
  assert.deepEqual(back.steps, steps);
  assert.deepEqual(back.wallTimes, wallTimes);
  assert.deepEqual(back.seqs, seqs);
  assert.deepEqual(bits(back.values), bits(values));
  return chunk;
}

test('NaN (with its payload), +-Infinity, -0, denormals and extremes round-trip bit for bit', () => {
  const values = new Float64Array([0, -0, Number.NaN, Infinity, -Infinity, 5e-324, -5e-324, Number.MAX_VALUE, 1, 1]);
  new DataView(values.buffer).setBigUint64(2 * 8, 0x7ff8_0000_dead_beefn, true); // a NaN with a payload
  const n = values.length;
  const steps = Array.from({ length: n }, (_, i) => i);
  roundTrip(
    steps,
    steps.map((s) => 1_700_000_000_000 + s * 1000),
    steps.map((s) => s + 1),
    values,
  );
});

test('any columns round-trip: random steps, times, seqs (raw-int fallback included) and any 64-bit values', () => {
  const int = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.maxSafeInteger(), fc.integer({ min: -5, max: 5 }));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(int, int, int, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { maxLength: 300 }),
      (rows) => {
        const values = new Float64Array(rows.length);
        const view = new DataView(values.buffer);
        rows.forEach((r, i) => view.setBigUint64(i * 8, r[3], true));
        roundTrip(
          rows.map((r) => r[0]),
          rows.map((r) => r[1]),
          rows.map((r) => r[2]),
          values,
        );
      },
    ),
    { numRuns: 300 },
  );
});

test('changes at every bit position round-trip (each window width and offset of the XOR code)', () => {
  // Random 64-bit values almost never differ in exactly one bit, or have an XOR whose window starts at bit 32.
  const patterns: bigint[] = [0x3ff0_0000_0000_0000n];
  for (let t = 0; t < 64; t++) patterns.push(patterns[0]! ^ (1n << BigInt(t)), patterns[0]!);
  for (let t = 0; t < 63; t++) patterns.push(patterns[0]! ^ (3n << BigInt(t)));
  const values = new Float64Array(patterns.length);
  patterns.forEach((p, i) => new DataView(values.buffer).setBigUint64(i * 8, p, true));
  const steps = patterns.map((_, i) => i);
  roundTrip(steps, steps, steps, values);
});

test('a training curve takes a few bytes per point, far below a row', () => {
  // 4,000 epochs of a noisy, decaying loss logged every step, an epoch every ~2.5 s, one request per epoch.
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const n = 4000;
  const steps = Array.from({ length: n }, (_, i) => i);
  const wallTimes = steps.map((s) => 1_700_000_000_000 + s * 2500 + Math.floor(rand() * 40));
  const seqs = steps.map((s) => 3 + s * 2);
  const values = Float64Array.from(steps, (s) => Math.fround(0.7 * Math.exp(-s / 900) + 0.05 * rand()));
  const chunk = roundTrip(steps, wallTimes, seqs, values);
  const perPoint = chunk.length / n;
  assert.ok(perPoint < 6, `${perPoint.toFixed(2)} bytes per point`);
  // Constant series (an lr schedule's flat part, a phase marker) cost almost nothing.
  const flat = roundTrip(steps, wallTimes, seqs, new Float64Array(n).fill(2e-5));
  assert.ok(flat.length / n < 2, `${(flat.length / n).toFixed(2)} bytes per point for a constant`);
});

test('a truncated or foreign chunk is refused, not misread', () => {
  const chunk = encodeChunk({ steps: [1, 2], wallTimes: [3, 4], seqs: [5, 6], values: new Float64Array([0.5, 0.25]) });
  assert.throws(() => decodeChunk(Buffer.from([9, 0, 1])), /unknown metric chunk format 9/);
  assert.throws(() => decodeChunk(chunk.subarray(0, chunk.length - 3)));
  assert.throws(
    () => encodeChunk({ steps: [1], wallTimes: [], seqs: [1], values: new Float64Array(1) }),
    /differ in length/,
  );
});
