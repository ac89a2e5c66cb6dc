/**
 * The byte format of a compacted metric chunk: the points of one (run, key) over a range of steps, as packed
 * columns instead of one row per point (issue #23). A row costs ~170 bytes with its tuple header and primary-key
 * index entry; a chunk costs a few bytes per point.
 *
 * Layout: byte 0 is the format version (1), byte 1 the flags (bit 0: integers stored raw); then a bit stream,
 * most significant bit first: the count (32 bits), the steps, the wall times (ms) and the seqs, then the values.
 *
 * Integers are delta-of-delta coded with Gorilla's timestamp prefixes (Pelkonen et al., VLDB 2015): a dod of 0
 * is one bit, small ones 9-16 bits. A run logging every step with one request per epoch costs ~1 bit a point for
 * steps and seqs, and ~10 for wall times. When any integer is negative or >= 2^48 the chunk stores all of them
 * raw (64 bits each) instead, so the arithmetic never leaves the range where doubles are exact integers.
 *
 * Values are XOR-coded as in Gorilla: each value's 64 bits XOR the previous value's; a repeat costs one bit, and
 * a change stores only the bits between the XOR's leading and trailing zeros. Values round-trip bit for bit: NaN
 * payloads, -0 and infinities included (the caller passes a Float64Array).
 *
 * Everything is bit-level and uncompressed on purpose: deflate on top saved little and tripled decode time.
 */

export interface ChunkColumns {
  steps: number[];
  /** Milliseconds since the epoch, as the metrics table keeps them (timestamptz(3)). */
  wallTimes: number[];
  seqs: number[];
  values: Float64Array;
}

const VERSION = 1;
const RAW_INTS = 1;
/** Integers at or above this are stored raw (see the header comment). */
const DOD_LIMIT = 2 ** 48;
const RAW_BITS = 52;

export function encodeChunk(c: ChunkColumns): Buffer {
  const n = c.steps.length;
  if (c.wallTimes.length !== n || c.seqs.length !== n || c.values.length !== n) {
    throw new RangeError(
      `chunk columns differ in length: ${n}, ${c.wallTimes.length}, ${c.seqs.length}, ${c.values.length}`,
    );
  }
  const inRange = (col: number[]) => col.every((v) => Number.isInteger(v) && v >= 0 && v < DOD_LIMIT);
  const raw = !(inRange(c.steps) && inRange(c.wallTimes) && inRange(c.seqs));
  const bits = new BitWriter(n * 8 + 16);
  bits.write(n, 32);
  for (const col of [c.steps, c.wallTimes, c.seqs]) {
    if (raw) writeRaw(bits, col);
    else writeDeltaOfDelta(bits, col);
  }
  writeGorilla(bits, c.values);
  return Buffer.concat([Buffer.from([VERSION, raw ? RAW_INTS : 0]), bits.bytes()]);
}

export function decodeChunk(chunk: Uint8Array): ChunkColumns {
  if (chunk.length < 2 || chunk[0] !== VERSION) throw new RangeError(`unknown metric chunk format ${chunk[0]}`);
  const raw = (chunk[1]! & RAW_INTS) !== 0;
  const bits = new BitReader(chunk.subarray(2));
  const n = bits.read(32);
  const cols: number[][] = [];
  for (let i = 0; i < 3; i++) cols.push(raw ? readRaw(bits, n) : readDeltaOfDelta(bits, n));
  const values = readGorilla(bits, n);
  return { steps: cols[0]!, wallTimes: cols[1]!, seqs: cols[2]!, values };
}

/**
 * Only the value column of a chunk: the integer columns are walked, not stored (the packed min/max columns of
 * rollup-pack.ts carry steps a series read has already, and zeros).
 */
export function decodeValues(chunk: Uint8Array): Float64Array {
  if (chunk.length < 2 || chunk[0] !== VERSION) throw new RangeError(`unknown metric chunk format ${chunk[0]}`);
  const raw = (chunk[1]! & RAW_INTS) !== 0;
  const bits = new BitReader(chunk.subarray(2));
  const n = bits.read(32);
  for (let i = 0; i < 3; i++) {
    if (raw) bits.skip(64 * n);
    else skipDeltaOfDelta(bits, n);
  }
  return readGorilla(bits, n);
}

/** Gorilla's prefix classes for a delta-of-delta: [prefix, prefix bits, payload bits]; the last takes the rest. */
const DOD_CLASSES: [number, number, number][] = [
  [0b10, 2, 7],
  [0b110, 3, 9],
  [0b1110, 4, 12],
  [0b1111, 4, RAW_BITS],
];

function writeDeltaOfDelta(bits: BitWriter, col: number[]): void {
  let prev = 0;
  let prevDelta = 0;
  for (const v of col) {
    const delta = v - prev;
    const dod = delta - prevDelta;
    prevDelta = delta;
    prev = v;
    if (dod === 0) {
      bits.write(0, 1);
      continue;
    }
    for (const [prefix, prefixBits, payload] of DOD_CLASSES) {
      const half = 2 ** (payload - 1);
      if (payload === RAW_BITS || (dod >= -half + 1 && dod <= half)) {
        bits.write(prefix, prefixBits);
        bits.writeWide(dod + half - 1, payload);
        break;
      }
    }
  }
}

function readDeltaOfDelta(bits: BitReader, n: number): number[] {
  const out = new Array<number>(n);
  let prev = 0;
  let prevDelta = 0;
  for (let i = 0; i < n; i++) {
    if (bits.bit() === 1) {
      let payload = DOD_CLASSES[0]![2];
      if (bits.bit() === 1) {
        payload = DOD_CLASSES[1]![2];
        if (bits.bit() === 1) payload = bits.bit() === 1 ? RAW_BITS : DOD_CLASSES[2]![2];
      }
      prevDelta += bits.readWide(payload) - 2 ** (payload - 1) + 1;
    }
    prev += prevDelta;
    out[i] = prev;
  }
  return out;
}

function skipDeltaOfDelta(bits: BitReader, n: number): void {
  for (let i = 0; i < n; i++) {
    if (bits.bit() === 0) continue;
    let payload = DOD_CLASSES[0]![2];
    if (bits.bit() === 1) {
      payload = DOD_CLASSES[1]![2];
      if (bits.bit() === 1) payload = bits.bit() === 1 ? RAW_BITS : DOD_CLASSES[2]![2];
    }
    bits.skip(payload);
  }
}

/** Any safe integer, as the two 32-bit halves of its int64 two's complement. */
function writeRaw(bits: BitWriter, col: number[]): void {
  const word = new BigUint64Array(1);
  const halves = new Uint32Array(word.buffer);
  for (const v of col) {
    word[0] = BigInt.asUintN(64, BigInt(v));
    bits.write(halves[1]!, 32);
    bits.write(halves[0]!, 32);
  }
}

function readRaw(bits: BitReader, n: number): number[] {
  const word = new BigInt64Array(1);
  const halves = new Uint32Array(word.buffer);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    halves[1] = bits.read(32);
    halves[0] = bits.read(32);
    out[i] = Number(word[0]!);
  }
  return out;
}

/** Gorilla's value column. Each 64-bit pattern is handled as two unsigned 32-bit halves (hi, lo). */
function writeGorilla(bits: BitWriter, values: Float64Array): void {
  if (values.length === 0) return;
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  let prevHi = words[1]!;
  let prevLo = words[0]!;
  bits.write(prevHi, 32);
  bits.write(prevLo, 32);
  let blockLead = -1;
  let blockTrail = 0;
  for (let i = 1; i < values.length; i++) {
    const hi = words[2 * i + 1]!;
    const lo = words[2 * i]!;
    const xHi = (hi ^ prevHi) >>> 0;
    const xLo = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xHi === 0 && xLo === 0) {
      bits.write(0, 1);
      continue;
    }
    bits.write(1, 1);
    const lead = Math.min(31, clz64(xHi, xLo));
    const trail = ctz64(xHi, xLo);
    if (blockLead >= 0 && lead >= blockLead && trail >= blockTrail) {
      // Fits the previous meaningful-bits window: one control bit, no new window.
      bits.write(0, 1);
      writeSlice(bits, xHi, xLo, blockTrail, 64 - blockLead - blockTrail);
    } else {
      const len = 64 - lead - trail;
      bits.write(1, 1);
      bits.write(lead, 5);
      bits.write(len - 1, 6);
      writeSlice(bits, xHi, xLo, trail, len);
      blockLead = lead;
      blockTrail = trail;
    }
  }
}

function readGorilla(bits: BitReader, n: number): Float64Array {
  const values = new Float64Array(n);
  if (n === 0) return values;
  const words = new Uint32Array(values.buffer);
  let hi = bits.read(32);
  let lo = bits.read(32);
  words[1] = hi;
  words[0] = lo;
  let lead = 0;
  let trail = 0;
  for (let i = 1; i < n; i++) {
    if (bits.bit() === 1) {
      if (bits.bit() === 1) {
        lead = bits.read(5);
        trail = 64 - lead - (bits.read(6) + 1);
      }
      // The meaningful bits, read as (sHi, sLo) and shifted `trail` bits up into place; inlined (no tuple)
      // because this loop is most of a series read.
      const len = 64 - lead - trail;
      const sHi = len > 32 ? bits.read(len - 32) : 0;
      const sLo = bits.read(len > 32 ? 32 : len);
      if (trail === 0) {
        hi = (hi ^ sHi) >>> 0;
        lo = (lo ^ sLo) >>> 0;
      } else if (trail >= 32) {
        hi = (hi ^ (sLo << (trail - 32))) >>> 0;
      } else {
        hi = (hi ^ ((sHi << trail) | (sLo >>> (32 - trail)))) >>> 0;
        lo = (lo ^ (sLo << trail)) >>> 0;
      }
    }
    words[2 * i + 1] = hi;
    words[2 * i] = lo;
  }
  return values;
}

function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function ctz64(hi: number, lo: number): number {
  const ctz32 = (x: number) => 31 - Math.clz32(x & -x);
  return lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
}

/** Writes `len` bits of the 64-bit word (hi, lo) starting `shift` bits above its lowest bit. */
function writeSlice(bits: BitWriter, hi: number, lo: number, shift: number, len: number): void {
  let sHi: number;
  let sLo: number;
  if (shift === 0) [sHi, sLo] = [hi, lo];
  else if (shift >= 32) [sHi, sLo] = [0, hi >>> (shift - 32)];
  else [sHi, sLo] = [hi >>> shift, ((lo >>> shift) | (hi << (32 - shift))) >>> 0];
  if (len > 32) {
    bits.write(sHi, len - 32);
    bits.write(sLo, 32);
  } else bits.write(sLo, len);
}

/** Bits appended most significant first, through a 32-bit accumulator. */
class BitWriter {
  private buf: Uint8Array;
  private len = 0;
  private acc = 0;
  private accBits = 0;
  constructor(capacityBytes: number) {
    this.buf = new Uint8Array(capacityBytes);
  }
  /** The low `n` (<= 32) bits of `v`, an unsigned integer. */
  write(v: number, n: number): void {
    if (n > 24) {
      this.write(Math.floor(v / 2 ** 16) % 2 ** (n - 16), n - 16);
      this.write(v % 2 ** 16, 16);
      return;
    }
    // acc holds < 8 pending bits, so acc * 2^n + v stays below 2^32.
    this.acc = this.acc * 2 ** n + (v % 2 ** n);
    this.accBits += n;
    if (this.len + 4 > this.buf.length) this.grow();
    while (this.accBits >= 8) {
      this.accBits -= 8;
      const byte = Math.floor(this.acc / 2 ** this.accBits);
      this.buf[this.len++] = byte;
      this.acc -= byte * 2 ** this.accBits;
    }
  }
  /** The low `n` (<= 53) bits of a non-negative integer. */
  writeWide(v: number, n: number): void {
    if (n <= 32) {
      this.write(v, n);
      return;
    }
    this.write(Math.floor(v / 2 ** 32), n - 32);
    this.write(v % 2 ** 32, 32);
  }
  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2 + 8);
    next.set(this.buf);
    this.buf = next;
  }
  bytes(): Uint8Array {
    if (this.accBits > 0) this.write(0, 8 - this.accBits);
    return this.buf.subarray(0, this.len);
  }
}

/**
 * Reads what BitWriter wrote. A read of up to 25 bits is one big-endian 32-bit load at the byte holding the
 * position, shifted: integer operations only, which decoding spends nearly all its time in.
 */
class BitReader {
  private pos = 0;
  private readonly end: number;
  constructor(private readonly buf: Uint8Array) {
    this.end = buf.length * 8;
  }
  /** The next `n` (<= 32) bits as an unsigned integer. */
  read(n: number): number {
    if (n > 25) {
      const high = this.read(n - 16);
      return high * 65536 + this.read(16);
    }
    const pos = this.pos;
    if (pos + n > this.end) throw new RangeError('metric chunk ends early');
    const b = this.buf;
    const i = pos >>> 3;
    // Bytes past the end read as undefined, which bitwise operators treat as 0.
    const word = (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
    this.pos = pos + n;
    return n === 0 ? 0 : ((word << (pos & 7)) >>> (32 - n)) >>> 0;
  }
  /** The next bit: the control bits of both codes, read once or more per point. */
  bit(): number {
    const pos = this.pos;
    if (pos >= this.end) throw new RangeError('metric chunk ends early');
    this.pos = pos + 1;
    return (this.buf[pos >>> 3]! >>> (7 - (pos & 7))) & 1;
  }
  /** Moves past `n` bits. */
  skip(n: number): void {
    if (this.pos + n > this.end) throw new RangeError('metric chunk ends early');
    this.pos += n;
  }
  /** The next `n` (<= 53) bits as a non-negative integer. */
  readWide(n: number): number {
    if (n <= 32) return this.read(n);
    const high = this.read(n - 32);
    return high * 2 ** 32 + this.read(32);
  }
}
