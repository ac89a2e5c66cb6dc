/**
 * The byte format of a compacted metric chunk: the points of one (run, key) over a range of steps, as packed
 * columns instead of one row per point (issue #23). A row costs ~170 bytes with its tuple header and primary-key
 * index entry; a chunk costs a few bytes per point.
 *
 * Layout (all integers little-endian):
 *   byte 0        format version (1)
 *   byte 1        flags: bit 0 = integers stored raw (int64), bit 1 = body deflated
 *   body          varint n, then steps, wall times (ms) and seqs, then values
 *
 * Integers (steps, wall times, seqs) are delta-of-delta coded as zigzag varints: a run logging every step, an
 * epoch every few seconds and one request per epoch gives mostly 0s and small numbers. When any of them is
 * negative or >= 2^48 the chunk stores them raw instead, so the arithmetic below never leaves the range where
 * doubles are exact integers (dod < 2^50, zigzag < 2^51).
 *
 * Values are XOR-coded as in Facebook's Gorilla (VLDB 2015): each value's 64 bits XOR the previous value's; a
 * repeat costs one bit, and a change stores only the bits between the XOR's leading and trailing zeros. Values
 * round-trip bit for bit: NaN payloads, -0 and infinities included (the caller passes a Float64Array).
 *
 * The body is then deflated when that makes it smaller (the varint columns of a regular run are mostly zero bytes).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export interface ChunkColumns {
  steps: number[];
  /** Milliseconds since the epoch, as the metrics table keeps them (timestamptz(3)). */
  wallTimes: number[];
  seqs: number[];
  values: Float64Array;
}

const VERSION = 1;
const RAW_INTS = 1;
const DEFLATED = 2;
/** Integers at or above this are stored raw (see the header comment). */
const DOD_LIMIT = 2 ** 48;

export function encodeChunk(c: ChunkColumns): Buffer {
  const n = c.steps.length;
  if (c.wallTimes.length !== n || c.seqs.length !== n || c.values.length !== n) {
    throw new RangeError(
      `chunk columns differ in length: ${n}, ${c.wallTimes.length}, ${c.seqs.length}, ${c.values.length}`,
    );
  }
  const raw = ![c.steps, c.wallTimes, c.seqs].every((col) =>
    col.every((v) => Number.isInteger(v) && v >= 0 && v < DOD_LIMIT),
  );
  const w = new ByteWriter(16 + n * 4);
  w.varint(n);
  for (const col of [c.steps, c.wallTimes, c.seqs]) {
    if (raw) for (const v of col) w.int64(v);
    else writeDeltaOfDelta(w, col);
  }
  const bits = new BitWriter(n * 2 + 16);
  writeGorilla(bits, c.values);
  const body = Buffer.concat([w.bytes(), bits.bytes()]);
  const deflated = deflateRawSync(body);
  const useDeflate = deflated.length < body.length;
  const flags = (raw ? RAW_INTS : 0) | (useDeflate ? DEFLATED : 0);
  return Buffer.concat([Buffer.from([VERSION, flags]), useDeflate ? deflated : body]);
}

export function decodeChunk(chunk: Uint8Array): ChunkColumns {
  if (chunk.length < 2 || chunk[0] !== VERSION) throw new RangeError(`unknown metric chunk format ${chunk[0]}`);
  const flags = chunk[1]!;
  const stored = chunk.subarray(2);
  const body = flags & DEFLATED ? inflateRawSync(stored) : stored;
  const r = new ByteReader(body);
  const n = r.varint();
  const cols: number[][] = [];
  for (let i = 0; i < 3; i++) cols.push(flags & RAW_INTS ? readRaw(r, n) : readDeltaOfDelta(r, n));
  const values = readGorilla(new BitReader(body.subarray(r.offset)), n);
  return { steps: cols[0]!, wallTimes: cols[1]!, seqs: cols[2]!, values };
}

function writeDeltaOfDelta(w: ByteWriter, col: number[]): void {
  let prev = 0;
  let prevDelta = 0;
  for (const v of col) {
    const delta = v - prev;
    w.varint(zigzag(delta - prevDelta));
    prevDelta = delta;
    prev = v;
  }
}

function readDeltaOfDelta(r: ByteReader, n: number): number[] {
  const out = new Array<number>(n);
  let prev = 0;
  let prevDelta = 0;
  for (let i = 0; i < n; i++) {
    prevDelta += unzigzag(r.varint());
    prev += prevDelta;
    out[i] = prev;
  }
  return out;
}

function readRaw(r: ByteReader, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = r.int64();
  return out;
}

const zigzag = (v: number) => (v >= 0 ? v * 2 : -v * 2 - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

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
  let blockLead = 0;
  let blockTrail = 0;
  for (let i = 1; i < n; i++) {
    if (bits.read(1) === 1) {
      if (bits.read(1) === 1) {
        blockLead = bits.read(5);
        blockTrail = 64 - blockLead - (bits.read(6) + 1);
      }
      const [xHi, xLo] = readSlice(bits, blockTrail, 64 - blockLead - blockTrail);
      hi = (hi ^ xHi) >>> 0;
      lo = (lo ^ xLo) >>> 0;
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

/** Reads `len` bits and places them `shift` bits above the lowest bit of a 64-bit word, as (hi, lo). */
function readSlice(bits: BitReader, shift: number, len: number): [number, number] {
  const sHi = len > 32 ? bits.read(len - 32) : 0;
  const sLo = bits.read(Math.min(len, 32));
  if (shift === 0) return [sHi, sLo];
  if (shift >= 32) return [(sLo << (shift - 32)) >>> 0, 0];
  return [((sHi << shift) | (sLo >>> (32 - shift))) >>> 0, (sLo << shift) >>> 0];
}

class ByteWriter {
  private buf: Buffer;
  private len = 0;
  constructor(capacity: number) {
    this.buf = Buffer.alloc(capacity);
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  /** An unsigned integer below 2^53, seven bits per byte. */
  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }
  int64(v: number): void {
    this.room(8);
    this.buf.writeBigInt64LE(BigInt(v), this.len);
    this.len += 8;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

class ByteReader {
  offset = 0;
  constructor(private readonly buf: Uint8Array) {}
  varint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      if (this.offset >= this.buf.length) throw new RangeError('metric chunk ends inside a varint');
      const b = this.buf[this.offset++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
  }
  int64(): number {
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.offset, 8);
    this.offset += 8;
    return Number(view.getBigInt64(0, true));
  }
}

/** Bits appended most significant first. */
class BitWriter {
  private buf: Uint8Array;
  private bit = 0;
  constructor(capacityBytes: number) {
    this.buf = new Uint8Array(capacityBytes);
  }
  /** The low `n` (<= 32) bits of `v`. */
  write(v: number, n: number): void {
    if ((this.bit + n + 7) >> 3 > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, ((this.bit + n) >> 3) + 8));
      next.set(this.buf);
      this.buf = next;
    }
    while (n > 0) {
      const free = 8 - (this.bit & 7);
      const take = Math.min(free, n);
      const part = (v >>> (n - take)) & ((1 << take) - 1);
      this.buf[this.bit >> 3]! |= part << (free - take);
      this.bit += take;
      n -= take;
    }
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, (this.bit + 7) >> 3);
  }
}

class BitReader {
  private bit = 0;
  constructor(private readonly buf: Uint8Array) {}
  /** The next `n` (<= 32) bits as an unsigned integer. */
  read(n: number): number {
    if (this.bit + n > this.buf.length * 8) throw new RangeError('metric chunk ends inside its values');
    let v = 0;
    while (n > 0) {
      const avail = 8 - (this.bit & 7);
      const take = Math.min(avail, n);
      const byte = this.buf[this.bit >> 3]!;
      const part = (byte >> (avail - take)) & ((1 << take) - 1);
      v = v * 2 ** take + part;
      this.bit += take;
      n -= take;
    }
    return v;
  }
}
